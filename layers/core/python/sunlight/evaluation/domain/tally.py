"""Tallies: the counts that scores, rankings and statistics are computed from, kept per unit and
period so that a ranking costs work in the number of units, never in the number of cases.

A *fact* is one countable thing a case, a complaint or the office's register says: the case was
accepted on a day, concluded on time and early, a record was reported late, a card was raised and
still counts, a complaint was substantiated. Each fact has an id unique within its ledger (a case, a
complaint, the intake of a department) and lands in *cells*: (period, unit) pairs, for the day and the
month of the fact and all time, for the department, the handler and the region.

The incremental path re-derives a ledger's facts whenever its source changes and posts only the
difference from what was posted before (`difference`), so a fact that changes (a card withdrawn on
appeal, an out-of-order record that moves a conclusion) is corrected, and one derived twice counts
once. The nightly recompute derives every fact from the log with the same functions and compares the
sums with the stored tallies.

Pure: no clock reads, no I/O.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sunlight.alerts.domain.model import COUNTING_STATUSES
from sunlight.approval.domain.lifecycle import CaseState, Clock
from sunlight.kernel.calendar import WorkCalendar

"""Alerts in these states count against a unit; an appeal upheld, a card withdrawn by a higher one
or a verdict retracted cost nothing."""

Cell = tuple[str, str]
"""(period, unit): period "d#2026-11-23", "m#2026-11" or "all"; unit "dept#<code>", "staff#<dept>#<handler>"
or "region#<code>" (the code the records give; `roll_up` sums the levels above)."""

Counts = dict[str, float]


@dataclass(frozen=True)
class Fact:
    fact_id: str
    day: dt.date
    dept_code: str
    region_code: str
    handler_id: str | None
    counts: Mapping[str, float]

    def cells(self) -> list[Cell]:
        return cells_of(self.day, self.dept_code, self.region_code, self.handler_id)

    def posting(self) -> dict[str, Any]:
        """What a ledger keeps of the fact: where it counted (day and units) and what."""
        return {
            "day": self.day.isoformat(),
            "dept": self.dept_code,
            "region": self.region_code,
            "handler": self.handler_id,
            "counts": dict(sorted(self.counts.items())),
        }


def cells_of(day: dt.date, dept_code: str, region_code: str, handler_id: str | None) -> list[Cell]:
    return [(p, u) for p in period_keys(day) for u in unit_keys(dept_code, region_code, handler_id)]


ALL_TIME = "all"


def period_keys(day: dt.date) -> tuple[str, str, str]:
    return f"d#{day.isoformat()}", f"m#{day:%Y-%m}", ALL_TIME


def region_levels(region_code: str) -> list[str]:
    """A 6-digit code's province, city and county (distinct), and a longer code itself."""
    code = region_code.strip()
    if len(code) < 6:
        return [code] if code else []
    levels = [code[:2] + "0000", code[:4] + "00", code[:6]]
    if len(code) > 6:
        levels.append(code)
    return list(dict.fromkeys(levels))


def unit_keys(dept_code: str, region_code: str, handler_id: str | None) -> list[str]:
    # Only the region's own code: its city and province are sums over a key prefix at read time
    # (`roll_up`), which costs a few counties' cells instead of two more writes on every fact.
    units = [f"region#{region_code.strip()}"] if region_code.strip() else []
    if dept_code:
        units.insert(0, f"dept#{dept_code}")
        if handler_id:
            units.insert(1, f"staff#{dept_code}#{handler_id}")
    return units


def roll_up(cells: Mapping[str, Mapping[str, float]]) -> dict[str, Counts]:
    """Region cells ("region#<code>") summed up to every level above them: province, city, county."""
    out: dict[str, Counts] = {}
    for unit, counts in cells.items():
        for level in region_levels(unit.split("#", 1)[1]):
            into = out.setdefault(f"region#{level}", {})
            for name, value in counts.items():
                into[name] = into.get(name, 0) + value
    return out


def alert_key(level: str, rule: str) -> str:
    return f"alert#{level}#{rule}"


# -- facts of a case -------------------------------------------------------------------------------


def case_handler(state: CaseState) -> str | None:
    """The case's handler (经办人): whoever accepted it; before acceptance, whoever acted first."""
    acting = [d.record for d in state.deliveries if d.record.handler_id]
    accepted = next((r.handler_id for r in acting if r.type == "accept"), None)
    return accepted or (acting[0].handler_id if acting else None)


def case_facts(
    state: CaseState,
    clock: Clock | None,
    alerts: Iterable[Mapping[str, Any]],
    calendar: WorkCalendar,
    late_report_days: float,
) -> list[Fact]:
    """Every fact of one case: acceptance, conclusion, records received per day, its alerts."""
    handler = case_handler(state)

    def fact(fact_id: str, at: dt.datetime, counts: Counts, who: str | None = handler) -> Fact:
        return Fact(fact_id, calendar.local_date(at), state.dept_code, state.region_code, who, counts)

    out: list[Fact] = []
    if state.accept is not None:
        # In progress counts on the day of acceptance until the case concludes, so that a period's
        # figure is "accepted in the period and still in progress", and "all" the open cases now.
        counts: Counts = {"accepted": 1, "in_progress": int(state.conclude is None)}
        out.append(fact("accept", state.accept.occurred_at, counts))
    elif state.refusal is not None:
        out.append(fact("accept", state.refusal.occurred_at, {"refused": 1}))
    if state.conclude is not None and clock is not None:
        out.append(fact("conclude", state.conclude.occurred_at, conclusion_counts(state, clock, calendar)))
    out.extend(_record_facts(state, calendar, late_report_days, handler))
    out.extend(alert_facts(alerts, calendar, state.region_code))
    return out


