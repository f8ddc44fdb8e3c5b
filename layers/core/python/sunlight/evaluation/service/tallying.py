"""Keeping the tallies as records, alerts and complaints arrive, and checking them against the log.

Each source of facts has a ledger: a case (`case#<case_no>`), a complaint (`complaint#<no>`), a
department's rejected records of one day (`intake#<dept>#<day>`), the office's adjustments of a unit
and year (`adjust#<unit>#<year>`). Posting re-derives the source's facts and writes only the
difference, the ledger and the tallies together and conditioned on the ledger's version, so a fact
derived twice, by a sweep racing a record, counts once (`post_facts`). Where a difference touches more
tally cells than one transaction holds, the ledger is written first and the cells after: a crash in
between leaves a count short, which the nightly recompute reports (`check`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol

from sunlight.alerts.domain.events import AlertMoved
from sunlight.approval import ApprovalServices, load_log
from sunlight.approval.domain.events import CaseChecked, RecordsRejected
from sunlight.approval.domain.lifecycle import CaseState, Clock
from sunlight.approval.domain.rules import judge
from sunlight.complaints.domain import OFFICE, Complaint, ComplaintChanged
from sunlight.evaluation.domain.tally import (
    Cell,
    Counts,
    Drift,
    Fact,
    alert_facts,
    case_facts,
    difference,
    drift,
    sum_facts,
)
from sunlight.kernel.events import Bus
from sunlight.kernel.observability import child_logger

if TYPE_CHECKING:
    from sunlight.complaints.service import ComplaintStore

logger = child_logger()
RECOMPUTE_WORKERS = 16


@dataclass(frozen=True)
class Ledger:
    postings: dict[str, dict[str, Any]]
    version: int = 0


class EvaluationServices(ApprovalServices, Protocol):
    """The ports the evaluation works with: the approval line's (it tallies from cases) and its own."""

    @property
    def tallies(self) -> TallyStore | None: ...
    @property
    def scorebook(self) -> ScoreBook | None: ...
    @property
    def archive(self) -> Archive | None: ...
    @property
    def complaints(self) -> ComplaintStore | None: ...


class TallyStore(Protocol):
    def ledger(self, ledger_id: str) -> Ledger: ...

    def post(
        self,
        ledger_id: str,
        version: int,
        postings: dict[str, dict[str, Any]],
        increments: dict[Cell, Counts],
    ) -> bool:
        """Replace the ledger's postings and add the increments to the tallies, only if the ledger is
        still at `version` (it becomes `version + 1`); False when another writer got there first."""
        ...

    def cells(self, period: str, unit_prefix: str) -> dict[str, Counts]:
        """The tallies of one period ("m#2026-11", "d#2026-11-23", "all") whose unit starts with the
        prefix ("dept#", "staff#<dept>#", "region#"): one query, work in the number of units."""
        ...

    def everything(self) -> dict[Cell, Counts]: ...
    def ledger_ids(self, prefix: str) -> list[str]: ...


class Archive(Protocol):
    """Every source of facts, for the recompute: the case numbers and the complaints."""

    def case_nos(self) -> Iterator[str]: ...
    def complaints(self) -> Iterator[Complaint]: ...


class TallyConflict(Exception):
    """A ledger kept moving under repeated attempts to post to it."""


def post_facts(ledger_id: str, facts: Iterable[Fact], store: TallyStore, attempts: int = 8) -> int:
    """Post a ledger's facts as derived now; returns how many fact postings changed."""
    facts = list(facts)
    for _ in range(attempts):
        ledger = store.ledger(ledger_id)
        diff = difference(ledger.postings, facts)
        if diff.empty:
            return 0
        postings = {k: v for k, v in ledger.postings.items() if k not in diff.removed} | diff.put
        if store.post(ledger_id, ledger.version, postings, diff.increments):
            return len(diff.put) + len(diff.removed)
    raise TallyConflict(ledger_id)


# -- the sources -----------------------------------------------------------------------------------


