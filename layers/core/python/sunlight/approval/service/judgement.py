"""What a case is judged under: the active calendar and rule configuration, read through one cache.

The supervision office loads calendars and rule configurations as immutable, named versions and
activates one of each; every activation raises the judgement's `generation`. Every function reads
the active versions through `ActiveJudgement`, which caches them for the stage's
`settings_cache_seconds`, so an activation reaches every function within that time without a
deploy. A case remembers the generation it was last judged under: a function whose cached copy is
older than that refreshes before judging it, so no case is ever judged backwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from sunlight.approval.domain.config import RuleConfig
from sunlight.kernel.access import Conflict
from sunlight.kernel.calendar import CalendarSettings, HolidaySource, WorkCalendar
from sunlight.kernel.observability import child_logger

Kind = Literal["calendar", "rules"]
KINDS: tuple[Kind, ...] = ("calendar", "rules")
logger = child_logger()


class VersionConflict(Conflict):
    """A version name already holds other content, or another activation came first (HTTP 409)."""


@dataclass(frozen=True)
class StoredVersion:
    kind: str
    version: str
    document: dict[str, Any]
    digest: str
    loaded_at: str
    loaded_by: str


@dataclass(frozen=True)
class Activation:
    """One activation, kept for the record: what became active, instead of what, by whom."""

    generation: int
    kind: str
    version: str
    previous: str | None
    activated_at: str
    activated_by: str
    job: str | None = None
    checked: int = 0
    noted: int = 0
    failed: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "generation": self.generation,
            "kind": self.kind,
            "version": self.version,
            "previous": self.previous,
            "activated_at": self.activated_at,
            "activated_by": self.activated_by,
            "recompute": {
                "job": self.job,
                "checked": self.checked,
                "noted": self.noted,
                "failed": self.failed,
            },
        }


class VersionStore(Protocol):
    def active(self, max_age: int, fresh: bool = False) -> dict[str, Any]:
        """{"calendar": v | None, "rules": v | None, "generation": n}, or {} before any activation."""
        ...

    def document(self, kind: str, version: str) -> dict[str, Any] | None: ...
    def version(self, kind: str, version: str) -> StoredVersion | None: ...
    def versions(self, kind: str) -> list[StoredVersion]: ...
    def activations(self, generation: int, count: int) -> list[Activation]: ...
    def put_version(self, stored: StoredVersion) -> bool: ...
    def activate(self, active: dict[str, Any], previous_generation: int, activation: Activation) -> None: ...
    def note_job(self, generation: int, job: str) -> None: ...
    def count_recompute(self, generation: int, checked: int, noted: int, failed: int) -> None: ...
    def forget(self) -> None: ...


@dataclass(frozen=True)
class Judgement:
    """The calendar and rules in force, and the generation of the activation that made them so."""

    calendar: WorkCalendar
    rules: RuleConfig
    generation: int = 0

    @property
    def label(self) -> str:
        return f"calendar {self.calendar.version}, rules {self.rules.version}"


@dataclass
class ActiveJudgement:
    """The active judgement of this function instance, cached; built calendars kept per version."""

    store: VersionStore
    base_calendar: CalendarSettings
    base_rules: RuleConfig
    cache_seconds: int = 60
    source: HolidaySource = field(default_factory=HolidaySource.chinese_calendar)
    _calendars: dict[str, WorkCalendar] = field(default_factory=dict)
    _rules: dict[str, RuleConfig] = field(default_factory=dict)

    def current(self, at_least: int = 0) -> Judgement:
        """The active judgement; read afresh when a case was already judged under a newer one."""
        active = self.store.active(self.cache_seconds)
        if int(active.get("generation", 0)) < at_least:
            active = self.store.active(self.cache_seconds, fresh=True)
        return Judgement(
            self._calendar(active.get("calendar")),
            self._rule_config(active.get("rules")),
            int(active.get("generation", 0)),
        )

    def forget(self) -> None:
        self.store.forget()

    def _calendar(self, version: str | None) -> WorkCalendar:
        key = version or ""
        if key not in self._calendars:
            settings = self.base_calendar
            if version:
                document = self.store.document("calendar", version)
                if document is None:  # activated but unreadable: judge by the stage's, and say so
                    logger.error("active calendar %s cannot be read; using the stage's", version)
                else:
                    settings = CalendarSettings.from_json(document, defaults=self.base_calendar)
            self._calendars[key] = WorkCalendar(self.source, settings)
        return self._calendars[key]

    def _rule_config(self, version: str | None) -> RuleConfig:
        key = version or ""
        if key not in self._rules:
            config = self.base_rules
            if version:
                document = self.store.document("rules", version)
                if document is None:
                    logger.error("active rules %s cannot be read; using the stage's", version)
                else:
                    config = RuleConfig.from_json(document)
            self._rules[key] = config
        return self._rules[key]


class JudgementSource(Protocol):
    def current(self, at_least: int = 0) -> Judgement: ...
    def forget(self) -> None: ...
