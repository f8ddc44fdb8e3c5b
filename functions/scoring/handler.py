"""The nightly scoring, run by its EventBridge schedule (and by the local mode's scheduler loop):
recompute the tallies from the log and report drift, then score the open months."""

from __future__ import annotations

import os
import time
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from sunlight.app.bootstrap import from_environment
from sunlight.app.services import Services
from sunlight.evaluation.service.scores import nightly
from sunlight.kernel.observability import child_logger, function_metrics, lambda_entry

logger = child_logger()
metrics = function_metrics("scoring")  # the alarm watches it on service=scoring


@lambda_entry
def handler(event: dict[str, Any], context: Any, services: Services | None = None) -> dict[str, Any]:
    # Posts in flight when the recompute ends land within seconds; wait that long before judging.
    settle = float(os.environ.get("SUNLIGHT_DRIFT_SETTLE_SECONDS", "10"))
    report = nightly(services or from_environment()[0], lambda: time.sleep(settle))
    drift = report.get("drift", {})
    # The alarm on this metric is how an operator learns the counters and the log disagree.
    metrics.add_metric(name="TallyDrift", unit=MetricUnit.Count, value=drift.get("drifted_counts", 0))
    logger.info("scored", extra={"scored": report["scored"], "drifted_counts": drift.get("drifted_counts")})
    return report
