"""The alerts store: the one port through which every line keeps and moves its alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sunlight.alerts.domain.notices import NoticeSettings, StaffMember, TextSender

if TYPE_CHECKING:
    from sunlight.alerts.adapters.documents import DocumentStore
    from sunlight.kernel.calendar import WorkCalendar
    from sunlight.kernel.events import Bus


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


class StaffDirectory(Protocol):
    def get(self, dept_code: str, handler_id: str) -> StaffMember | None: ...
    def leader_of(self, member: StaffMember) -> StaffMember | None: ...
    def put(self, member: StaffMember) -> None: ...


class Counters(Protocol):
    def next(self, name: str) -> int: ...


class AlertTopics(Protocol):
    def publish(self, alert: Any) -> str | None: ...


class ItemDepartment(Protocol):
    @property
    def dept_name(self) -> str | None: ...


class ItemLookup(Protocol):
    def get(self, item_code: str) -> ItemDepartment | None: ...


class AlertServices(Protocol):
    """The ports the alerts kernel works with; a line's own services extend these."""

    @property
    def alerts(self) -> AlertStore: ...
    @property
    def catalog(self) -> ItemLookup: ...  # the department's name on a written directive
    @property
    def staff(self) -> StaffDirectory | None: ...
    @property
    def counters(self) -> Counters | None: ...
    @property
    def documents(self) -> DocumentStore | None: ...
    @property
    def texts(self) -> TextSender | None: ...
    @property
    def topics(self) -> AlertTopics | None: ...
    @property
    def notice_settings(self) -> NoticeSettings | None: ...
    @property
    def events(self) -> Bus: ...
    @property
    def now(self) -> Callable[[], dt.datetime]: ...
    @property
    def calendar(self) -> WorkCalendar: ...
