"""Every physical name and construct id the stack gives a resource, in one place.

Tables are named by `sunlight.app.spec.Table.physical`; everything else here follows the same
`sunlight-<stage>-<what>` pattern so a developer's stage never collides with another's.
"""

from __future__ import annotations

from sunlight.app import spec


def prefix(stage: str) -> str:
    return f"sunlight-{stage}"


def stack_name(stage: str) -> str:
    return f"Sunlight-{stage}"


def construct_id(logical: str) -> str:
    """`rule_check` -> `RuleCheck`: the id of a spec entry's construct inside its parent."""
    return "".join(part.capitalize() for part in logical.replace("-", "_").split("_"))


def function_name(stage: str, function: spec.Function) -> str:
    return f"{prefix(stage)}-{function.logical.replace('_', '-')}"


def state_machine_name(stage: str, machine: spec.StateMachine = spec.APPROVAL_CASE) -> str:
    """`sunlight-<stage>-<machine.name>`. Fixed, so functions can be given its ARN without a reference
    to it (no dependency cycle: a machine invokes functions, and functions start machines)."""
    return f"{prefix(stage)}-{machine.name}"


def api_name(stage: str) -> str:
    return f"{prefix(stage)}-api"


def usage_plan_name(stage: str, dept_code: str) -> str:
    return f"{prefix(stage)}-{dept_code}"


def data_key_secret_name(stage: str) -> str:
    return f"{prefix(stage)}/data-key"


def data_key_initialiser_name(stage: str) -> str:
    return f"{prefix(stage)}-data-key-init"


def ops_topic_name(stage: str) -> str:
    return f"{prefix(stage)}-ops"


def alarm_name(stage: str, subject: str, metric: str) -> str:
    return f"{prefix(stage)}-{subject}-{metric}"


def documents_bucket_name(stage: str, account: str) -> str:
    """`sunlight-<stage>-documents-<account>`: bucket names are global, so the account is part of it."""
    return f"{prefix(stage)}-{spec.DOCUMENTS_BUCKET}-{account}"


def access_log_bucket_name(stage: str, account: str) -> str:
    return f"{prefix(stage)}-access-logs-{account}"


def alert_topic_name(stage: str, level: str) -> str:
    """`yellow_card` -> `sunlight-<stage>-alerts-yellow-card`."""
    return f"{prefix(stage)}-alerts-{level.replace('_', '-')}"


def schedule_rule_name(stage: str, function: spec.Function) -> str:
    return f"{function_name(stage, function)}-schedule"


def dead_letter_queue_name(stage: str, function: spec.Function) -> str:
    return f"{function_name(stage, function)}-dlq"


def portal_bucket_name(stage: str, account: str) -> str:
    """The citizens' portal's static site (`portal/`)."""
    return f"{prefix(stage)}-portal-{account}"


def cdn_log_bucket_name(stage: str, account: str) -> str:
    """CloudFront standard logs of the portal's distribution (needs ACLs, so not the access-log bucket)."""
    return f"{prefix(stage)}-cdn-logs-{account}"


def response_headers_policy_name(stage: str) -> str:
    return f"{prefix(stage)}-security-headers"