def derive_case(
    case_no: str, services: EvaluationServices, state: CaseState | None = None, clock: Clock | None = None
) -> list[Fact]:
    """A case's facts from its log and its stored alerts (the fold is reused when the caller has it)."""
    if state is None:
        row = services.cases.get(case_no)
        item = services.catalog.get(row.item_code) if row else None
        if row is None or item is None:
            return []
        judged = judge(
            load_log(case_no, services).deliveries, item, services.calendar, services.config, services.now()
        )
        state, clock = judged.state, judged.clock
    alerts = services.alerts.for_case(case_no)
    return case_facts(state, clock, alerts, services.calendar, services.config.late_report_days)


def tally_case(
    case_no: str, services: EvaluationServices, state: CaseState | None = None, clock: Clock | None = None
) -> int:
    if services.tallies is None:
        return 0
    return post_facts(f"case#{case_no}", derive_case(case_no, services, state, clock), services.tallies)


def derive_complaint(complaint: Complaint, services: EvaluationServices) -> list[Fact]:
    """A complaint's facts: substantiated on the day the office verified it so, and its C-* alerts
    (those raised while the office itself held it count for the region only)."""
    calendar = services.calendar
    out: list[Fact] = []
    dept = complaint.dept_code or complaint.about.get("dept_code") or ""
    if complaint.substantiated:
        verified = next(
            (h.at for h in reversed(complaint.history) if h.state == "verified"), complaint.filed_at
        )
        out.append(
            Fact(
                "substantiated",
                calendar.local_date(verified),
                dept,
                complaint.region_code,
                complaint.about.get("handler_id"),
                {"complaints_substantiated": 1},
            )
        )
    alerts = [
        {**a, "dept_code": "" if a.get("dept_code") == OFFICE else a.get("dept_code")}
        for a in services.alerts.for_case(complaint.complaint_no)
    ]
    out.extend(alert_facts(alerts, calendar, complaint.region_code))
    return out


def tally_complaint(complaint: Complaint, services: EvaluationServices) -> int:
    if services.tallies is None:
        return 0
    return post_facts(
        f"complaint#{complaint.complaint_no}", derive_complaint(complaint, services), services.tallies
    )


def rejection_id(raw: Any) -> str:
    """A rejected record's identity: the same record sent again is the same rejection."""
    text = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)
    return "rejected#" + hashlib.sha256(text.encode()).hexdigest()[:32]


def tally_rejections(rejected: list[tuple[Any, str, str]], services: EvaluationServices) -> None:
    """Count records rejected at intake against the department that sent them (reporting
    completeness). `rejected` holds (raw record, dept_code, region_code)."""
    if services.tallies is None or not rejected:
        return
    day = services.calendar.local_date(services.now())
    by_dept: dict[tuple[str, str], list[Fact]] = {}
    for raw, dept, region in rejected:
        fact = Fact(rejection_id(raw), day, dept, region, None, {"rejected_records": 1})
        by_dept.setdefault((dept, region), []).append(fact)
    for (dept, _), facts in by_dept.items():
        ledger_id = f"intake#{dept}#{day.isoformat()}"
        # Keep the day's earlier rejections: only add the new ones.
        kept = kept_facts(services.tallies.ledger(ledger_id).postings)
        known = {f.fact_id for f in kept}
        post_facts(ledger_id, kept + [f for f in facts if f.fact_id not in known], services.tallies)


def listen(bus: Bus, services: EvaluationServices) -> None:
    """Tally from what the other contexts say happened (the tallies are read when an event comes, so
    a EvaluationServices given its tally store later is tallied too; without one nothing is)."""
    bus.subscribe(CaseChecked, lambda e: tally_case(e.case_no, services, e.state, e.clock))
    bus.subscribe(RecordsRejected, lambda e: tally_rejections(e.rejected, services))
    bus.subscribe(ComplaintChanged, lambda e: tally_complaint(e.complaint, services))
    bus.subscribe(AlertMoved, lambda e: _retally(e.alert, services))


def _retally(alert: dict[str, Any], services: EvaluationServices) -> None:
    """A card that stops or starts counting moves its unit's tallies (a complaint's or a case's)."""
    if alert.get("complaint_no"):
        if services.complaints is not None:
            complaint = services.complaints.get(alert["complaint_no"])
            if complaint is not None:
                tally_complaint(complaint, services)
    else:
        tally_case(alert["case_no"], services)


