"""The supervision rules (`domain.md` §5) as pure functions of a case, its item, a calendar and a moment.

Each rule returns the verdicts the case deserves at `now`, as a live watcher would have raised them:
a time rule fires at its moment if the case was still open then; a procedure rule fires when the
offending record arrived. Every verdict carries its rule id, level, legal basis, the inputs it saw,
the values it computed, and a short Chinese text for SMS and display. `evaluate` runs the enabled
rules and applies escalation: a higher card withdraws the lower one of its chain (recorded, kept).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cached_property
from typing import Any

from sunlight.alerts.domain.model import LEVEL_RANK, LEVEL_ZH, Level
from sunlight.approval.domain.catalog import Item
from sunlight.approval.domain.config import RuleConfig
from sunlight.approval.domain.lifecycle import (
    DECIDED_OUTCOMES,
    BindingLimit,
    CaseState,
    Clock,
    Delivery,
    StageStep,
    case_clock,
    fold,
)
from sunlight.approval.domain.records import ExchangeRecord, Limit, money
from sunlight.kernel.calendar import WorkCalendar


@dataclass(frozen=True)
class Alert:
    """A rule's verdict on a case: what fired, why, on what evidence, and whether it still stands."""

    case_no: str
    rule: str
    level: Level
    key: str
    raised_at: dt.datetime
    legal_basis: str
    message: str
    facts: dict[str, Any]
    status: str = "active"
    withdrawn_by: str | None = None
    withdrawn_at: dt.datetime | None = None
    # Alerts of one rule on one matter at different levels have distinct keys and share a group
    # (T-SPECIAL's warning and overrun on one procedure): escalation works within the group.
    group: str = ""

    @property
    def alert_id(self) -> str:
        return f"{self.case_no}:{self.rule}:{self.key}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "case_no": self.case_no,
            "rule": self.rule,
            "level": self.level,
            "key": self.key,
            "raised_at": _iso(self.raised_at),
            "status": self.status,
            "legal_basis": self.legal_basis,
            "message": self.message,
            "facts": self.facts,
        }
        if self.withdrawn_by:
            out["withdrawn_by"] = self.withdrawn_by
            out["withdrawn_at"] = _iso(self.withdrawn_at) if self.withdrawn_at else None
        return out


@dataclass
class RuleContext:
    """Everything a rule may look at. Built once per evaluation."""

    state: CaseState
    item: Item
    calendar: WorkCalendar
    config: RuleConfig
    now: dt.datetime
    clock: Clock | None = None

    @cached_property
    def received(self) -> dict[tuple[str, str, int], dt.datetime | None]:
        """Receipt time per record identity; built only when a procedure alert needs it."""
        return {d.record.identity: d.received_at for d in self.state.deliveries}

    def alert(
        self, rule: str, raised_at: dt.datetime, message: str, facts: dict[str, Any], **kw: Any
    ) -> Alert:
        level: Level = kw.pop("level", None) or self.config.level(rule)
        base = {
            "item_code": self.item.item_code,
            "item_name": self.item.name,
            "dept_code": self.state.dept_code,
            "now": _iso(self.now),
            "rule_config_version": self.config.version,
            "calendar_version": self.calendar.version,
        }
        text = f"【{LEVEL_ZH[level]}】办件{self.state.case_no}（{self.item.name}）{message}"
        return Alert(
            self.state.case_no,
            rule,
            level,
            kw.pop("key", "case"),
            raised_at,
            self.config.basis(rule),
            text,
            {**base, **facts},
            **kw,
        )

    def arrived_at(self, record: ExchangeRecord) -> dt.datetime:
        """When a procedure alert on this record was raised: on receipt, or when it happened."""
        return self.received.get(record.identity) or record.occurred_at

    def order_rules_may_judge(self, seq: int) -> bool:
        """A gap before `seq` may be a record in transit: judge only once the grace has run out."""
        if not self.state.has_gap_before(seq):
            return True
        waited = self.calendar.working_days_between(self.state.last_received_at, self.now)
        return waited > self.config.gap_grace_days


