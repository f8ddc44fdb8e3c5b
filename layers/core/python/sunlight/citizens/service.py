"""The citizens' side (no key): the service guide, a case's progress, public rankings, guarded look-ups.

Look-ups by number and query code never tell whether a number exists: an unknown number and a wrong
code get the same answer, byte for byte, and take the same path (the keyed hash of the code is always
computed and compared in constant time). Every failure is counted per number and minute in the
throttle store; once `MAX_FAILURES` have been counted in a minute, that number answers 429 for the
rest of the minute, whatever the code (so a lucky guess is no oracle either).

Figures (on-time rates, scores, ranks) come from the tallies kept as records and alerts arrive
(`sunlight.evaluation.service.tallying`) and the scores made from them
(`sunlight.evaluation.service.scores`): a ranking costs work in departments, not cases. A concluded
case is on time when it concluded within its committed limit (pauses and extensions counted).
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from sunlight.approval import CaseRow, Protector, load_log
from sunlight.approval.domain.catalog import Item
from sunlight.approval.domain.lifecycle import CaseState
from sunlight.approval.domain.records import (
    Accept,
    Apply,
    Conclude,
    ExchangeRecord,
    PreAccept,
    SpecialStart,
    Stage,
    mask,
)
from sunlight.approval.domain.rules import judge
from sunlight.evaluation import EvaluationServices, counts_for, current_standard, previous_period, ranking
from sunlight.kernel.errors import SunlightError

MAX_FAILURES = 20
WINDOW = dt.timedelta(minutes=1)

NOT_FOUND_CASE: dict[str, Any] = {"found": False, "message": "未找到该办件，或查询密码不正确"}
NOT_FOUND_COMPLAINT: dict[str, Any] = {"found": False, "message": "未找到该投诉，或查询密码不正确"}
TOO_MANY: dict[str, Any] = {"found": False, "message": "查询过于频繁，请稍后再试"}
_NO_HASH = "0" * 64  # compared against when there is nothing stored, so both paths do the same work

CaseNo = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[0-9A-Za-z-]+$")]
QueryCode = Annotated[str, Field(min_length=1, max_length=32)]

STAGE_ZH = {
    "unknown": "未知",
    "applied": "待受理",
    "refused": "不予受理",
    "undertake": "承办",
    "review": "审核",
    "approve": "批准",
    "special_procedure": "特别程序中",
    "awaiting_conclusion": "待办结",
    "concluded": "已办结",
    "collected": "已领取",
}
OUTCOME_ZH = {
    "issued": "准予许可",
    "denied": "不予许可",
    "returned": "退回",
    "voided": "作废",
    "deleted": "删除",
    "forwarded": "转报",
    "supplement_timeout": "补正逾期",
    "concluded": "办结",
    "refused": "不予受理",
}
SPECIAL_ZH = {
    "extension": "延长审批期限",
    "hearing": "听证",
    "tender": "招标",
    "auction": "拍卖",
    "inspection": "检验",
    "testing": "检测",
    "quarantine": "检疫",
    "appraisal": "鉴定",
    "expert_review": "专家评审",
}
_ACTION_ZH = {"pass": "完成", "return": "退回", "deny": "：不予许可"}
_PLAIN_ZH = {
    "supplement_notice": "告知补正材料",
    "supplement_received": "收到补正材料",
    "special_end": "特别程序结束",
    "collect": "领取结果",
}


# -- ports -----------------------------------------------------------------------------------------


class ThrottleStore(Protocol):
    def failures(self, key: str) -> int: ...
    def fail(self, key: str, limit: int, expires_at: dt.datetime) -> bool:
        """Count one failure unless `limit` are counted already (then False): a conditional ADD."""
        ...


class TooManyLookups(SunlightError):
    """Too many failed look-ups of one number in the current minute (HTTP 429). A citizen's look-up
    always answers `found`, so this answer does too, and names nothing of the number."""

    code = "TooManyLookups"
    status = 429
    fixed_body = TOO_MANY


# -- guarded look-ups ------------------------------------------------------------------------------


class CitizenServices(EvaluationServices, Protocol):
    """What the citizens' facade reads: cases, the guide, the rankings, and its look-up throttle."""

    @property
    def throttle(self) -> ThrottleStore | None: ...


class LookupServices(Protocol):
    """What a guarded look-up needs (the complaints desk uses it too)."""

    @property
    def now(self) -> Callable[[], dt.datetime]: ...
    @property
    def throttle(self) -> ThrottleStore | None: ...
    @property
    def protector(self) -> Protector: ...


