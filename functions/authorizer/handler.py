"""API Gateway REQUEST authorizer: the `x-api-key` header to a department or the supervision office."""

from __future__ import annotations

from typing import Any

from sunlight.app.bootstrap import principals_from_environment
from sunlight.approval.adapters.dynamo import DynamoPrincipals
from sunlight.kernel.observability import child_logger, lambda_entry

logger = child_logger()


@lambda_entry
def handler(
    event: dict[str, Any], context: Any, principals: DynamoPrincipals | None = None
) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    key = headers.get("x-api-key", "")
    principal = (principals or principals_from_environment()).find(key) if key else None
    if principal is None:
        logger.info("refused", extra={"has_key": bool(key)})
        raise Exception("Unauthorized")
    api = "/".join(str(event.get("methodArn", "*")).split("/")[:2])
    return {
        "principalId": principal.dept_code or f"office-{principal.region_code}",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": f"{api}/*"}],
        },
        "context": principal.to_context(),
        "usageIdentifierKey": key,
    }
