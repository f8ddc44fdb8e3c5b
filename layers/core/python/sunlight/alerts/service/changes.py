"""The one way any line's verdicts become stored alerts: plan the creates and moves, apply them with
conditional writes, and announce what was newly issued (once: only the writer that created it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sunlight.alerts.domain.lifecycle import Create, plan_sync
from sunlight.alerts.service.ports import AlertStore


@dataclass(frozen=True)
class Line:
    """How a supervision line's alerts are checked and what a new card of the line sets in motion."""

    name: str
    # The check's name in each alert's history ("rule check", "complaint check").
    checked_by: str
    directives: bool = True
    texts: bool = True
    topics: bool = True


APPROVAL = Line("approval", "rule check")
# No texts: no one in the staff registry handles a complaint (the department's contact for complaints
# is not registered yet); no written directive: its templates speak of an approval case.
COMPLAINTS = Line("complaints", "complaint check", directives=False, texts=False)


@dataclass(frozen=True)
class Synced:
    changed: int
    created: list[dict[str, Any]]


def apply(
    alerts: AlertStore,
    subject: str,
    derived: list[dict[str, Any]],
    now: dt.datetime,
    concluded_at: dt.datetime | None,
    line: Line,
) -> Synced:
    """Apply the planned creates and moves; returns how many took effect and the alerts created."""
    changed, created = 0, []
    for change in plan_sync(alerts.statuses(subject), derived, now, concluded_at, line.checked_by):
        if isinstance(change, Create):
            if alerts.create(change.alert, change.history):
                changed += 1
                created.append(change.alert)
        elif alerts.move(change.alert_id, change.before, change.after, change.entry):
            changed += 1
    return Synced(changed, created)
