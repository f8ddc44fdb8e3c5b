"""Citizens' complaints and enquiries (投诉 / 咨询, `domain.md` §7): states, steps, deadlines, alerts.

A complaint is received, then accepted or rejected by the supervision office; an accepted one is
handled by the office itself (自办) or directed to a department with a deadline of its own (督办);
whoever holds it replies; the office verifies the reply and closes the complaint. The citizen may
rate a reply once (1-5). Every move is a history entry with its Chinese label.

Deadlines are watched like a case's limits: while the office holds a complaint it answers for the
complaint's due (filed + 3 working days for an enquiry, 13 for a complaint); while a department holds
it, for its own directed deadline. A warning comes a working day before the deadline, a yellow card
when it passes, a red card when it has been passed by another 3 working days (all configurable in
`ComplaintConfig`). An alert belongs to the period in which the complaint sat in one state (its key)
and fires at its moment if the complaint was still in that state then, as a live watcher would have
raised it; a period that has ended closes the alerts still standing in it.

Pure: no clock reads, no I/O; time, calendar and configuration come in as arguments.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from sunlight.alerts.domain.model import LEVEL_ZH, Level
from sunlight.kernel.calendar import WorkCalendar
from sunlight.kernel.errors import InvalidRecord, Problem, SunlightError

Kind = Literal["enquiry", "complaint"]
State = Literal["received", "accepted", "rejected", "handling", "directed", "replied", "verified", "closed"]
StepName = Literal["accept", "reject", "handle", "direct", "reply", "verify", "close"]
Role = Literal["office", "department"]

KIND_ZH: dict[str, str] = {"enquiry": "咨询", "complaint": "投诉"}
STATE_ZH: dict[str, str] = {
    "received": "已收到",
    "accepted": "已受理",
    "rejected": "不予受理",
    "handling": "办理中（监察机关自办）",
    "directed": "办理中（已督办责任部门）",
    "replied": "已答复",
    "verified": "已核实",
    "closed": "已办结",
}
OFFICE = "office"
"""The holder named on alerts while the supervision office itself holds a complaint."""

RULES = ("C-WARN", "C-YELLOW", "C-RED")
RATABLE: frozenset[str] = frozenset({"replied", "verified", "closed"})
_OFFICE_HOLDS: frozenset[str] = frozenset({"received", "accepted", "handling"})

DEFAULT_DAYS: dict[Kind, int] = {"enquiry": 3, "complaint": 13}
DEFAULT_COMPLAINT_LEVELS: dict[str, Level] = {
    "C-WARN": "warning",
    "C-YELLOW": "yellow_card",
    "C-RED": "red_card",
}
_HOTLINE_BASIS = (
    "《国务院办公厅关于进一步优化地方政务服务便民热线的指导意见》（国办发〔2020〕53号）；"
    "本级投诉咨询办理时限规定"
)
DEFAULT_COMPLAINT_LEGAL_BASIS: dict[str, str] = dict.fromkeys(RULES, _HOTLINE_BASIS)


class ComplaintConfig(BaseModel):
    """Deadlines and alert thresholds for complaints, versioned like `RuleConfig`. Days are working days."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = "2026.1"
    days: dict[Kind, int] = Field(default_factory=lambda: dict(DEFAULT_DAYS))
    warn_days_before: float = Field(default=1, ge=0)
    red_after_days: float = Field(default=3, gt=0)
    # The deadline a directed department gets when the office names none, and the longest allowed.
    directed_days: int = Field(default=5, ge=1)
    directed_days_max: int = Field(default=60, ge=1)
    levels: dict[str, Level] = Field(default_factory=lambda: dict(DEFAULT_COMPLAINT_LEVELS))
    legal_basis: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_COMPLAINT_LEGAL_BASIS))
    # Where a complaint belongs when it names neither a case nor a department of the catalogue.
    default_region_code: str = Field(default="330100", pattern=r"^([0-9]{6}|[0-9]{9}|[0-9]{12})$")

    @classmethod
    def load(cls, path: str | Path) -> ComplaintConfig:
        return cls.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))


class ComplaintRefused(SunlightError):
    """A desk step or a rating that cannot be taken."""


class NotAllowed(ComplaintRefused):
    """The actor's role may not take this step on this complaint."""

    code = "NotAllowed"
    status = 403


class DoesNotFit(ComplaintRefused):
    """The step does not fit the complaint's state."""

    code = "DoesNotFit"
    status = 409


class HistoryEntry(BaseModel):
    """One move of a complaint: when, into which state, a note the citizen may read, and who."""

    model_config = ConfigDict(extra="forbid")

    at: AwareDatetime
    state: State
    state_zh: str
    note: str | None = None
    by: str = ""
    step: str | None = None
    dept_code: str | None = None
    due: AwareDatetime | None = None


