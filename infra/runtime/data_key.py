"""Custom resource handler: puts a fresh personal-data key into the data-key secret, once.

The functions read the secret as base64 of 32 random bytes (`sunlight.app.bootstrap`), a shape the
Secrets Manager password generator cannot produce, so this handler writes it on stack creation and
never again: an update or a delete of the stack must not replace the key that sealed stored data.
Shipped inline (`index.handler`); only the standard library and the runtime's boto3.
"""

from __future__ import annotations

import base64
import json
import os
import urllib.request
from typing import Any

KEY_BYTES = 32


def new_key() -> str:
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def handler(event: dict[str, Any], context: Any, secrets: Any = None, send: Any = None) -> None:
    properties = event.get("ResourceProperties", {})
    physical_id = event.get("PhysicalResourceId") or f"{properties.get('SecretId', 'secret')}#initial-key"
    status, reason = "SUCCESS", "data key in place"
    try:
        if event["RequestType"] == "Create":
            if secrets is None:
                import boto3  # noqa: PLC0415  (in the Lambda runtime only)

                secrets = boto3.client("secretsmanager")
            secrets.put_secret_value(SecretId=properties["SecretId"], SecretString=new_key())
    except Exception as error:  # report any failure to CloudFormation instead of letting it time out
        status, reason = "FAILED", f"{type(error).__name__}: {error}"[:500]
    response = {
        "Status": status,
        "Reason": reason,
        "PhysicalResourceId": physical_id,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
    }
    (send or _put)(event["ResponseURL"], json.dumps(response).encode())


def _put(url: str, body: bytes) -> None:
    request = urllib.request.Request(  # the https URL CloudFormation gave
        url, data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=20):
        pass
