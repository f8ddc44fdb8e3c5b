"""Full rule evaluation per arriving record, as the live system does it.

For every record of the sample city, in order of receipt: add it to its case log, fold the case and
run every rule at the moment of receipt. The figure is the median cost per record (µs); the
baseline in the same run is validating the same record with the exchange-format model, so the ratio
says how many record validations one full evaluation costs.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from typing import Any

from sunlight.domain.calendar import HolidaySource, WorkCalendar
from sunlight.domain.config import RuleConfig
from sunlight.domain.lifecycle import CaseLog, Delivery, fold
from sunlight.domain.records import parse_record
from sunlight.domain.rules import evaluate
from sunlight.sample.city import generate


def run(quick: bool = False) -> dict[str, float]:
    calendar = WorkCalendar(HolidaySource.chinese_calendar())
    city = generate(5, dt.date(2026, 9, 1), dt.date(2026, 11, 20), 8 if quick else 30, calendar)
    envelopes = city.envelopes()
    items = {i.item_code: i for i in city.catalog}
    config = RuleConfig()
    evaluate_us: list[float] = []
    parse_us: list[float] = []
    logs: dict[str, CaseLog] = {}
    alerts = 0
    for envelope in envelopes:
        raw: dict[str, Any] = envelope["record"]
        received = dt.datetime.fromisoformat(envelope["received_at"])
        t0 = time.perf_counter()
        record = parse_record(raw)
        t1 = time.perf_counter()
        log = logs.setdefault(record.case_no, CaseLog(record.case_no))
        log.add(Delivery(record, received))
        item = items[record.item_code]
        alerts += len(evaluate(fold(log.deliveries, tuple(item.stages)), item, calendar, config, received))
        t2 = time.perf_counter()
        parse_us.append((t1 - t0) * 1e6)
        evaluate_us.append((t2 - t1) * 1e6)
    median_eval, median_parse = statistics.median(evaluate_us), statistics.median(parse_us)
    return {
        "records": float(len(envelopes)),
        "cases": float(len(logs)),
        "evaluate_median_us": median_eval,
        "evaluate_p90_us": statistics.quantiles(evaluate_us, n=10)[-1],
        "parse_median_us": median_parse,
        "evaluate_over_parse": median_eval / median_parse,
        "alerts_seen": float(alerts),
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:24} {value:12.1f}")