def kept_facts(postings: Mapping[str, Mapping[str, Any]]) -> list[Fact]:
    """A ledger's postings as facts again (for ledgers whose facts have no other source)."""
    return [
        Fact(
            fact_id,
            dt.date.fromisoformat(p["day"]),
            p["dept"],
            p["region"],
            p.get("handler"),
            {k: float(v) for k, v in p["counts"].items()},
        )
        for fact_id, p in postings.items()
    ]


# -- the nightly check -----------------------------------------------------------------------------


@dataclass
class DriftReport:
    cases: int = 0
    complaints: int = 0
    cells: int = 0
    moving: int = 0  # cells written to while the check ran: not judged
    drift: list[Drift] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "complaints": self.complaints,
            "cells": self.cells,
            "moving": self.moving,
            "drift": [
                {
                    "period": d.cell[0],
                    "unit": d.cell[1],
                    "count": d.name,
                    "stored": d.stored,
                    "recomputed": d.recomputed,
                }
                for d in self.drift[:200]
            ],
            "drifted_counts": len(self.drift),
        }


def recompute(
    services: EvaluationServices, archive: Archive, workers: int = RECOMPUTE_WORKERS
) -> tuple[dict[Cell, Counts], DriftReport]:
    """Every tally derived again from the log: cases, complaints, and the ledgers that are their own
    source (rejected records, the office's adjustments). A case costs three reads one after another
    (row, records, alerts), so cases are derived by `workers` threads: the time is in the waiting."""
    assert services.tallies is not None
    report = DriftReport()
    sums: dict[Cell, Counts] = {}
    case_nos = iter(archive.case_nos())
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # In batches, so that a million cases never stand in the pool's queue at once.
        while batch := list(islice(case_nos, 1000)):
            for facts in pool.map(lambda case_no: derive_case(case_no, services), batch):
                sum_facts(facts, sums)
                report.cases += 1
    for complaint in archive.complaints():
        sum_facts(derive_complaint(complaint, services), sums)
        report.complaints += 1
    for prefix in ("intake#", "adjust#"):
        for ledger_id in services.tallies.ledger_ids(prefix):
            sum_facts(kept_facts(services.tallies.ledger(ledger_id).postings), sums)
    return sums, report


def check(
    services: EvaluationServices, archive: Archive, settle: Callable[[], None] = lambda: None
) -> DriftReport:
    """Recompute every tally from the log and report where the stored counters drifted.

    Records may arrive while the log is read: a count whose cell moved between the reads before and
    after the recompute (after `settle`, a short wait for posts in flight) is reported as moving, not
    as drift; the next night judges it again."""
    assert services.tallies is not None
    before = services.tallies.everything()
    sums, report = recompute(services, archive)
    settle()
    after = services.tallies.everything()
    moving = {cell for cell in set(before) | set(after) if before.get(cell) != after.get(cell)}
    report.cells, report.moving = len(sums), len(moving)
    report.drift = [d for d in drift(after, sums) if d.cell not in moving]
    if report.drift:
        first = report.to_json()["drift"][:5]
        logger.warning("tally drift", extra={"drifted_counts": len(report.drift), "first": first})
    return report


class ScoreBook(Protocol):
    """Versions of the scoring standard and the scores each made, as stored."""

    def put_standard(self, version: str, body: dict[str, Any], at: dt.datetime) -> bool:
        """Store a new version; False if that version exists already (versions are never edited)."""
        ...

    def standard(self, version: str) -> dict[str, Any] | None: ...
    def versions(self) -> list[dict[str, Any]]:
        """Every stored version: [{"version", "loaded_at"}], oldest first."""
        ...

    def current(self) -> str | None: ...
    def set_current(self, version: str, at: dt.datetime) -> None: ...
    def save_scores(
        self, period: str, version: str, scores: list[dict[str, Any]], at: dt.datetime, final: bool
    ) -> None:
        """Keep the scores one version made for a period (a month) and make it the period's head."""
        ...

    def scores(self, period: str, version: str) -> list[dict[str, Any]]: ...
    def head(self, period: str) -> dict[str, Any] | None:
        """The period's latest scoring: {"version", "scored_at", "final"}, None if never scored."""
        ...