Rule = Callable[[RuleContext], list[Alert]]


def _iso(instant: dt.datetime) -> str:
    return instant.isoformat(timespec="seconds")


def _fmt(instant: dt.datetime, calendar: WorkCalendar) -> str:
    return calendar.local(instant).strftime("%Y-%m-%d %H:%M")


def _open_at(state: CaseState, moment: dt.datetime) -> bool:
    closed = state.closed_at
    return closed is None or closed > moment


# -- time rules ------------------------------------------------------------------------------


def _time_facts(ctx: RuleContext, clock: Clock) -> dict[str, Any]:
    return {
        "clock": clock.to_json(),
        "accepted_at": _iso(clock.started_at),
        "closed_at": _iso(ctx.state.closed_at) if ctx.state.closed_at else None,
    }


def _raised(clock: Clock, moment: dt.datetime) -> dt.datetime:
    """A moment before acceptance (a limit shorter than the warning period) is raised on acceptance."""
    return max(moment, clock.started_at)


def t_warn(ctx: RuleContext) -> list[Alert]:
    clock = ctx.clock
    if clock is None or not (clock.warn_at < ctx.now and _open_at(ctx.state, clock.warn_at)):
        return []
    days = clock.warn_lead_days
    msg = f"距承诺时限不足{days:g}个工作日（{_fmt(clock.committed_due, ctx.calendar)}到期），请抓紧办理。"
    return [
        ctx.alert(
            "T-WARN",
            _raised(clock, clock.warn_at),
            msg,
            {**_time_facts(ctx, clock), "warn_days_before": ctx.config.warn_days_before},
        )
    ]


def t_yellow(ctx: RuleContext) -> list[Alert]:
    clock = ctx.clock
    if clock is None or not (clock.committed_due < ctx.now and _open_at(ctx.state, clock.committed_due)):
        return []
    msg = f"已超过承诺时限（{_fmt(clock.committed_due, ctx.calendar)}到期）未办结，已发督办通知书。"
    return [ctx.alert("T-YELLOW", clock.committed_due, msg, _time_facts(ctx, clock))]


def t_red(ctx: RuleContext) -> list[Alert]:
    clock = ctx.clock
    if clock is None or not (clock.red_at < ctx.now and _open_at(ctx.state, clock.red_at)):
        return []
    if clock.red_reason == "statutory_limit":
        msg = f"已超过法定时限（{_fmt(clock.statutory_due, ctx.calendar)}到期）未办结，已发监察建议书。"
    else:
        days = ctx.config.yellow_cure_days
        msg = f"黄牌督办{days:g}个工作日期满（{_fmt(clock.red_at, ctx.calendar)}）仍未办结，已发监察建议书。"
    facts = {**_time_facts(ctx, clock), "yellow_cure_days": ctx.config.yellow_cure_days}
    return [ctx.alert("T-RED", clock.red_at, msg, facts)]


def t_accept(ctx: RuleContext) -> list[Alert]:
    state = ctx.state
    if state.apply is None:
        return []
    applied = state.apply.occurred_at
    decided = _first_acceptance_decision(state)
    days = ctx.config.accept_decision_days
    if decided is not None and decided - applied <= dt.timedelta(days=days):
        return []  # N working days never end sooner than N calendar days: no need to count
    due = ctx.calendar.add_working_days(applied, days)
    if not (due < ctx.now and (decided is None or decided > due) and _open_at(state, due)):
        return []
    msg = f"申请后{days}个工作日内未作出受理、不予受理或补正决定（{_fmt(due, ctx.calendar)}到期）。"
    facts = {
        "applied_at": _iso(applied),
        "decision_due": _iso(due),
        "accept_decision_days": days,
        "decided_at": _iso(decided) if decided else None,
    }
    return [ctx.alert("T-ACCEPT", due, msg, facts)]


def _first_acceptance_decision(state: CaseState) -> dt.datetime | None:
    moments = [p.occurred_at for p in state.pre_accepts if p.result != "pass"]
    moments += [r.occurred_at for r in (state.accept, state.refusal) if r]
    moments += [n.occurred_at for n in state.supplement_notices]
    return min(moments) if moments else None


