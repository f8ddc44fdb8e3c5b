"""Logs, traces and metrics for all of Sunlight, and the one decorator every handler wears.

Owns:

- `SERVICE`, the one service name ("sunlight"): the `service` key of every log line, the tracer's
  service, the `service` dimension of the business metrics. The stack sets the same value as
  POWERTOOLS_SERVICE_NAME and NAMESPACE as POWERTOOLS_METRICS_NAMESPACE (infra/constructs/compute.py).
- `logger`, the service's Powertools logger (JSON lines on stdout), and `child_logger()`, a module's
  child of it: the same handler, so the same keys (the Lambda context, the correlation id), and a line
  a service writes deep in a use case says which invocation and which request it belongs to.
- `tracer`, X-Ray through Powertools; off outside Lambda (the tests, the local mode), where no daemon
  listens.
- the metrics, CloudWatch's embedded metric format in namespace "Sunlight": the business counts as
  small named functions (`records_stored`, `alert_issued` ...), each on the dimension
  service=sunlight, and `function_metrics(function)`, the operational metrics an alarm watches per
  function (dimension service=<function>, infra/constructs/alarms.py).
- `lambda_entry`: the Lambda context in the logs, the API Gateway request id (or the Step Functions
  execution, when the event names one) as the correlation id, the handler traced, and the metrics
  written at the end of every invocation.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.logging.filters import SuppressFilter
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricResolution, MetricUnit

SERVICE = "sunlight"
NAMESPACE = "Sunlight"
# The API Gateway REST request id; else the execution a Step Functions task names in its payload
# (`"execution.$": "$$.Execution.Id"`); else none (a schedule's run is its own story).
CORRELATION_PATH = f"{correlation_paths.API_GATEWAY_REST} || execution"
_PACKAGE_TOOLS = "sunlight.devtools"  # the local mode's console loggers: the developer's, not the service's


# -- logs -------------------------------------------------------------------------------------------

logger = Logger(service=SERVICE)

child_logger: Callable[[], Logger] = functools.partial(Logger, service=SERVICE, child=True)
"""`logger = child_logger()` at the top of a module: its logger, `sunlight.<module>`, a Powertools child
of the service logger. Powertools names a child after the module whose code creates it, so this is a
partial and not a function: no frame of this module stands between."""


class _ToRootHandlers(logging.Handler):
    """Hands a record to the root logger's handlers, as if its logger were not under the service's."""

    def emit(self, record: logging.LogRecord) -> None:
        root = logging.getLogger()
        if root.isEnabledFor(record.levelno):
            root.handle(record)


def _write_own_lines_once() -> None:
    """Sunlight's lines go out once, as JSON, through the service logger's handler.

    Powertools keeps them from going out a second time through the root logger's handlers (Lambda's
    runtime has one; a console has one) with a filter on each root handler that drops any record whose
    logger's name contains the service's. The package is named like the service, so that would also
    silence the local mode's console (`sunlight.devtools.*`), and it misses root handlers added later.
    Instead, the service's loggers do not propagate to the root at all, and the local mode's loggers,
    which are under `sunlight.` by their package's name only, go to the root's handlers as before.
    """
    logging.getLogger(SERVICE).propagate = False
    for handler in logging.getLogger().handlers:
        for found in [f for f in handler.filters if isinstance(f, SuppressFilter) and f.logger == SERVICE]:
            handler.removeFilter(found)
    tools = logging.getLogger(_PACKAGE_TOOLS)
    if not any(isinstance(h, _ToRootHandlers) for h in tools.handlers):
        tools.propagate = False
        tools.setLevel(logging.DEBUG)  # the root's level decides, as it did (`_ToRootHandlers`)
        tools.addHandler(_ToRootHandlers())


_write_own_lines_once()


# -- traces -----------------------------------------------------------------------------------------


def _in_lambda() -> bool:
    return bool(os.environ.get("LAMBDA_TASK_ROOT"))


# Outside Lambda no X-Ray daemon listens: off there whatever POWERTOOLS_TRACE_DISABLED says (None
# leaves the decision, and that variable, to Powertools in Lambda).
tracer = Tracer(service=SERVICE, disabled=None if _in_lambda() else True)


# -- metrics ----------------------------------------------------------------------------------------


class _MetricSet(EphemeralMetrics):
    """One set of metrics with the same dimensions, kept apart from every other (Powertools' `Metrics`
    shares one set across all its instances, so two dimension sets cannot both live in it).

    Adds and flushes take one lock: the local mode runs several functions' handlers on threads of one
    process, and a flush iterates the set another thread may be adding to."""

    def add_metric(
        self, name: str, unit: MetricUnit | str, value: float, resolution: MetricResolution | int = 60
    ) -> None:
        with _LOCK:
            super().add_metric(name=name, unit=unit, value=value, resolution=resolution)


_LOCK = threading.RLock()
_SETS: dict[tuple[tuple[str, str], ...], _MetricSet] = {}


def _metric_set(**dimensions: str) -> _MetricSet:
    key = tuple(dimensions.items())
    with _LOCK:
        found = _SETS.get(key)
        if found is None:
            service = dimensions["service"]
            others = {k: v for k, v in dimensions.items() if k != "service"}
            found = _SETS[key] = _MetricSet(
                namespace=NAMESPACE, service=service, default_dimensions={"service": service, **others}
            )
        return found


metrics = _metric_set(service=SERVICE)
"""The service's business metrics (dimension service=sunlight); `lambda_entry` writes them out."""


