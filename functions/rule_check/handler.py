"""Workflow step: fold a case, store its alerts, say whether it has concluded."""

from __future__ import annotations

from typing import Any

from sunlight.app.bootstrap import from_environment
from sunlight.app.services import Services
from sunlight.approval.service.casework import check_case
from sunlight.kernel.observability import lambda_entry


@lambda_entry
def handler(event: dict[str, Any], context: Any, services: Services | None = None) -> dict[str, Any]:
    return check_case(str(event["case_no"]), services or from_environment()[0])
