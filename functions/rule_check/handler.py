"""Workflow step: fold a case, store its alerts, say whether it has concluded."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from sunlight.bootstrap import from_environment
from sunlight.service.casework import check_case
from sunlight.service.services import Services

logger = Logger(service="sunlight-rule-check")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any, services: Services | None = None) -> dict[str, Any]:
    return check_case(str(event["case_no"]), services or from_environment()[0])
