"""The alerts kernel's public face for the lines: sync their verdicts, announce new cards.

A line (approval cases, complaints, …) derives its verdicts as stored-alert dicts (`model.StoredAlert`)
and hands them to `sync` with its `Line`; people's steps (appeals, decisions) go through `desk`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sunlight.alerts.domain.model import COUNTING_STATUSES, LEVEL_RANK, LEVEL_ZH, Level, StoredAlert
from sunlight.alerts.service.announce import announce, send_held_texts
from sunlight.alerts.service.changes import APPROVAL, COMPLAINTS, Line, Synced, apply
from sunlight.alerts.service.ports import AlertFilter, AlertPage, AlertServices, AlertStore

__all__ = [
    "APPROVAL",
    "COMPLAINTS",
    "COUNTING_STATUSES",
    "LEVEL_RANK",
    "LEVEL_ZH",
    "AlertFilter",
    "AlertPage",
    "AlertServices",
    "AlertStore",
    "Level",
    "Line",
    "StoredAlert",
    "Synced",
    "announce",
    "send_held_texts",
    "sync",
]


def sync(
    subject: str,
    derived: list[dict[str, Any]],
    now: dt.datetime,
    concluded_at: dt.datetime | None,
    services: AlertServices,
    line: Line,
) -> int:
    """Bring a subject's stored alerts in line with its verdicts and announce the new ones; returns
    how many creates and moves took effect."""
    synced = apply(services.alerts, subject, derived, now, concluded_at, line)
    announce(synced.created, services, now, line)
    return synced.changed
