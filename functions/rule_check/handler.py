"""Workflow step: fold a case, store its alerts, say whether it has concluded."""

from __future__ import annotations

from typing import Any

from sunlight.bootstrap import from_environment
from sunlight.observability import lambda_entry
from sunlight.service.casework import check_case
from sunlight.service.services import Services


@lambda_entry
def handler(event: dict[str, Any], context: Any, services: Services | None = None) -> dict[str, Any]:
    return check_case(str(event["case_no"]), services or from_environment()[0])