def function_metrics(function: str) -> EphemeralMetrics:
    """The operational metrics of one function, on the one dimension service=<function>: what an alarm
    watches per function (the sweep's CalendarUncoveredYears, the scoring's TallyDrift). Written out by
    `lambda_entry` with the rest."""
    return _metric_set(service=function)


def _count(name: str, value: float, **dimensions: str) -> None:
    _metric_set(service=SERVICE, **dimensions).add_metric(name=name, unit=MetricUnit.Count, value=value)


def records_stored(count: int) -> None:
    """Exchange records stored by one batch (new ones: duplicates are not counted)."""
    _count("RecordsStored", count)


def records_rejected(count: int) -> None:
    """Exchange records one batch had rejected (invalid, not the sender's, conflicting)."""
    _count("RecordsRejected", count)


def alert_issued(level: str) -> None:
    """One alert issued, by level (dimension Level: warning, yellow_card, red_card)."""
    _count("AlertsIssued", 1, Level=level)


def text_sent() -> None:
    """One text message accepted by the text service."""
    _count("TextsSent", 1)


def text_failed() -> None:
    """One text message the text service did not accept (the sweep tries it again)."""
    _count("TextsFailed", 1)


def flush_metrics() -> None:
    """Write every set that holds a metric to stdout (EMF) and empty it; an empty set writes nothing
    and, unlike Powertools' `log_metrics`, warns of nothing: most invocations count nothing."""
    with _LOCK:
        for metric_set in _SETS.values():
            if metric_set.metric_set:
                metric_set.flush_metrics()
                metric_set.clear_metrics()  # already empty, unless POWERTOOLS_METRICS_DISABLED kept it


# -- the handlers' decorator ------------------------------------------------------------------------

Handler = TypeVar("Handler", bound=Callable[..., Any])


def lambda_entry(handler: Handler) -> Handler:
    """The one decorator of every `functions/*/handler.py`: logs with the Lambda context and the
    correlation id (state from an earlier invocation cleared), the invocation traced (the response is
    not recorded in the trace: it may hold personal data, and a large one overflows the segment), and
    the metrics written out when it returns or raises. Arguments after the context go by keyword."""
    traced = tracer.capture_lambda_handler(handler, capture_response=False)
    logged = logger.inject_lambda_context(traced, correlation_id_path=CORRELATION_PATH, clear_state=True)

    @functools.wraps(handler)
    def entry(event: Any, context: Any, **kwargs: Any) -> Any:
        try:
            return logged(event, context, **kwargs)
        finally:
            flush_metrics()

    return cast(Handler, entry)
