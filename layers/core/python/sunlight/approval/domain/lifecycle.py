"""The case lifecycle: a case's log of records, folded into its state and its clock.

`CaseLog` owns delivery semantics: a record is identified by (case_no, type, seq); the same record
again is a duplicate, the same identity with other content is a conflict. Records are ordered by the
sender's `seq`, so transport reordering never changes the result. `fold` turns the log into a
`CaseState` (stage, outcome, supplements, specials, fees); `case_clock` computes, for a calendar
and a moment, when the clock started, which limits bind (the stricter of the accept record's
declared and the catalogue's published ones), its pauses and extensions, the statutory and
committed due instants, and the warning / yellow / red moments. `due_change_note` says on a case
what a new calendar or rule version moved.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from sunlight.approval.domain.catalog import Item
from sunlight.approval.domain.config import RuleConfig
from sunlight.approval.domain.records import (
    RECORD_TYPES,
    Accept,
    Apply,
    Collect,
    Conclude,
    ExchangeRecord,
    Limit,
    PreAccept,
    SpecialEnd,
    SpecialStart,
    Stage,
    SupplementNotice,
    SupplementReceived,
    content_of,
    money,
)
from sunlight.kernel.calendar import Interval, WorkCalendar
from sunlight.kernel.errors import CaseMismatch, ConflictingRecord

Extension = tuple[int, str, dt.datetime]  # (value, unit, decided_at) of a type-A special procedure
_TYPE_ORDER = {t: n for n, t in enumerate(RECORD_TYPES)}
# Outcomes that are decisions on the merits: they need an acceptance and, when issued, every stage.
DECIDED_OUTCOMES = frozenset({"issued", "denied"})


@dataclass(frozen=True)
class Delivery:
    """A record as received: `received_at` is when the system got it (None when unknown)."""

    record: ExchangeRecord
    received_at: dt.datetime | None = None

    @property
    def sort_key(self) -> tuple[int, int]:
        return (self.record.seq, _TYPE_ORDER[self.record.type])


class CaseLog:
    """The append-only log of one case's records, deduplicated and checked for conflicts."""

    def __init__(self, case_no: str) -> None:
        self.case_no = case_no
        self._by_identity: dict[tuple[str, str, int], Delivery] = {}
        self._ordered: list[Delivery] = []

    def add(self, delivery: Delivery) -> Literal["stored", "duplicate"]:
        """Append a delivery; a duplicate changes nothing, a conflict raises and changes nothing."""
        record = delivery.record
        if record.case_no != self.case_no:
            raise CaseMismatch(self.case_no, "case_no", self.case_no, record.case_no)
        known = self._by_identity.get(record.identity)
        if known is not None:
            # Content is compared in canonical form only on an identity clash (the rare case).
            content, before = content_of(record), content_of(known.record)
            if before == content:
                return "duplicate"
            diff = sorted(k for k in content.keys() | before.keys() if content.get(k) != before.get(k))
            raise ConflictingRecord(record.case_no, record.type, record.seq, diff)
        self._check_case_fields(record)
        self._by_identity[record.identity] = delivery
        if self._ordered and delivery.sort_key < self._ordered[-1].sort_key:
            bisect.insort(self._ordered, delivery, key=lambda d: d.sort_key)
        else:
            self._ordered.append(delivery)
        return "stored"

    def _check_case_fields(self, record: ExchangeRecord) -> None:
        if not self._ordered:
            return
        first = self._ordered[0].record
        for name in ("item_code", "dept_code"):
            if getattr(record, name) != getattr(first, name):
                raise CaseMismatch(record.case_no, name, getattr(first, name), getattr(record, name))

    @property
    def deliveries(self) -> list[Delivery]:
        """The log in the sender's order (seq, then lifecycle order of the type), as a snapshot."""
        return list(self._ordered)

    def __len__(self) -> int:
        return len(self._by_identity)


@dataclass(frozen=True)
class StageStep:
    """One stage record, with the moment its stage began (the previous step in the procedure)."""

    record: Stage
    began_at: dt.datetime | None  # None when no earlier step of the procedure is known
    visit: int
    began_seq: int | None = None

    @property
    def done_at(self) -> dt.datetime:
        return self.record.occurred_at


@dataclass
class SpecialProcedure:
    start: SpecialStart
    end: SpecialEnd | None = None

    @property
    def pauses_clock(self) -> bool:
        return self.start.pauses_clock

    @property
    def started_at(self) -> dt.datetime:
        return self.start.occurred_at

    @property
    def ended_at(self) -> dt.datetime | None:
        return self.end.occurred_at if self.end else None