class Complaint(BaseModel):
    """A complaint or enquiry as stored. Personal data only sealed (`contact`) or masked."""

    model_config = ConfigDict(extra="forbid")

    complaint_no: str
    kind: Kind
    text: str
    filed_at: AwareDatetime
    due: AwareDatetime
    region_code: str
    query_hash: str
    anonymous: bool = False
    about: dict[str, str] = Field(default_factory=dict)
    contact: dict[str, str] = Field(default_factory=dict)  # sealed name / phone, never shown
    contact_masked: dict[str, str] = Field(default_factory=dict)
    channel: str = "portal"
    state: State = "received"
    history: list[HistoryEntry] = Field(default_factory=list)
    dept_code: str | None = None  # the department it was directed to (kept after it replied)
    dept_due: AwareDatetime | None = None
    reply: str | None = None
    # The office's finding when it verified the reply: the complaint was true (查实), which costs the
    # department in its score, or not. None until verified.
    substantiated: bool | None = None
    rating: int | None = None
    rating_comment: str | None = None
    rated_at: AwareDatetime | None = None
    next_due: AwareDatetime | None = None
    texts: list[dict[str, Any]] = Field(default_factory=list)
    config_version: str = ""
    calendar_version: str = ""
    version: int = 0  # optimistic lock of the store


@dataclass(frozen=True)
class Actor:
    role: Role
    dept_code: str = ""
    name: str = ""


def complaint_number(day: dt.date, serial: int) -> str:
    """TS + filing date + the day's serial: TS2026112300001."""
    if not 1 <= serial <= 99_999:
        raise ValueError(f"a complaint serial runs from 1 to 99999 (got {serial})")
    return f"TS{day:%Y%m%d}{serial:05d}"


def _fmt(instant: dt.datetime, calendar: WorkCalendar) -> str:
    return calendar.local(instant).strftime("%Y-%m-%d %H:%M")


def file_complaint(
    complaint_no: str,
    kind: Kind,
    text: str,
    *,
    query_hash: str,
    region_code: str,
    now: dt.datetime,
    calendar: WorkCalendar,
    config: ComplaintConfig,
    anonymous: bool = False,
    about: dict[str, str] | None = None,
    contact: dict[str, str] | None = None,
    contact_masked: dict[str, str] | None = None,
    channel: str = "portal",
) -> Complaint:
    """A new complaint, received now, due `config.days[kind]` working days later."""
    due = calendar.add_working_days(now, config.days[kind])
    note = f"已收到您的{KIND_ZH[kind]}，将于{_fmt(due, calendar)}前答复。"
    complaint = Complaint(
        complaint_no=complaint_no,
        kind=kind,
        text=text,
        filed_at=now,
        due=due,
        region_code=region_code,
        query_hash=query_hash,
        anonymous=anonymous,
        about=about or {},
        contact=contact or {},
        contact_masked=contact_masked or {},
        channel=channel,
        history=[
            HistoryEntry(at=now, state="received", state_zh=STATE_ZH["received"], note=note, by=channel)
        ],
        config_version=config.version,
        calendar_version=calendar.version,
    )
    complaint.next_due = next_due(complaint, calendar, config, now)
    return complaint


# -- the desk ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepRule:
    before: frozenset[str]
    after: State
    by: Literal["office", "holder"]
    needs: str | None = None  # the field the step cannot do without


STEPS: dict[str, StepRule] = {
    "accept": StepRule(frozenset({"received"}), "accepted", "office"),
    "reject": StepRule(frozenset({"received"}), "rejected", "office", "reason"),
    "handle": StepRule(frozenset({"accepted"}), "handling", "office"),
    "direct": StepRule(frozenset({"accepted"}), "directed", "office", "dept_code"),
    "reply": StepRule(frozenset({"handling", "directed"}), "replied", "holder", "reply"),
    "verify": StepRule(frozenset({"replied"}), "verified", "office"),
    "close": StepRule(frozenset({"verified"}), "closed", "office"),
}


def _holds(complaint: Complaint, actor: Actor) -> bool:
    if complaint.state == "directed":
        return actor.role == "department" and actor.dept_code == complaint.dept_code
    return actor.role == "office"


def refusal(complaint: Complaint, step: str, actor: Actor) -> ComplaintRefused | None:
    """Why `actor` may not take `step` now (None: it may). A role that may not is refused first."""
    rule = STEPS.get(step)
    if rule is None:
        return DoesNotFit(f"unknown step {step!r}")
    if rule.by == "office" and actor.role != "office":
        return NotAllowed(f"only the supervision office may {step} a complaint")
    if complaint.state not in rule.before:
        return DoesNotFit(f"complaint {complaint.complaint_no} is {complaint.state}: {step} does not apply")
    if rule.by == "holder" and not _holds(complaint, actor):
        return NotAllowed(f"only the holder of complaint {complaint.complaint_no} may {step} it")
    return None


