"""Workflow step: keep the task token on the case until its next record (or resume at once)."""

from __future__ import annotations

from typing import Any

from sunlight.app.bootstrap import from_environment
from sunlight.app.services import Services
from sunlight.approval.service.casework import park
from sunlight.kernel.observability import lambda_entry


@lambda_entry
def handler(event: dict[str, Any], context: Any, services: Services | None = None) -> dict[str, Any]:
    return park(
        str(event["case_no"]),
        str(event["task_token"]),
        int(event["checked_records"]),
        services or from_environment()[0],
    )