@dataclass
class CaseState:
    """What a case's records say, in the sender's order. No clock: see `case_clock`."""

    case_no: str
    item_code: str
    dept_code: str
    region_code: str
    deliveries: list[Delivery]
    apply: Apply | None = None
    pre_accepts: list[PreAccept] = field(default_factory=list)
    accept: Accept | None = None
    refusal: Accept | None = None
    steps: list[StageStep] = field(default_factory=list)
    supplement_notices: list[SupplementNotice] = field(default_factory=list)
    supplements_received: list[SupplementReceived] = field(default_factory=list)
    specials: dict[int, SpecialProcedure] = field(default_factory=dict)
    conclude: Conclude | None = None
    collect: Collect | None = None
    missing_seqs: list[int] = field(default_factory=list)
    stage_pointer: int = 0
    stages_required: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    @property
    def applied_at(self) -> dt.datetime | None:
        return self.apply.occurred_at if self.apply else None

    @property
    def accepted_at(self) -> dt.datetime | None:
        return self.accept.occurred_at if self.accept else None

    @property
    def closed_at(self) -> dt.datetime | None:
        """When the case ended: concluded, or refused at acceptance."""
        if self.conclude:
            return self.conclude.occurred_at
        if self.refusal and not self.accept:
            return self.refusal.occurred_at
        return None

    @property
    def outcome(self) -> str | None:
        if self.conclude:
            return self.conclude.outcome
        if self.refusal and not self.accept:
            return "refused"
        return None

    @property
    def current_stage(self) -> str:
        """Where the case stands: the pending step of its procedure."""
        if self.collect:
            return "collected"
        if self.conclude:
            return "concluded"
        if self.refusal and not self.accept:
            return "refused"
        if not self.accept:
            return "applied" if self.apply else "unknown"
        if any(s.pauses_clock and s.end is None for s in self.specials.values()):
            return "special_procedure"
        if self.steps and self.steps[-1].record.action == "deny":
            return "awaiting_conclusion"
        if self.stage_pointer < len(self.stages_required):
            return self.stages_required[self.stage_pointer]
        return "awaiting_conclusion"

    @property
    def fee_charged(self) -> Decimal | None:
        return money(self.conclude.fee_charged) if self.conclude else None

    @property
    def special_fees(self) -> Decimal:
        return sum(
            (money(s.end.fee) or Decimal(0) for s in self.specials.values() if s.end and s.end.fee),
            Decimal(0),
        )

    @property
    def last_occurred_at(self) -> dt.datetime:
        return max(d.record.occurred_at for d in self.deliveries)

    @property
    def last_received_at(self) -> dt.datetime:
        """When the latest record reached the system (its event time when receipt is unknown)."""
        return max(d.received_at or d.record.occurred_at for d in self.deliveries)

    def has_gap_between(self, low: int, high: int) -> bool:
        return any(low < m < high for m in self.missing_seqs)

    def has_gap_before(self, seq: int) -> bool:
        return any(m < seq for m in self.missing_seqs)


def fold(deliveries: list[Delivery], stages_required: tuple[str, ...] = ()) -> CaseState:
    """Fold a case's (ordered, deduplicated) deliveries into its state."""
    first = deliveries[0].record
    state = CaseState(first.case_no, first.item_code, first.dept_code, first.region_code, deliveries)
    state.stages_required = stages_required
    seqs = {d.record.seq for d in deliveries}
    state.missing_seqs = [s for s in range(1, max(seqs)) if s not in seqs]
    progress_at: dt.datetime | None = None
    progress_seq: int | None = None
    visits: dict[str, int] = {}
    for delivery in deliveries:
        r = delivery.record
        if isinstance(r, Apply):
            state.apply = state.apply or r
        elif isinstance(r, PreAccept):
            state.pre_accepts.append(r)
        elif isinstance(r, Accept):
            _fold_accept(state, r)
            if r.result == "accept" and state.accept is r:
                progress_at, progress_seq = r.occurred_at, r.seq
        elif isinstance(r, Stage):
            visits[r.stage] = visits.get(r.stage, 0) + 1
            state.steps.append(StageStep(r, progress_at, visits[r.stage], progress_seq))
            progress_at, progress_seq = r.occurred_at, r.seq
            _advance(state, r)
        elif isinstance(r, SupplementNotice):
            state.supplement_notices.append(r)
        elif isinstance(r, SupplementReceived):
            state.supplements_received.append(r)
        elif isinstance(r, SpecialStart):
            state.specials.setdefault(r.special_no, SpecialProcedure(r))
        elif isinstance(r, SpecialEnd):
            _fold_special_end(state, r)
        elif isinstance(r, Conclude):
            state.conclude = state.conclude or r
        elif isinstance(r, Collect):
            state.collect = state.collect or r
    return state