def verified_lookup(
    scope: str, number: str, code: str, stored_hash: Callable[[], str | None], services: LookupServices
) -> bool:
    """Whether `code` is the query code of `number`; counts failures, raises `TooManyLookups`."""
    now = services.now()
    window = now.astimezone(dt.UTC).replace(second=0, microsecond=0)
    key = f"{scope}#{number}#{window:%Y%m%d%H%M}"
    throttle: ThrottleStore | None = services.throttle
    if throttle is not None and throttle.failures(key) >= MAX_FAILURES:
        raise TooManyLookups(f"{scope} {number}: too many failed look-ups this minute")
    given = services.protector.keyed_hash(code)
    expected = stored_hash()
    same = hmac.compare_digest(given.encode(), (expected or _NO_HASH).encode())
    if same and expected is not None:
        return True
    # Kept a minute past its window: DynamoDB's TTL removes it later, the key's minute decides.
    if throttle is not None and not throttle.fail(key, MAX_FAILURES, window + 2 * WINDOW):
        raise TooManyLookups(f"{scope} {number}: too many failed look-ups this minute")
    return False


# -- progress --------------------------------------------------------------------------------------


class ProgressQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_no: CaseNo
    query_code: QueryCode


def progress(query: ProgressQuery, services: CitizenServices) -> dict[str, Any]:
    """A case's progress as its applicant may see it, or the one not-found answer."""
    rows: list[CaseRow | None] = []

    def stored_hash() -> str | None:
        row = services.cases.get(query.case_no)
        rows.append(row)
        return row.query_hash if row else None

    if not verified_lookup("progress", query.case_no, query.query_code, stored_hash, services):
        return dict(NOT_FOUND_CASE)
    row = rows[-1]
    assert row is not None
    item = services.catalog.get(row.item_code)
    if item is None:
        return dict(NOT_FOUND_CASE)
    return {"found": True, "case": citizen_case(row, item, services)}


def citizen_case(row: CaseRow, item: Item, services: CitizenServices) -> dict[str, Any]:
    """The contract's case view: Chinese labels, pauses explained, applicant masked, no staff, no code."""
    log = load_log(row.case_no, services)
    judgement = services.judgement(row.judged_generation)
    calendar = judgement.calendar
    now = services.now()
    judged = judge(log.deliveries, item, calendar, judgement.rules, now)
    state, clock = judged.state, judged.clock
    stage = state.current_stage
    # A due date counted across a year whose official holidays are not loaded yet may still move.
    provisional = {
        name: bool(clock and calendar.uncovered_years_between(clock.started_at, getattr(clock, name)))
        for name in ("committed_due", "statutory_due")
    }
    return {
        "case_no": row.case_no,
        "item_name": item.name,
        "dept_name": item.dept_name or item.dept_code,
        "stage": stage,
        "stage_zh": STAGE_ZH.get(stage, stage),
        "outcome": state.outcome,
        "accepted_at": _iso(clock.started_at) if clock else None,
        "committed_due": _iso(clock.committed_due) if clock else None,
        "statutory_due": _iso(clock.statutory_due) if clock else None,
        "provisional": provisional,
        "uncovered_years": clock.uncovered_years if clock else [],
        "calendar_version": calendar.version,
        "elapsed_working_days": round(clock.elapsed_working_days, 2) if clock else None,
        "remaining_working_days": round(clock.remaining_working_days, 2) if clock else None,
        "pauses": _pauses(state, now, services),
        "timeline": [
            {
                "seq": d.record.seq,
                "type": d.record.type,
                "label_zh": label_zh(d.record),
                "occurred_at": _iso(d.record.occurred_at),
            }
            for d in log.deliveries
        ],
        "applicant_name": mask(state.apply.applicant_name, "name") if state.apply else None,
    }


def _pauses(state: CaseState, now: dt.datetime, services: CitizenServices) -> list[dict[str, Any]]:
    out = []
    horizon = min(state.closed_at, now) if state.closed_at else now
    for special in state.specials.values():
        if not special.pauses_clock:
            continue
        kind = special.start.kind
        kind_zh = SPECIAL_ZH.get(kind, kind)
        end = special.ended_at
        explanation = f"{kind_zh}期间不计入办理时限（《行政许可法》第四十五条）"
        if end is None:
            explanation += "；该程序尚未结束"
        days = services.calendar.working_days_between(special.started_at, end or horizon)
        out.append(
            {
                "kind": kind,
                "kind_zh": kind_zh,
                "from": _iso(special.started_at),
                "to": _iso(end) if end else None,
                "working_days": round(max(days, 0.0), 2),
                "explanation_zh": explanation,
            }
        )
    return out


def label_zh(record: ExchangeRecord) -> str:
    """What a record means to the applicant, in Chinese (no names, no opinions)."""
    if isinstance(record, Apply):
        return "网上提交申请" if record.channel == "online" else "窗口提交申请"
    if isinstance(record, PreAccept):
        return {"pass": "预审通过", "refuse": "预审未通过", "supplement": "预审：需补正材料"}[record.result]
    if isinstance(record, Accept):
        return "受理" if record.result == "accept" else "不予受理"
    if isinstance(record, Stage):
        return STAGE_ZH.get(record.stage, record.stage) + _ACTION_ZH.get(record.action, "")
    if isinstance(record, SpecialStart):
        kind = SPECIAL_ZH.get(record.kind, record.kind)
        return kind if record.kind == "extension" else f"{kind}开始"
    if isinstance(record, Conclude):
        return "办结：" + OUTCOME_ZH.get(record.outcome, record.outcome)
    return _PLAIN_ZH.get(record.type, record.type)