def may(complaint: Complaint, step: str, actor: Actor) -> bool:
    return refusal(complaint, step, actor) is None


def allowed_steps(complaint: Complaint, actor: Actor) -> list[str]:
    return [s for s in STEPS if may(complaint, s, actor)]


def take_step(
    complaint: Complaint,
    step: str,
    actor: Actor,
    now: dt.datetime,
    calendar: WorkCalendar,
    config: ComplaintConfig,
    *,
    reason: str | None = None,
    dept_code: str | None = None,
    dept_name: str | None = None,
    due_days: int | None = None,
    reply: str | None = None,
    substantiated: bool | None = None,
) -> Complaint:
    """The complaint after `step`.

    Raises `NotAllowed` (the role may not), `DoesNotFit` (the state), `InvalidRecord` (a field missing).
    """
    refused = refusal(complaint, step, actor)
    if refused is not None:
        raise refused
    rule = STEPS[step]
    given = {"reason": reason, "dept_code": dept_code, "reply": reply}
    if rule.needs and not (given[rule.needs] or "").strip():
        raise InvalidRecord([Problem(rule.needs, f"is required for the step {step}", None)])
    if due_days is not None and not 1 <= due_days <= config.directed_days_max:
        raise InvalidRecord([Problem("due_days", f"must be 1 to {config.directed_days_max}", due_days)])
    out = complaint.model_copy(deep=True)
    entry = HistoryEntry(
        at=now,
        state=rule.after,
        state_zh=STATE_ZH[rule.after],
        note=reason,
        by=actor.name or (actor.dept_code if actor.role == "department" else OFFICE),
        step=step,
    )
    if step == "handle":
        entry.note = reason or "由监察机关直接办理。"
    elif step == "direct":
        assert dept_code is not None
        days = due_days or config.directed_days
        due = calendar.add_working_days(now, days)
        out.dept_code, out.dept_due = dept_code, due
        entry.dept_code, entry.due = dept_code, due
        entry.note = f"已转{dept_name or dept_code}办理，限{days}个工作日内（{_fmt(due, calendar)}前）答复。"
    elif step == "reply":
        out.reply = (reply or "").strip()
        entry.note = "已答复，请查看答复内容。"
    elif step == "verify":
        out.substantiated = bool(substantiated)
    out.state = rule.after
    out.history.append(entry)
    out.next_due = next_due(out, calendar, config, now)
    return out


def can_rate(complaint: Complaint) -> bool:
    return complaint.state in RATABLE and complaint.rating is None


def rate(complaint: Complaint, rating: int, comment: str | None, now: dt.datetime) -> Complaint:
    """The citizen's 1-5 rating of the reply, once, and only once there is a reply."""
    if not 1 <= rating <= 5:
        raise InvalidRecord([Problem("rating", "must be 1 to 5", rating)])
    if complaint.rating is not None:
        raise DoesNotFit(f"complaint {complaint.complaint_no} has been rated already")
    if complaint.state not in RATABLE:
        raise DoesNotFit(f"complaint {complaint.complaint_no} has not been replied to yet")
    out = complaint.model_copy(deep=True)
    out.rating, out.rating_comment, out.rated_at = rating, comment, now
    return out


def citizen_view(complaint: Complaint) -> dict[str, Any]:
    """What the complainant sees: states, notes and the reply; no officers, no personal data."""
    return {
        "complaint_no": complaint.complaint_no,
        "kind": complaint.kind,
        "state": complaint.state,
        "state_zh": STATE_ZH[complaint.state],
        "filed_at": _iso(complaint.filed_at),
        "due": _iso(complaint.due),
        "history": [
            {"at": _iso(h.at), "state": h.state, "state_zh": h.state_zh, "note": h.note}
            for h in complaint.history
        ],
        "reply": complaint.reply,
        "rating": complaint.rating,
        "can_rate": can_rate(complaint),
    }


def _iso(instant: dt.datetime) -> str:
    return instant.isoformat(timespec="seconds")


# -- deadlines and alerts --------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A stretch of time the complaint sat in one state, and the deadline its holder answered for."""

    state: str
    holder: str
    entered_at: dt.datetime
    left_at: dt.datetime | None
    deadline: dt.datetime | None
    directed: bool = False