def t_stage(ctx: RuleContext) -> list[Alert]:
    limits = ctx.item.stage_limits
    if not limits or ctx.clock is None:
        return []
    pauses = ctx.clock.pauses
    out = []
    for step in ctx.state.steps:
        limit = limits.get(step.record.stage)
        if limit and step.began_at is not None:
            due = ctx.calendar.add(step.began_at, limit.value, limit.unit, pauses)
            if due < ctx.now and step.done_at > due:
                out.append(_stage_alert(ctx, step.record.stage, step.visit, step.began_at, due, step.done_at))
    pending = ctx.state.current_stage
    if pending in limits and ctx.state.closed_at is None:
        began = ctx.state.steps[-1].done_at if ctx.state.steps else ctx.clock.started_at
        limit = limits[pending]
        due = ctx.calendar.add(began, limit.value, limit.unit, pauses)
        if due < ctx.now:
            visit = sum(1 for s in ctx.state.steps if s.record.stage == pending) + 1
            out.append(_stage_alert(ctx, pending, visit, began, due, None))
    return out


def _stage_alert(
    ctx: RuleContext, stage: str, visit: int, began: dt.datetime, due: dt.datetime, done: dt.datetime | None
) -> Alert:
    limit = ctx.item.stage_limits[stage]  # type: ignore[index]
    names = {"undertake": "承办", "review": "审核", "approve": "批准"}
    msg = f"{names[stage]}环节超过环节时限{limit.value}个{'工作日' if limit.unit == 'G' else '自然日'}。"
    facts = {
        "stage": stage,
        "visit": visit,
        "stage_began_at": _iso(began),
        "stage_due": _iso(due),
        "stage_limit": limit.model_dump(),
        "stage_done_at": _iso(done) if done else None,
    }
    return ctx.alert("T-STAGE", due, msg, facts, key=f"{stage}#{visit}")


def t_special(ctx: RuleContext) -> list[Alert]:
    out = []
    cfg = ctx.config
    for no, special in sorted(ctx.state.specials.items()):
        if not special.pauses_clock:
            continue
        start, planned = special.started_at, special.start.planned
        ended = min(m for m in (special.ended_at, ctx.state.closed_at, ctx.now) if m is not None)
        planned_end = ctx.calendar.add(start, planned.value, planned.unit)
        facts = {
            "special_no": no,
            "kind": special.start.kind,
            "started_at": _iso(start),
            "planned": planned.model_dump(),
            "planned_end": _iso(planned_end),
            "ended_at": _iso(special.ended_at) if special.ended_at else None,
        }
        if planned.unit == "G" and planned.value > cfg.special_warn_days_before:
            warn_at = ctx.calendar.add_working_days(start, planned.value - cfg.special_warn_days_before)
            if warn_at < ctx.now and ended > warn_at:
                msg = f"特别程序（{special.start.kind}）将于{_fmt(planned_end, ctx.calendar)}到期。"
                out.append(
                    ctx.alert(
                        "T-SPECIAL",
                        warn_at,
                        msg,
                        facts,
                        key=f"special:{no}:warning",
                        group=f"special:{no}",
                        level=cfg.special_warn_level,
                    )
                )
        if planned_end < ctx.now and ended > planned_end:
            msg = f"特别程序（{special.start.kind}）超过计划时限（{_fmt(planned_end, ctx.calendar)}）。"
            out.append(
                ctx.alert(
                    "T-SPECIAL",
                    planned_end,
                    msg,
                    facts,
                    key=f"special:{no}:overrun",
                    group=f"special:{no}",
                    level=cfg.special_overrun_level,
                )
            )
    return out


# -- procedure and content rules ----------------------------------------------------------------


