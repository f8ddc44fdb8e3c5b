"""The alerts store: the one port through which every line keeps and moves its alerts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class AlertFilter:
    dept_code: str | None = None
    region_prefix: str = ""
    level: str | None = None
    rule: str | None = None
    status: str | None = None
    raised_from: str | None = None
    raised_to: str | None = None
    case_no: str | None = None


@dataclass(frozen=True)
class AlertPage:
    alerts: list[dict[str, Any]]
    cursor: str | None


class AlertStore(Protocol):
    def statuses(self, case_no: str) -> dict[str, str]: ...
    def get(self, alert_id: str) -> dict[str, Any] | None: ...
    def create(self, alert: dict[str, Any], history: list[dict[str, Any]]) -> bool:
        """Store a new alert unless it exists; False when it did (idempotent under concurrency)."""
        ...

    def move(self, alert_id: str, before: str, after: str, entry: dict[str, Any]) -> bool:
        """Move the status only if it is still `before`; append the entry to the history."""
        ...

    def annotate(self, alert_id: str, fields: dict[str, Any]) -> None: ...
    def hold(self, alert_id: str, until: dt.datetime | None) -> None:
        """Keep the alert in the notice index until `until` (its held texts); None takes it out."""
        ...

    def held(self, now: dt.datetime) -> list[dict[str, Any]]: ...
    def for_case(self, case_no: str) -> list[dict[str, Any]]: ...
    def query(self, flt: AlertFilter, cursor: str | None, limit: int) -> AlertPage: ...