def _iso(instant: dt.datetime) -> str:
    return instant.isoformat(timespec="seconds")


# -- figures: the guide's on-time rates and the rankings -------------------------------------------


@dataclass
class DeptFigures:
    concluded: int = 0
    on_time: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return round(self.on_time / self.concluded, 4) if self.concluded else None


def department_figures(services: CitizenServices) -> dict[str, DeptFigures]:
    """Concluded and on-time cases of all time per department, from the tallies (one query)."""
    if services.tallies is None:
        return {}
    return {
        unit.split("#", 1)[1]: DeptFigures(int(c.get("concluded", 0)), int(c.get("on_time", 0)))
        for unit, c in counts_for("all", "dept#", services).items()
    }


def _departments(items: list[Item]) -> dict[str, str]:
    names: dict[str, str] = {}
    for item in items:
        names.setdefault(item.dept_code, item.dept_name or item.dept_code)
    return names


def guide(services: CitizenServices, q: str | None = None, dept_code: str | None = None) -> dict[str, Any]:
    """The service guide. An item's `on_time_rate` and `cases_concluded` are its department's (the
    figures of all time, from the tallies); the rate is null below the standard's minimum case count."""
    items = sorted(services.catalog.all(), key=lambda i: i.item_code)
    names = _departments(items)
    figures = department_figures(services)
    min_cases = current_standard(services).min_cases
    words = (q or "").strip().lower()

    def matches(item: Item) -> bool:
        if dept_code and item.dept_code != dept_code:
            return False
        haystack = f"{item.item_code} {item.name} {names[item.dept_code]}".lower()
        return not words or all(w in haystack for w in words.split())

    def entry(item: Item) -> dict[str, Any]:
        dept = figures.get(item.dept_code, DeptFigures())
        return {
            "item_code": item.item_code,
            "name": item.name,
            "dept_code": item.dept_code,
            "dept_name": names[item.dept_code],
            "legal_basis": item.legal_basis,
            "statutory_limit": item.statutory_limit.model_dump(),
            "committed_limit": item.committed_limit.model_dump(),
            "fee_standard": item.fee_standard,
            "online_required": item.online_required,
            "stages": list(item.stages),
            "specials_allowed": list(item.specials_allowed),
            "on_time_rate": dept.on_time_rate if dept.concluded >= min_cases else None,
            "cases_concluded": dept.concluded,
        }

    return {
        "items": [entry(i) for i in items if matches(i)],
        "departments": [{"dept_code": c, "dept_name": n} for c, n in sorted(names.items())],
    }


def rankings(services: CitizenServices, period: str | None = None) -> dict[str, Any]:
    """The departments' scores and ranks for a period, as published: by default the last closed
    month once it is final and ranks anyone, else the current month so far. Units below the
    standard's minimum case count are hidden; the cut-off date and the standard's version are stated."""
    ranked: dict[str, Any] | None = None
    if period is None:
        today = services.calendar.local_date(services.now())
        last = previous_period(f"{today:%Y-%m}")
        head = services.scorebook.head(last) if services.scorebook is not None else None
        if head is not None and head.get("final"):
            ranked = ranking("dept", last, services)
        # A closed month in which no department was ranked (a new deployment) has nothing to publish.
        if ranked is None or not ranked["units"]:
            ranked = ranking("dept", f"{today:%Y-%m}", services)
    else:
        ranked = ranking("dept", period, services)
    departments = [
        {
            "dept_code": u["dept_code"],
            "dept_name": u["name"],
            "rank": u["rank"],
            "total": u["total"],
            "standard_version": u["standard_version"],
            "change": u["change"],
            "concluded": int(u["figures"].get("concluded", 0)),
            "on_time": int(u["figures"].get("on_time", 0)),
            "on_time_rate": u["figures"].get("on_time_rate"),
            "early_rate": u["figures"].get("early_rate"),
            "warnings": int(u["figures"].get("warnings", 0)),
            "yellow_cards": int(u["figures"].get("yellow_cards", 0)),
            "red_cards": int(u["figures"].get("red_cards", 0)),
        }
        for u in ranked["units"]
    ]
    return {
        "as_of": _iso(services.now()),
        "period": ranked["period"],
        "cut_off": ranked["cut_off"],
        "final": ranked["final"],
        "standard_versions": ranked["standard_versions"],
        "min_cases": ranked["min_cases"],
        "average": ranked["average"],
        "departments": departments,
        "hidden": ranked["hidden"],
    }