def p_order(ctx: RuleContext) -> list[Alert]:
    state, required = ctx.state, tuple(ctx.item.stages)
    pointer, accepted_seq = 0, state.accept.seq if state.accept else None
    findings: list[dict[str, Any]] = []
    first_bad: ExchangeRecord | None = None
    for step in state.steps:
        r = step.record
        if r.stage not in required:
            continue
        index = required.index(r.stage)
        problem = None
        if accepted_seq is None or r.seq < accepted_seq:
            problem = f"stage {r.stage} before acceptance"
        elif index > pointer:
            problem = f"stage {r.stage} reached with {list(required[pointer:index])} skipped"
        if problem:
            findings.append({"seq": r.seq, "problem": problem})
            first_bad = first_bad or r
        pointer = index + 1 if r.action == "pass" else index if r.action == "return" else pointer
    c = state.conclude
    if c is not None and c.outcome in DECIDED_OUTCOMES:
        problem = None
        if accepted_seq is None or c.seq < accepted_seq:
            problem = "concluded before acceptance"
        elif c.outcome == "issued" and pointer < len(required):
            problem = f"issued without stages {list(required[pointer:])}"
        if problem:
            findings.append({"seq": c.seq, "problem": problem})
            first_bad = first_bad or c
    if not findings or first_bad is None or not ctx.order_rules_may_judge(first_bad.seq):
        return []
    msg = "办理流程违反固化顺序：" + "；".join(f["problem"] for f in findings) + "。"
    facts = {
        "required_stages": list(required),
        "findings": findings,
        "stages_seen": [[s.record.seq, s.record.stage, s.record.action] for s in state.steps],
    }
    return [ctx.alert("P-ORDER", ctx.arrived_at(first_bad), msg, facts)]


def p_supp_after_accept(ctx: RuleContext) -> list[Alert]:
    accept = ctx.state.accept
    if accept is None:
        return []
    late = [n for n in ctx.state.supplement_notices if n.seq > accept.seq]
    if not late or not ctx.order_rules_may_judge(late[0].seq):
        return []
    facts = {
        "accepted_at": _iso(accept.occurred_at),
        "accept_seq": accept.seq,
        "notices": [
            {"seq": n.seq, "occurred_at": _iso(n.occurred_at), "materials": n.materials} for n in late
        ],
    }
    return [ctx.alert("P-SUPP-AFTER-ACCEPT", ctx.arrived_at(late[0]), "受理后仍要求补正材料。", facts)]


def p_supp_repeat(ctx: RuleContext) -> list[Alert]:
    requests: list[ExchangeRecord] = [p for p in ctx.state.pre_accepts if p.result == "supplement"]
    requests += ctx.state.supplement_notices
    requests.sort(key=lambda r: r.seq)
    allowed = ctx.config.supplement_notices_allowed
    if len(requests) <= allowed:
        return []
    facts = {
        "requests": [{"seq": r.seq, "type": r.type, "occurred_at": _iso(r.occurred_at)} for r in requests],
        "allowed": allowed,
    }
    msg = f"补正告知{len(requests)}次，违反一次性告知规定。"
    return [ctx.alert("P-SUPP-REPEAT", ctx.arrived_at(requests[allowed]), msg, facts)]


def p_refuse_no_reason(ctx: RuleContext) -> list[Alert]:
    state, cfg = ctx.state, ctx.config
    refusals: list[ExchangeRecord] = [p for p in state.pre_accepts if p.result == "refuse"]
    refusals += [r for r in (state.refusal,) if r is not None]
    refusals += [s.record for s in state.steps if s.record.action == "deny"]
    refusals += [c for c in (state.conclude,) if c is not None and c.outcome == "denied"]
    bare = [r for r in refusals if not _is_reason(getattr(r, "reason", None), cfg)]
    if not bare:
        return []
    facts = {
        "focus_list": True,
        "refusals": [{"seq": r.seq, "type": r.type, "reason": getattr(r, "reason", None)} for r in bare],
        "reason_min_chars": cfg.reason_min_chars,
    }
    first = min(bare, key=lambda r: r.seq)
    return [
        ctx.alert(
            "P-REFUSE-NO-REASON", ctx.arrived_at(first), "不予受理或不予许可未说明理由，列入重点监察。", facts
        )
    ]


