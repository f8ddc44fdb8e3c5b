"""Workflow step: keep the task token on the case until its next record (or resume at once)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from sunlight.bootstrap import from_environment
from sunlight.service.casework import park
from sunlight.service.services import Services

logger = Logger(service="sunlight-park")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any, services: Services | None = None) -> dict[str, Any]:
    return park(
        str(event["case_no"]),
        str(event["task_token"]),
        int(event["checked_records"]),
        services or from_environment()[0],
    )
