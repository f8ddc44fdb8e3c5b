"""The active judgement: cached, refreshed when a case was already judged under a newer generation."""

from __future__ import annotations

from typing import Any

import pytest
from sunlight.approval.domain.config import RuleConfig
from sunlight.approval.service.judgement import ActiveJudgement
from sunlight.kernel.calendar import CalendarSettings, HolidaySource

pytestmark = pytest.mark.unit
SOURCE = HolidaySource.chinese_calendar()


class CachingStore:
    """A version store whose reads of the active versions are cached until asked for fresh ones, as
    the Powertools provider's are within their max age."""

    def __init__(self) -> None:
        self.stored: dict[str, Any] = {}
        self.cached: dict[str, Any] | None = None
        self.documents = {
            ("calendar", "hz-2027.1"): {
                "version": "hz-2027.1",
                "years": {"2027": {"holidays": ["2027-01-01"]}},
            },
            ("rules", "2027.1"): {"version": "2027.1", "warn_days_before": 3},
        }
        self.reads = 0

    def active(self, max_age: int, fresh: bool = False) -> dict[str, Any]:
        if fresh or self.cached is None:
            self.reads += 1
            self.cached = dict(self.stored)
        return self.cached

    def document(self, kind: str, version: str) -> dict[str, Any] | None:
        return self.documents.get((kind, version))

    def forget(self) -> None:
        self.cached = None


def judgements(store: CachingStore) -> ActiveJudgement:
    return ActiveJudgement(store, CalendarSettings(), RuleConfig(version="2026.1"), 60, SOURCE)  # type: ignore[arg-type]


def test_before_any_activation_cases_are_judged_by_the_stages_defaults() -> None:
    current = judgements(CachingStore()).current()
    assert (current.calendar.version, current.rules.version, current.generation) == ("default", "2026.1", 0)
    assert not current.calendar.is_covered(2027)


def test_a_cached_judgement_is_kept_until_a_case_asks_for_a_newer_generation() -> None:
    store = CachingStore()
    active = judgements(store)
    assert active.current().generation == 0
    store.stored = {"calendar": "hz-2027.1", "rules": "2027.1", "generation": 1}
    assert active.current().calendar.version == "default"  # still the cached copy
    newer = active.current(at_least=1)  # a case already judged under generation 1
    assert (newer.calendar.version, newer.rules.version, newer.generation) == ("hz-2027.1", "2027.1", 1)
    assert newer.calendar.is_covered(2027) and newer.rules.warn_days_before == 3
    assert store.reads == 2


def test_a_calendar_version_is_built_once_per_function_instance() -> None:
    store = CachingStore()
    store.stored = {"calendar": "hz-2027.1", "generation": 1}
    active = judgements(store)
    assert active.current().calendar is active.current(at_least=1).calendar