def periods(complaint: Complaint) -> list[Period]:
    out = []
    history = complaint.history
    for n, entry in enumerate(history):
        left = history[n + 1].at if n + 1 < len(history) else None
        if entry.state in _OFFICE_HOLDS:
            out.append(Period(entry.state, OFFICE, entry.at, left, complaint.due))
        elif entry.state == "directed":
            holder = entry.dept_code or complaint.dept_code or OFFICE
            due = entry.due or complaint.dept_due
            out.append(Period(entry.state, holder, entry.at, left, due, directed=True))
        else:
            out.append(Period(entry.state, OFFICE, entry.at, left, None))
    return out


def moments(period: Period, calendar: WorkCalendar, config: ComplaintConfig) -> dict[str, dt.datetime]:
    """When each time rule falls due in a period. A directed department's clock starts when directed."""
    if period.deadline is None:
        return {}
    due = period.deadline
    found = {
        "C-WARN": calendar.shift_working(due, -config.warn_days_before),
        "C-YELLOW": due,
        "C-RED": calendar.shift_working(due, config.red_after_days),
    }
    if period.directed:
        found = {rule: max(m, period.entered_at) for rule, m in found.items()}
    return found


def complaint_alerts(
    complaint: Complaint, calendar: WorkCalendar, config: ComplaintConfig, now: dt.datetime
) -> list[dict[str, Any]]:
    """Every C-* alert the complaint deserves at `now`, as dicts the alerts store keeps.

    In one period a higher card withdraws the lower ones (摘牌); a period that has ended closes the
    alert still standing in it (the card stays on record and counts).
    """
    out: list[dict[str, Any]] = []
    for period in periods(complaint):
        fired = [
            (rule, m)
            for rule, m in moments(period, calendar, config).items()
            if m < now and period.entered_at <= m and (period.left_at is None or m < period.left_at)
        ]
        if not fired:
            continue
        top_rule, top_at = fired[-1]
        for rule, moment in fired:
            alert = _alert(complaint, period, rule, moment, calendar, config, now)
            if rule != top_rule:
                alert.update(
                    status="withdrawn", withdrawn_by=f"{top_rule}:{period.state}", withdrawn_at=_iso(top_at)
                )
            elif period.left_at is not None:
                alert.update(
                    status="closed",
                    closed_reason=f"complaint moved on from {period.state} at {_iso(period.left_at)}",
                    closed_at=_iso(period.left_at),
                )
            out.append(alert)
    return out


def _alert(
    complaint: Complaint,
    period: Period,
    rule: str,
    moment: dt.datetime,
    calendar: WorkCalendar,
    config: ComplaintConfig,
    now: dt.datetime,
) -> dict[str, Any]:
    assert period.deadline is not None
    level = config.levels.get(rule, "warning")
    what = "督办时限" if period.directed else "答复时限"
    due = _fmt(period.deadline, calendar)
    body = {
        "C-WARN": f"距{what}不足{config.warn_days_before:g}个工作日（{due}到期），请抓紧办理。",
        "C-YELLOW": f"已超过{what}（{due}到期）未答复，请立即办理。",
        "C-RED": f"超过{what}（{due}到期）{config.red_after_days:g}个工作日仍未答复。",
    }[rule]
    no = complaint.complaint_no
    return {
        "alert_id": f"{no}:{rule}:{period.state}",
        "case_no": no,
        "complaint_no": no,
        "rule": rule,
        "level": level,
        "key": period.state,
        "raised_at": _iso(moment),
        "status": "active",
        "legal_basis": config.legal_basis.get(rule, ""),
        "message": f"【{LEVEL_ZH[level]}】{KIND_ZH[complaint.kind]}{no}{body}",
        "facts": {
            "complaint_no": no,
            "kind": complaint.kind,
            "state": period.state,
            "holder": period.holder,
            "dept_code": period.holder,
            "deadline": _iso(period.deadline),
            "deadline_kind": "directed_due" if period.directed else "complaint_due",
            "entered_at": _iso(period.entered_at),
            "moments": {r: _iso(m) for r, m in moments(period, calendar, config).items()},
            "now": _iso(now),
            "complaint_config_version": config.version,
            "calendar_version": calendar.version,
        },
        "dept_code": period.holder,
        "region_code": complaint.region_code,
        "handler_id": None,
    }


def next_due(
    complaint: Complaint, calendar: WorkCalendar, config: ComplaintConfig, now: dt.datetime
) -> dt.datetime | None:
    """The second after the next time-rule moment of the period the complaint is in (None: none)."""
    current = periods(complaint)[-1]
    later = [m for m in moments(current, calendar, config).values() if m >= now]
    return min(later) + dt.timedelta(seconds=1) if later else None


@dataclass(frozen=True)
class ComplaintChanged:
    """A complaint moved on or its alerts changed: what counts against its departments may have."""

    complaint: Complaint