def _is_reason(text: str | None, cfg: RuleConfig) -> bool:
    if text is None:
        return False
    bare = text.strip()
    return len(bare) >= cfg.reason_min_chars and bare.lower() not in cfg.non_reasons


def p_offline(ctx: RuleContext) -> list[Alert]:
    """Handled off-system (体外循环): an online item's procedure reported only after its decision.

    Needs receipt times; a case whose records carry none is not judged by this rule.
    """
    state = ctx.state
    decision = state.conclude  # judged at the conclusion, so the verdict never moves as records arrive
    if not ctx.item.online_required or decision is None:
        return []
    handled = [d for d in state.deliveries if d.record.type in ("accept", "stage")]
    if not handled:
        return []
    received = [(d, d.received_at) for d in handled if d.received_at is not None]
    if len(received) < len(handled) or min(r for _, r in received) < decision.occurred_at:
        return []
    facts = {
        "online_required": True,
        "decided_at": _iso(decision.occurred_at),
        "first_received_at": _iso(min(r for _, r in received)),
        "records": [
            {
                "seq": d.record.seq,
                "type": d.record.type,
                "occurred_at": _iso(d.record.occurred_at),
                "received_at": _iso(r),
            }
            for d, r in received
        ],
    }
    msg = "应网上办理的事项在系统外办理后补录（受理至决定的信息均在决定后才报送）。"
    return [ctx.alert("P-OFFLINE", ctx.arrived_at(decision), msg, facts)]


def f_fee(ctx: RuleContext) -> list[Alert]:
    c, cfg = ctx.state.conclude, ctx.config
    if c is None or c.fee_charged is None:
        return []
    charged, standard = money(c.fee_charged) or Decimal(0), Decimal(ctx.item.fee_standard)
    declared = ctx.state.accept.fee_standard if ctx.state.accept else None
    facts = {
        "fee_charged": str(charged),
        "fee_standard": str(standard),
        "declared_fee_standard": declared,
        "tolerance_yuan": str(cfg.fee_tolerance_yuan),
        "tolerance_ratio": str(cfg.fee_tolerance_ratio),
    }
    if standard == 0 and charged > 0:
        msg = f"免费事项收取费用{charged}元。"
        return [ctx.alert("F-FEE", ctx.arrived_at(c), msg, facts, level=cfg.fee_on_free_item_level)]
    if abs(charged - standard) > cfg.fee_tolerance_yuan + cfg.fee_tolerance_ratio * standard:
        msg = f"收费{charged}元与规定标准{standard}元不符。"
        return [ctx.alert("F-FEE", ctx.arrived_at(c), msg, facts)]
    return []


def l_timing(ctx: RuleContext) -> list[Alert]:
    state, cfg = ctx.state, ctx.config
    findings: list[tuple[ExchangeRecord, str]] = []
    accepted_at = state.accepted_at
    tolerance = dt.timedelta(seconds=cfg.future_tolerance_seconds)
    previous: ExchangeRecord | None = None
    for d in state.deliveries:
        r = d.record
        limit = min(d.received_at or ctx.now, ctx.now) + tolerance
        if r.occurred_at > limit:
            findings.append((r, "occurred_at is in the future"))
        if previous is not None and r.occurred_at < previous.occurred_at - tolerance:
            findings.append((r, f"occurred before seq {previous.seq} that precedes it"))
        previous = r
    for step in state.steps:
        r = step.record
        if accepted_at and r.occurred_at < accepted_at:
            findings.append((r, f"stage {r.stage} dated before acceptance"))
        elif _directly_after(state, step) and r.stage != "undertake":
            secs = (r.occurred_at - step.began_at).total_seconds()  # type: ignore[operator]
            if secs < cfg.min_stage_seconds:
                findings.append((r, f"stage {r.stage} done {secs:.0f} s after the previous step"))
    if not findings:
        return []
    first = min((r for r, _ in findings), key=lambda r: r.seq)
    facts = {
        "findings": [
            {"seq": r.seq, "type": r.type, "occurred_at": _iso(r.occurred_at), "problem": p}
            for r, p in findings
        ],
        "min_stage_seconds": cfg.min_stage_seconds,
    }
    return [ctx.alert("L-TIMING", ctx.arrived_at(first), "办件数据时间异常（数据质量）。", facts)]


