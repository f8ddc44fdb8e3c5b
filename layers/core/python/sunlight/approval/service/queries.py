"""What callers read: a case's view, alerts, and the catalogue; each answer checked against the caller."""

from __future__ import annotations

from typing import Any

from sunlight.alerts.service import AlertFilter, AlertPage
from sunlight.approval.domain.catalog import Item
from sunlight.approval.domain.records import masked
from sunlight.approval.domain.rules import judge
from sunlight.approval.service.ports import ApprovalServices
from sunlight.approval.service.stored import chain_intact, load_log
from sunlight.approval.service.versions import operational_notices
from sunlight.kernel.access import Forbidden, NotFound, Principal

MAX_PAGE = 200


def case_view(case_no: str, principal: Principal, services: ApprovalServices) -> dict[str, Any]:
    """Timeline (personal data masked), stage, clock and alerts of a case the caller may see."""
    row = services.cases.get(case_no)
    if row is None or not principal.sees(row.dept_code, row.region_code):
        raise NotFound(f"case {case_no} not found")  # the same answer whether absent or not theirs
    item = services.catalog.get(row.item_code)
    if item is None:
        raise NotFound(f"item {row.item_code} not found")
    stored = services.records.load(case_no)
    log = load_log(case_no, services, stored)
    now = services.now()
    judgement = services.judgement(row.judged_generation)
    calendar, config = judgement.calendar, judgement.rules
    judged = judge(log.deliveries, item, calendar, config, now)
    state, clock, due = judged.state, judged.clock, judged.next_due
    return {
        "case_no": case_no,
        "item": {"item_code": item.item_code, "name": item.name},
        "dept_code": row.dept_code,
        "region_code": row.region_code,
        "stage": state.current_stage,
        "outcome": state.outcome,
        "timeline": [
            {"received_at": d.received_at.isoformat() if d.received_at else None, **_shown(masked(d.record))}
            for d in log.deliveries
        ],
        "missing_seqs": state.missing_seqs,
        "clock": clock.to_json() if clock else None,
        "next_due": due.isoformat() if due else None,
        "alerts": services.alerts.for_case(case_no),
        "log": {
            "records": len(stored),
            "chain_intact": chain_intact(stored),
            "head": max(stored, key=lambda s: s.arrival).hash if stored else None,
        },
        "judged_under": {
            "calendar_version": calendar.version,
            "rules_version": config.version,
            "generation": judgement.generation,
        },
        "notes": [{"at": None, "text": text} for text in state.notes] + row.notes,
        "as_of": now.isoformat(),
    }


def _shown(record: dict[str, Any]) -> dict[str, Any]:
    """A record as shown to officers: the query code is never shown back."""
    return {k: v for k, v in record.items() if k != "query_code"}


def alerts(principal: Principal, params: dict[str, str], services: ApprovalServices) -> dict[str, Any]:
    """Alerts the caller may see, newest first, filtered, with a cursor for the next page."""
    dept = params.get("dept_code")
    if principal.role == "department":
        if dept and dept != principal.dept_code:
            raise Forbidden("a department reads only its own alerts")
        dept = principal.dept_code
    region = params.get("region_code", "")
    if principal.role == "office" and region and not region.startswith(principal.scope):
        raise Forbidden("outside the office's region")
    flt = AlertFilter(
        dept_code=dept,
        region_prefix=region if principal.role == "department" else (region or principal.scope),
        level=params.get("level"),
        rule=params.get("rule"),
        status=params.get("status"),
        raised_from=params.get("from"),
        raised_to=params.get("to"),
    )
    limit = max(1, min(int(params.get("limit", "50")), MAX_PAGE))
    page: AlertPage = services.alerts.query(flt, params.get("cursor"), limit)
    answer: dict[str, Any] = {"alerts": page.alerts, "cursor": page.cursor}
    if principal.role == "office":
        answer["notices"] = operational_notices(services)
    return answer


def catalogue(services: ApprovalServices) -> dict[str, Any]:
    return {
        "items": [
            i.model_dump(mode="json") for i in sorted(services.catalog.all(), key=lambda i: i.item_code)
        ]
    }


def put_item(
    item_code: str, body: dict[str, Any], principal: Principal, services: ApprovalServices
) -> dict[str, Any]:
    if not principal.keeps_catalogue:
        raise Forbidden("only the supervision office keeps the catalogue")
    item = Item.model_validate({**body, "item_code": item_code})
    services.catalog.put(item)
    return item.model_dump(mode="json")