def _fold_accept(state: CaseState, r: Accept) -> None:
    if r.result == "accept":
        state.accept = state.accept or r
    else:
        state.refusal = state.refusal or r


def _fold_special_end(state: CaseState, r: SpecialEnd) -> None:
    special = state.specials.get(r.special_no)
    if special is None:
        state.notes.append(f"special_end for unknown special_no {r.special_no} (seq {r.seq})")
    elif special.end is None:
        special.end = r


def _advance(state: CaseState, r: Stage) -> None:
    """Move the procedure pointer: a pass moves past its stage, a return makes it pending again."""
    if r.stage not in state.stages_required:
        return
    index = state.stages_required.index(r.stage)
    if r.action == "pass":
        state.stage_pointer = index + 1
    elif r.action == "return":
        state.stage_pointer = index


# -- the clock ---------------------------------------------------------------------------------


UNIT_NAMES = {"G": ("working day", "working days"), "Z": ("natural day", "natural days")}


@dataclass(frozen=True)
class BindingLimit:
    """One of a case's limits: declared at acceptance, published in the catalogue, the stricter binds.

    `longer` is the finding of rule L-LIMIT: the declaration promised more time than published
    (a longer value, natural days where the catalogue counts working days, or a later due instant).
    """

    declared: Limit | None
    published: Limit
    binds: Literal["declared", "catalogue"]
    why: str
    longer: bool = False

    @property
    def limit(self) -> Limit:
        return self.declared if self.binds == "declared" and self.declared else self.published

    def to_json(self) -> dict[str, Any]:
        return {
            "declared": self.declared.model_dump() if self.declared else None,
            "published": self.published.model_dump(),
            "binds": self.binds,
            "why": self.why,
        }


def binding_limit(
    declared: Limit | None,
    published: Limit,
    calendar: WorkCalendar,
    start: dt.datetime,
    pauses: list[Interval],
) -> BindingLimit:
    """The stricter of a declared and a published limit binds; a tie goes to the catalogue.

    Limits in different units are compared by their due instants, extensions left out.
    """
    if declared is None:
        why = f"no limit was declared: the published {_days(published)} bind"
        return BindingLimit(None, published, "catalogue", why)
    if declared.unit == published.unit:
        order = (declared.value > published.value) - (declared.value < published.value)
        return _bound(declared, published, order, order > 0, "")
    mine = calendar.add(start, declared.value, declared.unit, pauses)
    theirs = calendar.add(start, published.value, published.unit, pauses)
    order = (mine > theirs) - (mine < theirs)
    dues = f" (due {_local(calendar, mine)} against {_local(calendar, theirs)})"
    # Natural days where the catalogue counts working days is a finding however the instants fall.
    return _bound(declared, published, order, declared.unit == "Z" or order > 0, dues)


def _bound(declared: Limit, published: Limit, order: int, longer: bool, dues: str) -> BindingLimit:
    """`order` compares the declared limit with the published one: -1 shorter, 0 same, 1 longer."""
    d, p = _days(declared), _days(published)
    if order < 0:
        why = f"the declared {d} {_are(declared)} stricter than the published {p}{dues}"
    elif order > 0:
        why = f"the published {p} {_are(published)} stricter than the declared {d}{dues}"
    else:
        why = f"the declared {d} {_are(declared)} no stricter than the published {p}{dues}"
    return BindingLimit(declared, published, "declared" if order < 0 else "catalogue", why, longer)


def _days(limit: Limit) -> str:
    one, many = UNIT_NAMES[limit.unit]
    return f"{limit.value} {one if limit.value == 1 else many}"


def _are(limit: Limit) -> str:
    return "is" if limit.value == 1 else "are"