def _directly_after(state: CaseState, step: StageStep) -> bool:
    """The step's predecessor is known and no record is missing in between (speed is measurable)."""
    return step.began_seq is not None and not state.has_gap_between(step.began_seq, step.record.seq)


def l_late_report(ctx: RuleContext) -> list[Alert]:
    limit = ctx.config.late_report_days
    # Less wall time than the limit's working time cannot be a late report: skip the calendar.
    shortest = dt.timedelta(seconds=limit * ctx.calendar.day_seconds)
    late: list[tuple[Delivery, dt.datetime, float]] = []
    for d in ctx.state.deliveries:
        if (
            d.received_at is None
            or d.received_at > ctx.now
            or d.received_at - d.record.occurred_at <= shortest
        ):
            continue
        lag = ctx.calendar.working_days_between(d.record.occurred_at, d.received_at)
        if lag > limit:
            late.append((d, d.received_at, lag))
    if not late:
        return []
    facts = {
        "late_report_days": limit,
        "records": [
            {
                "seq": d.record.seq,
                "type": d.record.type,
                "occurred_at": _iso(d.record.occurred_at),
                "received_at": _iso(received),
                "lag_working_days": round(lag, 2),
            }
            for d, received, lag in late
        ],
    }
    first_received = min(received for _, received, _ in late)
    msg = f"{len(late)}条办件信息迟报（超过{limit:g}个工作日）。"
    return [ctx.alert("L-LATE-REPORT", first_received, msg, facts)]


_LIMIT_ZH = {"committed": "承诺时限", "statutory": "法定时限"}
_UNIT_ZH = {"G": "工作日", "Z": "自然日"}


def l_limit(ctx: RuleContext) -> list[Alert]:
    """A declared limit longer than the published one: the stricter binds, the declaration is a finding."""
    clock, accept = ctx.clock, ctx.state.accept
    if clock is None or accept is None:
        return []
    longer = {name: b for name, b in clock.limits.items() if b.longer and b.declared is not None}
    if not longer:
        return []
    facts = {
        "findings": [
            {"limit": name, **{k: v for k, v in b.to_json().items() if k != "why"}}
            for name, b in longer.items()
        ],
        "clock": clock.to_json(),
    }
    msg = "；".join(_limit_finding_zh(name, b) for name, b in longer.items()) + "，按较短者计算。"
    return [ctx.alert("L-LIMIT", ctx.arrived_at(accept), msg, facts)]


def _limit_finding_zh(name: str, limit: BindingLimit) -> str:
    assert limit.declared is not None
    kind, declared, published = _LIMIT_ZH[name], _limit_zh(limit.declared), _limit_zh(limit.published)
    if limit.declared.unit == "Z" and limit.published.unit == "G":
        return f"受理申报的{kind}（{declared}）按自然日计算，公布的{kind}为{published}"
    return f"受理申报的{kind}（{declared}）长于公布的{kind}（{published}）"


def _limit_zh(limit: Limit) -> str:
    return f"{limit.value}个{_UNIT_ZH[limit.unit]}"


RULES: dict[str, Rule] = {
    "T-WARN": t_warn,
    "T-YELLOW": t_yellow,
    "T-RED": t_red,
    "T-ACCEPT": t_accept,
    "T-STAGE": t_stage,
    "T-SPECIAL": t_special,
    "P-ORDER": p_order,
    "P-SUPP-AFTER-ACCEPT": p_supp_after_accept,
    "P-SUPP-REPEAT": p_supp_repeat,
    "P-REFUSE-NO-REASON": p_refuse_no_reason,
    "P-OFFLINE": p_offline,
    "F-FEE": f_fee,
    "L-TIMING": l_timing,
    "L-LATE-REPORT": l_late_report,
    "L-LIMIT": l_limit,
}


