"""Full rule evaluation per arriving record, as the live system does it.

For every record of the sample city, in its case's order of receipt: add it to the case log, fold the
case and run every rule at the moment of receipt. The figure is the median cost per record (µs); the
baseline in the same run is validating the same record with the exchange-format model, so the ratio
says how many record validations one full evaluation costs.
"""

from __future__ import annotations

import datetime as dt
import gc
import statistics
import time
from typing import Any

from sunlight.approval.domain.config import RuleConfig
from sunlight.approval.domain.lifecycle import CaseLog, Delivery, fold
from sunlight.approval.domain.records import parse_record
from sunlight.approval.domain.rules import evaluate
from sunlight.devtools.sample.city import generate
from sunlight.kernel.calendar import HolidaySource, WorkCalendar
from sunlight.kernel.instants import normalised


def run(quick: bool = False) -> dict[str, float]:
    calendar = WorkCalendar(HolidaySource.chinese_calendar())
    city = generate(5, dt.date(2026, 9, 1), dt.date(2026, 11, 20), 8 if quick else 30, calendar)
    envelopes = city.envelopes()
    items = {i.item_code: i for i in city.catalog}
    config = RuleConfig()
    # The sample city is setup, not work: keep the collector from rescanning it on every cycle.
    gc.collect()
    gc.freeze()
    # A live evaluation holds one case, not the city: replay case by case (each case's records in
    # order of receipt) and let each case go once done, as the rule-check function would.
    by_case: dict[str, list[dict[str, Any]]] = {}
    for envelope in envelopes:
        by_case.setdefault(envelope["record"]["case_no"], []).append(envelope)
    evaluate_us: list[float] = []
    parse_us: list[float] = []
    alerts = 0
    for case_no, arrivals in by_case.items():
        log = CaseLog(case_no)
        for envelope in arrivals:
            received = normalised(dt.datetime.fromisoformat(envelope["received_at"]))
            t0 = time.perf_counter()
            record = parse_record(envelope["record"])
            t1 = time.perf_counter()
            log.add(Delivery(record, received))
            item = items[record.item_code]
            state = fold(log.deliveries, tuple(item.stages))
            alerts += len(evaluate(state, item, calendar, config, received))
            t2 = time.perf_counter()
            parse_us.append((t1 - t0) * 1e6)
            evaluate_us.append((t2 - t1) * 1e6)
    gc.unfreeze()
    median_eval, median_parse = statistics.median(evaluate_us), statistics.median(parse_us)
    return {
        "records": float(len(envelopes)),
        "cases": float(len(by_case)),
        "evaluate_median_us": median_eval,
        "evaluate_p90_us": statistics.quantiles(evaluate_us, n=10)[-1],
        "parse_median_us": median_parse,
        "evaluate_over_parse": median_eval / median_parse,
        "alerts_seen": float(alerts),
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:24} {value:12.1f}")