def _local(calendar: WorkCalendar, instant: dt.datetime) -> str:
    return calendar.local(instant).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class Clock:
    """A case's time limit as computed for one calendar and one moment (`now`)."""

    started_at: dt.datetime
    calendar_version: str
    statutory_limit: Limit
    committed_limit: Limit
    extension_days: list[Extension]
    pauses: list[Interval]
    paused_working_days: float
    statutory_due: dt.datetime
    committed_due: dt.datetime
    warn_at: dt.datetime
    warn_lead_days: float
    cure_due: dt.datetime
    red_at: dt.datetime
    red_reason: str
    stopped_at: dt.datetime | None
    elapsed_working_days: float
    remaining_working_days: float
    uncovered_years: list[int]
    # "committed" and "statutory": what the accept record declared, what the catalogue publishes,
    # and which of the two binds (`statutory_limit` and `committed_limit` are the binding ones).
    limits: dict[str, BindingLimit] = field(default_factory=dict)

    def moments(self) -> dict[str, dt.datetime]:
        return {"T-WARN": self.warn_at, "T-YELLOW": self.committed_due, "T-RED": self.red_at}

    def next_due(self, now: dt.datetime) -> dt.datetime | None:
        """The next moment a time alert falls due, for the deadline sweep (None when none)."""
        if self.stopped_at is not None:
            return None
        later = [m for m in self.moments().values() if m > now]
        return min(later) if later else None

    def to_json(self) -> dict[str, Any]:
        iso = _iso
        return {
            "started_at": iso(self.started_at),
            "calendar_version": self.calendar_version,
            "statutory_limit": self.statutory_limit.model_dump(),
            "committed_limit": self.committed_limit.model_dump(),
            "extensions": [
                {"value": v, "unit": u, "decided_at": iso(at)} for v, u, at in self.extension_days
            ],
            "pauses": [[iso(a), iso(b)] for a, b in self.pauses],
            "paused_working_days": round(self.paused_working_days, 3),
            "statutory_due": iso(self.statutory_due),
            "committed_due": iso(self.committed_due),
            "warn_at": iso(self.warn_at),
            "warn_lead_days": self.warn_lead_days,
            "red_at": iso(self.red_at),
            "red_reason": self.red_reason,
            "stopped_at": iso(self.stopped_at) if self.stopped_at else None,
            "elapsed_working_days": round(self.elapsed_working_days, 3),
            "remaining_working_days": round(self.remaining_working_days, 3),
            "uncovered_years": self.uncovered_years,
            "limits": {name: limit.to_json() for name, limit in self.limits.items()},
        }


def _iso(instant: dt.datetime) -> str:
    return instant.isoformat(timespec="seconds")


def pauses_of(state: CaseState, now: dt.datetime) -> list[Interval]:
    """Type-B special procedures as closed spans; one still running ends at the close or `now`."""
    horizon = state.closed_at or now
    spans = []
    for special in state.specials.values():
        if not special.pauses_clock:
            continue
        end = special.ended_at or horizon
        if end > special.started_at:
            spans.append((special.started_at, end))
    return spans


def case_clock(
    state: CaseState, item: Item, calendar: WorkCalendar, config: RuleConfig, now: dt.datetime
) -> Clock | None:
    """The clock of an accepted case (None before acceptance: the clock has not started)."""
    if state.accept is None:
        return None
    start = state.accept.occurred_at
    pauses = pauses_of(state, now)
    extensions: list[Extension] = [
        (s.start.planned.value, s.start.planned.unit, s.started_at)
        for s in state.specials.values()
        if not s.pauses_clock
    ]
    limits = {
        "committed": binding_limit(
            state.accept.committed_limit, item.committed_limit, calendar, start, pauses
        ),
        "statutory": binding_limit(
            state.accept.statutory_limit, item.statutory_limit, calendar, start, pauses
        ),
    }
    c, s = limits["committed"].limit, limits["statutory"].limit
    lead = config.warn_lead(c.value)
    warn_days = c.value - lead
    if not extensions and c.unit == s.unit == "G":
        # The common case: every moment is a working-day limit from the same start and pauses.
        committed, warn_at, cure, statutory = calendar.working_deadlines(
            start, (c.value, warn_days, c.value + config.yellow_cure_days, s.value), pauses
        )
    else:
        statutory = _due(calendar, start, s, 0, pauses, extensions)
        committed = _due(calendar, start, c, 0, pauses, extensions)
        warn_at = _due(calendar, start, c, -lead, pauses, extensions)
        cure = _due(calendar, start, c, config.yellow_cure_days, pauses, extensions)
    red_at, red_reason = (statutory, "statutory_limit") if statutory <= cure else (cure, "yellow_not_cured")
    stopped = state.closed_at
    until = min(stopped, now) if stopped else now
    # Elapsed and remaining time from positions computed once (counting starts the day after).
    day = calendar.day_seconds
    begin, at, due = calendar.counting_start(start), calendar.position(until), calendar.position(committed)
    spans = calendar.merged_positions(pauses)
    elapsed = max(0, at - begin - _overlap(begin, at, spans)) / day
    paused_ahead = _overlap(at, due, spans) if due >= at else -_overlap(due, at, spans)
    remaining = (due - at - paused_ahead) / day
    return Clock(
        started_at=start,
        calendar_version=calendar.version,
        statutory_limit=s,
        committed_limit=c,
        extension_days=extensions,
        pauses=pauses,
        paused_working_days=_overlap(begin, spans[-1][1], spans) / day if spans else 0.0,
        statutory_due=statutory,
        committed_due=committed,
        warn_at=warn_at,
        warn_lead_days=lead,
        cure_due=cure,
        red_at=red_at,
        red_reason=red_reason,
        stopped_at=stopped,
        elapsed_working_days=elapsed,
        remaining_working_days=remaining,
        uncovered_years=calendar.uncovered_years_between(start, max(statutory, until)),
        limits=limits,
    )


