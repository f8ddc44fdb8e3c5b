"""The case workflow's steps: check a case against the rules, and park until the next record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sunlight.domain.lifecycle import case_clock, fold
from sunlight.domain.rules import evaluate, next_due
from sunlight.domain.tally import case_handler
from sunlight.service.alert_lifecycle import Create, plan_sync
from sunlight.service.announce import announce
from sunlight.service.principal import NotFound
from sunlight.service.services import Services
from sunlight.service.stored import load_log
from sunlight.service.tallying import tally_case


def check_case(case_no: str, services: Services) -> dict[str, Any]:
    """Fold the case's whole log, store its alerts, and record how far the check got."""
    row = services.cases.get(case_no)
    if row is None:
        raise NotFound(f"case {case_no} is not known")
    log = load_log(case_no, services)
    item = services.catalog.get(row.item_code)
    if item is None:
        raise NotFound(f"item {row.item_code} of case {case_no} is not in the catalogue")
    now = services.now()
    state = fold(log.deliveries, tuple(item.stages))
    clock = case_clock(state, item, services.calendar, services.config, now)
    alerts = evaluate(state, item, services.calendar, services.config, now, clock)
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
    changed, created = apply_sync(case_no, stored, now, state.closed_at, services)
    announce(created, services, now)
    row.stage, row.outcome, row.checked_count = state.current_stage, state.outcome, len(log)
    row.next_due = next_due(state, item, services.calendar, services.config, now, clock)
    if state.accept is not None and state.accept.query_code:
        row.query_hash = services.protector.keyed_hash(state.accept.query_code)
    row.summary = {
        "item_name": item.name,
        "accepted_at": clock.started_at.isoformat() if clock else None,
        "committed_due": clock.committed_due.isoformat() if clock else None,
        "statutory_due": clock.statutory_due.isoformat() if clock else None,
        "active_alerts": sum(1 for a in alerts if a.status == "active"),
    }
    services.cases.save_check(row)
    tally_case(case_no, services, state, clock)
    return {
        "case_no": case_no,
        "concluded": state.closed_at is not None,
        "checked_records": len(log),
        "alerts": len(alerts),
        "changed": changed,
    }


def apply_sync(
    case_no: str,
    derived: list[dict[str, Any]],
    now: dt.datetime,
    concluded_at: dt.datetime | None,
    services: Services,
) -> tuple[int, list[dict[str, Any]]]:
    """Apply the planned creates and moves; returns how many took effect and the alerts created."""
    changed, created = 0, []
    for change in plan_sync(services.alerts.statuses(case_no), derived, now, concluded_at):
        if isinstance(change, Create):
            if services.alerts.create(change.alert, change.history):
                changed += 1
                created.append(change.alert)
        elif services.alerts.move(change.alert_id, change.before, change.after, change.entry):
            changed += 1
    return changed, created


def park(case_no: str, token: str, checked_records: int, services: Services) -> dict[str, Any]:
    """Keep the task token on the case; if records arrived during the check, resume at once."""
    if services.cases.park(case_no, token, checked_records):
        return {"case_no": case_no, "parked": True}
    services.workflow.resume(token, {"case_no": case_no})
    return {"case_no": case_no, "parked": False}
