"""The deadline sweep, run by the EventBridge schedule (and by the local mode's scheduler loop)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from sunlight.bootstrap import from_environment
from sunlight.service.services import Services
from sunlight.service.sweep import sweep

logger = Logger(service="sunlight-sweep")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any, services: Services | None = None) -> dict[str, Any]:
    report = sweep(services or from_environment()[0]).to_json()
    logger.info("swept", extra=report)
    return report