def conclusion_counts(state: CaseState, clock: Clock, calendar: WorkCalendar) -> Counts:
    """Concluded; on time (not after the committed due, pauses and extensions counted); early (fewer
    days used than the committed limit promised: 提前办结)."""
    assert state.conclude is not None
    at = state.conclude.occurred_at
    on_time = at <= clock.committed_due
    limit = clock.committed_limit
    if limit.unit == "G":
        used = math.ceil(clock.elapsed_working_days - 1e-9)
    else:
        start, end = calendar.local_date(clock.started_at), calendar.local_date(at)
        used = (end - start).days
    extra = sum(v for v, _, _ in clock.extension_days)
    early = on_time and used < limit.value + extra
    return {"concluded": 1, "on_time": int(on_time), "early": int(early)}


def _record_facts(
    state: CaseState, calendar: WorkCalendar, late_report_days: float, handler: str | None
) -> list[Fact]:
    """Records received per day, and how many of them were reported late (L-LATE-REPORT's measure)."""
    per_day: dict[dt.date, Counts] = {}
    shortest = dt.timedelta(seconds=late_report_days * calendar.day_seconds)
    for d in state.deliveries:
        if d.received_at is None:
            continue
        counts = per_day.setdefault(calendar.local_date(d.received_at), {"records": 0, "late_records": 0})
        counts["records"] += 1
        lag = d.received_at - d.record.occurred_at
        if (
            lag > shortest
            and calendar.working_days_between(d.record.occurred_at, d.received_at) > late_report_days
        ):
            counts["late_records"] += 1
    return [
        Fact(f"records#{day.isoformat()}", day, state.dept_code, state.region_code, handler, counts)
        for day, counts in sorted(per_day.items())
    ]


def alert_facts(alerts: Iterable[Mapping[str, Any]], calendar: WorkCalendar, region_code: str) -> list[Fact]:
    """One fact per stored alert; one that no longer counts (withdrawn, upheld) counts nothing."""
    out = []
    for a in alerts:
        counts: Counts = {alert_key(a["level"], a["rule"]): 1} if a["status"] in COUNTING_STATUSES else {}
        raised = dt.datetime.fromisoformat(a["raised_at"])
        out.append(
            Fact(
                f"alert#{a['alert_id']}",
                calendar.local_date(raised),
                a.get("dept_code") or "",
                a.get("region_code") or region_code,
                a.get("handler_id"),
                counts,
            )
        )
    return out


# -- posting ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """What posting a ledger's fresh facts changes: the ledger entries and the tally increments."""

    put: dict[str, dict[str, Any]]  # fact id -> new posting
    removed: list[str]  # fact ids no longer derived
    before: dict[str, dict[str, Any] | None]  # fact id -> the posting it replaces (for the condition)
    increments: dict[Cell, Counts]

    @property
    def empty(self) -> bool:
        return not self.put and not self.removed


def difference(posted: Mapping[str, Mapping[str, Any]], facts: Iterable[Fact]) -> Difference:
    """The change from the postings a ledger holds to the facts derived now."""
    fresh = {f.fact_id: f.posting() for f in facts}
    increments: dict[Cell, Counts] = defaultdict(lambda: defaultdict(float))
    put: dict[str, dict[str, Any]] = {}
    before: dict[str, dict[str, Any] | None] = {}
    for fact_id, new in fresh.items():
        old = posted.get(fact_id)
        if old is not None and _same(old, new):
            continue
        put[fact_id], before[fact_id] = new, dict(old) if old is not None else None
        _apply(increments, old, -1)
        _apply(increments, new, +1)
    removed = [fact_id for fact_id in posted if fact_id not in fresh]
    for fact_id in removed:
        before[fact_id] = dict(posted[fact_id])
        _apply(increments, posted[fact_id], -1)
    cleaned = {cell: {k: v for k, v in c.items() if v} for cell, c in increments.items()}
    return Difference(put, removed, before, {cell: c for cell, c in cleaned.items() if c})


def _same(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    where = ("day", "dept", "region", "handler")
    return all(old.get(k) == new.get(k) for k in where) and {
        k: float(v) for k, v in old["counts"].items()
    } == {k: float(v) for k, v in new["counts"].items()}


def _apply(increments: dict[Cell, Counts], posting: Mapping[str, Any] | None, sign: int) -> None:
    if posting is None:
        return
    day = dt.date.fromisoformat(posting["day"])
    for cell in cells_of(day, posting["dept"], posting["region"], posting.get("handler")):
        for name, value in posting["counts"].items():
            increments[cell][name] += sign * float(value)


def sum_facts(facts: Iterable[Fact], into: dict[Cell, Counts] | None = None) -> dict[Cell, Counts]:
    """The tallies a set of facts adds up to (the recompute's side of the comparison)."""
    out: dict[Cell, Counts] = into if into is not None else {}
    for fact in facts:
        if not fact.counts:
            continue
        for cell in fact.cells():
            counts = out.setdefault(cell, {})
            for name, value in fact.counts.items():
                counts[name] = counts.get(name, 0) + value
    return out


@dataclass(frozen=True)
class Drift:
    cell: Cell
    name: str
    stored: float
    recomputed: float


def drift(
    stored: Mapping[Cell, Mapping[str, float]], recomputed: Mapping[Cell, Mapping[str, float]]
) -> list[Drift]:
    """Every count where the stored tallies and a recompute from the log disagree (zeros ignored)."""
    out = []
    for cell in sorted(set(stored) | set(recomputed)):
        a, b = stored.get(cell, {}), recomputed.get(cell, {})
        for name in sorted(set(a) | set(b)):
            x, y = float(a.get(name, 0)), float(b.get(name, 0))
            if abs(x - y) > 1e-9:
                out.append(Drift(cell, name, x, y))
    return out