def evaluate(
    state: CaseState,
    item: Item,
    calendar: WorkCalendar,
    config: RuleConfig,
    now: dt.datetime,
    clock: Clock | None = None,
) -> list[Alert]:
    """Every alert the case deserves at `now`, escalation applied (withdrawn ones kept)."""
    clock = clock or case_clock(state, item, calendar, config, now)
    ctx = RuleContext(state, item, calendar, config, now, clock)
    alerts = [a for rule, fn in RULES.items() if rule in config.enabled for a in fn(ctx)]
    return escalate(alerts, config)


def escalate(alerts: list[Alert], config: RuleConfig) -> list[Alert]:
    """Withdraw every alert outranked by a higher one of the same chain and key (摘牌)."""
    chain_of = {rule: n for n, chain in enumerate(config.escalation_chains) for rule in chain}
    top: dict[tuple[object, str], Alert] = {}
    for a in alerts:
        group = (chain_of.get(a.rule, a.rule), a.group or a.key)
        best = top.get(group)
        if best is None or LEVEL_RANK[a.level] > LEVEL_RANK[best.level]:
            top[group] = a
    out = []
    for alert in alerts:
        best = top[(chain_of.get(alert.rule, alert.rule), alert.group or alert.key)]
        if LEVEL_RANK[alert.level] < LEVEL_RANK[best.level]:
            by = f"{best.rule}:{best.key}"
            out.append(replace(alert, status="withdrawn", withdrawn_by=by, withdrawn_at=best.raised_at))
        else:
            out.append(alert)
    return out


def next_due(
    state: CaseState,
    item: Item,
    calendar: WorkCalendar,
    config: RuleConfig,
    now: dt.datetime,
    clock: Clock | None = None,
) -> dt.datetime | None:
    """The next moment a time rule may fire for this case, for the deadline sweep (None if none)."""
    if state.closed_at is not None:
        return None
    moments: list[dt.datetime] = []
    if clock is not None:
        moments += [clock.warn_at, clock.committed_due, clock.red_at]
        pending = item.stage_limits.get(state.current_stage)  # type: ignore[call-overload]
        if pending is not None:
            began = state.steps[-1].done_at if state.steps else clock.started_at
            moments.append(calendar.add(began, pending.value, pending.unit, clock.pauses))
    elif state.apply is not None and _first_acceptance_decision(state) is None:
        moments.append(calendar.add_working_days(state.apply.occurred_at, config.accept_decision_days))
    for special in state.specials.values():
        if special.pauses_clock and special.end is None:
            planned = special.start.planned
            moments.append(calendar.add(special.started_at, planned.value, planned.unit))
            if planned.unit == "G" and planned.value > config.special_warn_days_before:
                moments.append(
                    calendar.add_working_days(
                        special.started_at, planned.value - config.special_warn_days_before
                    )
                )
    if state.missing_seqs:
        # Order rules judge across a gap once the grace after the latest receipt has run out.
        moments.append(calendar.shift_working(state.last_received_at, config.gap_grace_days + 1e-4))
    # A limit is passed from the first second after it: that is when the check has something to do.
    later = [m for m in moments if m >= now]
    return min(later) + dt.timedelta(seconds=1) if later else None


@dataclass
class Judged:
    """A case as the rules see it at one moment: its state, its clock, and (computed when asked) its
    verdicts and the next moment a time rule may fire."""

    state: CaseState
    item: Item
    calendar: WorkCalendar
    config: RuleConfig
    now: dt.datetime
    clock: Clock | None

    @cached_property
    def alerts(self) -> list[Alert]:
        return evaluate(self.state, self.item, self.calendar, self.config, self.now, self.clock)

    @cached_property
    def next_due(self) -> dt.datetime | None:
        return next_due(self.state, self.item, self.calendar, self.config, self.now, self.clock)


def judge(
    deliveries: list[Delivery], item: Item, calendar: WorkCalendar, config: RuleConfig, now: dt.datetime
) -> Judged:
    """Fold a case's deliveries and read its clock: the one way every caller judges a case."""
    state = fold(deliveries, tuple(item.stages))
    return Judged(state, item, calendar, config, now, case_clock(state, item, calendar, config, now))
