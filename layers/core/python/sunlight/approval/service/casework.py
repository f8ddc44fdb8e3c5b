"""The case workflow's steps: check a case against the rules, and park until the next record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sunlight.alerts import service as alerts_kernel
from sunlight.alerts.service import APPROVAL
from sunlight.approval.domain.events import CaseChecked
from sunlight.approval.domain.lifecycle import due_change_note, due_instants
from sunlight.approval.domain.rules import judge
from sunlight.approval.service.ports import ApprovalServices
from sunlight.approval.service.stored import load_log
from sunlight.evaluation.domain.tally import case_handler
from sunlight.kernel.access import NotFound
from sunlight.kernel.calendar import WorkCalendar


def check_case(case_no: str, services: ApprovalServices, at_least: int = 0) -> dict[str, Any]:
    """Fold the case's whole log, store its alerts, and record how far the check got.

    The case is judged under the active calendar and rules, never under older ones than it was last
    judged by (nor than generation `at_least`); when they differ from last time and its due instants
    moved, a note on the case says so.
    """
    row = services.cases.get(case_no)
    if row is None:
        raise NotFound(f"case {case_no} is not known")
    log = load_log(case_no, services)
    item = services.catalog.get(row.item_code)
    if item is None:
        raise NotFound(f"item {row.item_code} of case {case_no} is not in the catalogue")
    judgement = services.judgement(max(at_least, row.judged_generation))
    calendar, config = judgement.calendar, judgement.rules
    now = services.now()
    judged = judge(log.deliveries, item, calendar, config, now)
    state, clock, alerts = judged.state, judged.clock, judged.alerts
    handler_id = case_handler(state)
    stored = [
        {
            **a.to_json(),
            "alert_id": a.alert_id,
            "dept_code": row.dept_code,
            "region_code": row.region_code,
            "handler_id": handler_id,
        }
        for a in alerts
    ]
    changed = alerts_kernel.sync(case_no, stored, now, state.closed_at, services, APPROVAL)
    row.stage, row.outcome, row.checked_count = state.current_stage, state.outcome, len(log)
    row.next_due = judged.next_due
    if state.accept is not None and state.accept.query_code:
        row.query_hash = services.protector.keyed_hash(state.accept.query_code)
    before = row.summary
    row.summary = {
        "item_name": item.name,
        "accepted_at": clock.started_at.isoformat() if clock else None,
        "committed_due": clock.committed_due.isoformat() if clock else None,
        "statutory_due": clock.statutory_due.isoformat() if clock else None,
        "active_alerts": sum(1 for a in alerts if a.status == "active"),
        "calendar_version": calendar.version,
        "rules_version": config.version,
        "generation": judgement.generation,
        "due": due_instants(clock) if clock else {},
    }
    note = _recomputation_note(before, row.summary, calendar, now) if clock is not None else None
    services.cases.save_check(row, note)
    services.events.publish(CaseChecked(case_no, state, clock))
    return {
        "case_no": case_no,
        "concluded": state.closed_at is not None,
        "checked_records": len(log),
        "alerts": len(alerts),
        "changed": changed,
        "noted": note is not None,
    }


def _recomputation_note(
    before: dict[str, Any], after: dict[str, Any], calendar: WorkCalendar, now: dt.datetime
) -> dict[str, Any] | None:
    """What to say on the case when its due instants moved because the calendar or the rules changed
    (the row's summary holds what it was last judged under, so this is said once)."""
    if not before.get("due"):
        return None  # judged for the first time, or before its clock started: nothing moved
    changed = [
        f"{kind} {after[key]}"
        for kind, key in (("calendar", "calendar_version"), ("rules", "rules_version"))
        if before.get(key) != after[key]
    ]
    if not changed:
        return None
    text = due_change_note(before["due"], after["due"], " and ".join(changed), calendar)
    if text is None:
        return None
    return {"at": now.isoformat(timespec="seconds"), "text": text, "generation": after["generation"]}


def park(case_no: str, token: str, checked_records: int, services: ApprovalServices) -> dict[str, Any]:
    """Keep the task token on the case; if records arrived during the check, resume at once."""
    if services.cases.park(case_no, token, checked_records):
        return {"case_no": case_no, "parked": True}
    services.workflow.resume(token, {"case_no": case_no})
    return {"case_no": case_no, "parked": False}
