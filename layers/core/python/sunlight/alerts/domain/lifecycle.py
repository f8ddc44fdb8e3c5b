"""How stored alerts follow the rules' verdicts, and the states people move them through.

An alert moves draft → active → (withdrawn | retracted | closed), or active → appealed →
upheld (withdrawn) | dismissed. The rule check moves only what the records decide: a new verdict is
stored active (or withdrawn, if a higher card already stands); an active one a higher card
outranks is withdrawn; one the records no longer support is retracted; the open ones of a case that
concluded are closed. States people set (appealed, upheld, dismissed) are never undone by a check.
Nothing is deleted: every move is a history entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sunlight.alerts.domain.model import APPEALABLE, COUNTING_STATUSES, DERIVED

# What still counts against a department (and in its score): issued and not taken back.
COUNTS = COUNTING_STATUSES
__all__ = ["APPEALABLE", "COUNTS", "DERIVED", "Create", "Move", "appeal_move", "decision_move", "plan_sync"]


@dataclass(frozen=True)
class Create:
    alert: dict[str, Any]
    history: list[dict[str, Any]]


@dataclass(frozen=True)
class Move:
    alert_id: str
    before: str
    after: str
    entry: dict[str, Any] = field(default_factory=dict)


def plan_sync(
    stored: dict[str, str],
    derived: list[dict[str, Any]],
    now: dt.datetime,
    concluded_at: dt.datetime | None,
    by: str = "rule check",
) -> list[Create | Move]:
    """The creates and moves that bring a subject's stored alerts in line with a fresh check.

    `stored` maps alert_id -> stored status; `derived` are the verdicts (status active, withdrawn
    with `withdrawn_by`, or closed with `closed_reason` when the line closes alerts one by one);
    `by` names the check in the history; `concluded_at` closes what is still active (a concluded case).
    """
    at = now.isoformat(timespec="seconds")
    changes: list[Create | Move] = []
    seen = set()
    for alert in derived:
        alert_id = alert["alert_id"]
        seen.add(alert_id)
        status = stored.get(alert_id)
        if status is None:
            history = [{"at": alert["raised_at"], "status": "active", "by": by}]
            if alert["status"] != "active":
                history.append({"at": at, "status": alert["status"], **_why(alert, by)})
            changes.append(Create(alert, history))
        elif status in DERIVED and status != alert["status"]:
            changes.append(Move(alert_id, status, alert["status"], {"at": at, **_why(alert, by)}))
    for alert_id, status in stored.items():
        if alert_id not in seen and status == "active":
            reason = "no longer supported by the case's records"
            changes.append(Move(alert_id, "active", "retracted", {"at": at, "by": by, "reason": reason}))
    if concluded_at is not None:
        changes += _close(stored, changes, at, concluded_at)
    return changes


def _why(alert: dict[str, Any], by: str) -> dict[str, Any]:
    """Who moved a verdict out of (or back into) active, and why: the higher card, or the ended period."""
    if alert.get("closed_reason"):
        return {"by": by, "reason": alert["closed_reason"]}
    return {"by": alert.get("withdrawn_by") or by}


def _close(
    stored: dict[str, str], changes: list[Create | Move], at: str, concluded_at: dt.datetime
) -> list[Move]:
    """Close what will be active once the other changes are applied."""
    after = dict(stored)
    for change in changes:
        if isinstance(change, Create):
            after[change.alert["alert_id"]] = change.alert["status"]
        else:
            after[change.alert_id] = change.after
    reason = f"case concluded at {concluded_at.isoformat(timespec='seconds')}"
    return [
        Move(alert_id, "active", "closed", {"at": at, "by": "rule check", "reason": reason})
        for alert_id, status in after.items()
        if status == "active"
    ]


def appeal_move(status: str, by: str, reason: str, evidence: list[str], now: dt.datetime) -> Move | None:
    """A department's appeal: only an alert that stands (active or closed) can be appealed."""
    if status not in APPEALABLE:
        return None
    entry = {"at": now.isoformat(timespec="seconds"), "by": by, "reason": reason, "evidence": evidence}
    return Move("", status, "appealed", entry)


def decision_move(status: str, upheld: bool, by: str, reason: str, now: dt.datetime) -> Move | None:
    """The office's decision on an appeal: upheld withdraws the alert, dismissed lets it stand."""
    if status != "appealed":
        return None
    entry = {"at": now.isoformat(timespec="seconds"), "by": by, "reason": reason}
    return Move("", "appealed", "upheld" if upheld else "dismissed", entry)
