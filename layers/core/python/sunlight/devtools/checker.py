"""The check use case: records in, alerts out, for any number of cases at one moment.

Shared by the CLI, the benchmarks and (later) the rule-check Lambda: it reads deliveries, groups
them into case logs (duplicates dropped, conflicts reported), folds each case and runs the rules.
Reading never stops at a bad record: every problem is reported and the good records are checked.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import AwareDatetime, TypeAdapter, ValidationError

from sunlight.approval.domain.catalog import Catalog
from sunlight.approval.domain.config import RuleConfig
from sunlight.approval.domain.lifecycle import CaseLog, CaseState, Delivery
from sunlight.approval.domain.records import parse_record
from sunlight.approval.domain.rules import Alert, judge
from sunlight.kernel.calendar import WorkCalendar
from sunlight.kernel.errors import InvalidRecord, Problem, SunlightError
from sunlight.kernel.instants import normalised

_INSTANT: TypeAdapter[dt.datetime] = TypeAdapter(AwareDatetime)


@dataclass(frozen=True)
class LineError:
    """A problem with one input line: where, which record, and what is wrong."""

    line: int
    identity: dict[str, Any]
    problems: list[Problem]

    def __str__(self) -> str:
        who = " ".join(f"{k}={v}" for k, v in self.identity.items())
        text = "; ".join(
            f"{p.field}: {p.problem}" + (f" (got {p.got!r})" if p.got is not None else "")
            for p in self.problems
        )
        return f"line {self.line}{' [' + who + ']' if who else ''}: {text}"


@dataclass
class CheckResult:
    alerts: list[Alert] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    cases: dict[str, CaseState] = field(default_factory=dict)
    duplicates: int = 0
    records: int = 0
    # Years some case's clock crosses that the calendar counts by weekends only: warn loudly.
    uncovered_years: set[int] = field(default_factory=set)


def read_deliveries(lines: Iterable[str]) -> Iterator[tuple[int, Delivery | LineError]]:
    """Parse JSON lines: a bare record, or {"received_at": ..., "record": {...}}."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield (
                number,
                LineError(number, {}, [Problem("line", f"is not valid JSON ({exc.msg})", line[:80])]),
            )
            continue
        yield number, parse_delivery(number, data)


def parse_delivery(number: int, data: Any) -> Delivery | LineError:
    received = None
    if isinstance(data, dict) and "record" in data:
        try:
            received = normalised(_INSTANT.validate_python(data.get("received_at")))
        except ValidationError:
            problem = Problem(
                "received_at", "must be an ISO 8601 date-time with a UTC offset", data.get("received_at")
            )
            return LineError(number, {}, [problem])
        data = data["record"]
    try:
        return Delivery(parse_record(data), received)
    except InvalidRecord as exc:
        return LineError(number, exc.identity, exc.problems)


def check(
    lines: Iterable[str], catalog: Catalog, calendar: WorkCalendar, config: RuleConfig, now: dt.datetime
) -> CheckResult:
    result = CheckResult()
    logs: dict[str, CaseLog] = {}
    for number, parsed in read_deliveries(lines):
        if isinstance(parsed, LineError):
            result.errors.append(parsed)
            continue
        result.records += 1
        record = parsed.record
        try:
            catalog[record.item_code]
            log = logs.setdefault(record.case_no, CaseLog(record.case_no))
            if log.add(parsed) == "duplicate":
                result.duplicates += 1
        except SunlightError as exc:
            identity = {"case_no": record.case_no, "type": record.type, "seq": record.seq}
            result.errors.append(LineError(number, identity, [Problem("record", str(exc), None)]))
    for case_no, log in logs.items():
        item = catalog[log.deliveries[0].record.item_code]
        judged = judge(log.deliveries, item, calendar, config, now)
        result.cases[case_no] = judged.state
        if judged.clock is not None:
            result.uncovered_years.update(judged.clock.uncovered_years)
        result.alerts.extend(judged.alerts)
    return result
