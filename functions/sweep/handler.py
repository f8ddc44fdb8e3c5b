"""The deadline sweep, run by the EventBridge schedule (and by the local mode's scheduler loop)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from sunlight.app.bootstrap import from_environment
from sunlight.app.services import Services
from sunlight.app.sweep import sweep
from sunlight.kernel.observability import child_logger, function_metrics, lambda_entry

logger = child_logger()
metrics = function_metrics("sweep")  # the alarm watches it on service=sweep
UNCOVERED_METRIC = "CalendarUncoveredYears"


@lambda_entry
def handler(event: dict[str, Any], context: Any, services: Services | None = None) -> dict[str, Any]:
    report = sweep(services or from_environment()[0]).to_json()
    uncovered = report["coverage"]["uncovered_years"]
    # Alarmed on the ops topic: until the office loads the year, clocks there count weekends only.
    metrics.add_metric(name=UNCOVERED_METRIC, unit=MetricUnit.Count, value=len(uncovered))
    if uncovered:
        logger.warning("calendar does not cover the coming days", extra=report["coverage"])
    logger.info("swept", extra=report)
    return report
