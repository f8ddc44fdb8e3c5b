"""The alert desk: reading one alert, a department's appeal, and the office's decision on it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from sunlight.alerts.domain.events import AlertMoved
from sunlight.alerts.domain.lifecycle import Move, appeal_move, decision_move
from sunlight.alerts.service.ports import AlertServices
from sunlight.kernel.access import Conflict, Forbidden, NotFound, Principal


class Appeal(BaseModel):
    reason: str = Field(min_length=4, max_length=2000)
    evidence: list[str] = Field(default_factory=list, max_length=20)


class Decision(BaseModel):
    decision: str = Field(pattern="^(upheld|dismissed)$")
    reason: str = Field(min_length=4, max_length=2000)


def get_alert(alert_id: str, principal: Principal, services: AlertServices) -> dict[str, Any]:
    alert = services.alerts.get(alert_id)
    if alert is None or not principal.sees(alert["dept_code"], alert["region_code"]):
        raise NotFound(f"alert {alert_id} not found")
    return alert


def appeal(alert_id: str, body: Appeal, principal: Principal, services: AlertServices) -> dict[str, Any]:
    alert = get_alert(alert_id, principal, services)
    if principal.role != "department":
        raise Forbidden("only the department the alert is about appeals it")
    who = principal.name or principal.dept_code
    move = appeal_move(alert["status"], who, body.reason, body.evidence, services.now())
    return _apply(alert, move, services)


def decide(alert_id: str, body: Decision, principal: Principal, services: AlertServices) -> dict[str, Any]:
    alert = get_alert(alert_id, principal, services)
    if principal.role != "office":
        raise Forbidden("only the supervision office decides appeals")
    who = principal.name or f"office {principal.region_code}"
    move = decision_move(alert["status"], body.decision == "upheld", who, body.reason, services.now())
    return _apply(alert, move, services)


def _apply(alert: dict[str, Any], move: Move | None, services: AlertServices) -> dict[str, Any]:
    alert_id = alert["alert_id"]
    if move is None or not services.alerts.move(alert_id, move.before, move.after, move.entry):
        raise Conflict(f"alert {alert_id} is {alert['status']}: that step does not apply")
    moved = services.alerts.get(alert_id)
    assert moved is not None
    services.events.publish(AlertMoved(moved))
    return moved


def document(alert_id: str, fmt: str, principal: Principal, services: AlertServices) -> tuple[bytes, str]:
    """The card's written directive, as filed when the card was issued."""
    alert = get_alert(alert_id, principal, services)
    filed = alert.get("document")
    if not filed or services.documents is None:
        raise NotFound(f"alert {alert_id} has no written directive")
    body, content_type = services.documents.get(filed[fmt])
    return body, content_type