def _due(
    calendar: WorkCalendar,
    start: dt.datetime,
    limit: Limit,
    offset_days: float,
    pauses: list[Interval],
    extensions: list[Extension],
) -> dt.datetime:
    """A limit's due moment moved by `offset_days` of counted working time, pauses and extensions in.

    An extension counts only if it was decided before the limit it extends had passed
    (Licensing Law art. 42: the head of the body extends within the period).
    """
    value, cross_unit = limit.value, False
    due = calendar.add(start, value, limit.unit, pauses)
    for ext_value, ext_unit, decided_at in sorted(extensions, key=lambda e: e[2]):
        if decided_at > due:
            continue
        if ext_unit == limit.unit:
            value += ext_value
            due = calendar.add(start, value, limit.unit, pauses)
        else:
            cross_unit = True
            due = calendar.add(due, ext_value, ext_unit)
    if not offset_days:
        return due
    if limit.unit == "G" and not cross_unit and value + offset_days >= 0:
        return calendar.add_working_days(start, value + offset_days, pauses)
    return calendar.shift_working(due, offset_days)


def _overlap(lo: int, hi: int, spans: list[tuple[int, int]]) -> int:
    """Working seconds of the (merged) pause spans that fall between positions lo and hi."""
    return sum(max(0, min(hi, b) - max(lo, a)) for a, b in spans)


DUE_KEYS = ("committed_due", "statutory_due", "warn_at", "red_at")
_DUE_LABELS = {
    "committed_due": "committed due",
    "statutory_due": "statutory due",
    "warn_at": "warning at",
    "red_at": "red card at",
}


def due_instants(clock: Clock) -> dict[str, str]:
    """The clock's due instants as ISO strings, to keep and compare after a recomputation."""
    return {key: _iso(getattr(clock, key)) for key in DUE_KEYS}


def due_change_note(
    before: Mapping[str, str], after: Mapping[str, str], under: str, calendar: WorkCalendar
) -> str | None:
    """What a recomputation moved, said on the case (None when nothing moved).

    `under` names what changed, e.g. "calendar hz-2027.1" or "rules 2027.2"; times are local.
    """
    changes = [
        f"{_DUE_LABELS[key]} {_local(calendar, was)} → {_local(calendar, now)}"
        for key in DUE_KEYS
        if key in before and key in after
        for was, now in [(dt.datetime.fromisoformat(before[key]), dt.datetime.fromisoformat(after[key]))]
        if was != now
    ]
    return f"due instants recomputed under {under}: " + "; ".join(changes) if changes else None


@dataclass(frozen=True)
class Recomputed:
    """What loading a new calendar version changed on one open case (`note` None: nothing moved)."""

    case_no: str
    from_version: str
    to_version: str
    before: dict[str, str]
    after: dict[str, str]
    note: str | None


def recompute_open_cases(
    cases: list[tuple[CaseState, Item]],
    old: WorkCalendar,
    new: WorkCalendar,
    config: RuleConfig,
    now: dt.datetime,
) -> list[Recomputed]:
    """Recompute the due instants of every open accepted case under a newly loaded calendar.

    Each case whose due instants moved gets a note saying so; the returned list is the audit of
    every open case recomputed, moved or not.
    """
    out = []
    for state, item in cases:
        if state.closed_at is not None:
            continue
        before, after = case_clock(state, item, old, config, now), case_clock(state, item, new, config, now)
        if before is None or after is None:
            continue
        was, got = due_instants(before), due_instants(after)
        note = due_change_note(was, got, f"calendar {new.version}", new)
        if note:
            state.notes.append(note)
        out.append(Recomputed(state.case_no, old.version, new.version, was, got, note))
    return out
