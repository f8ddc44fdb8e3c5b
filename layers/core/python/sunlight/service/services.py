"""The bundle of ports and configuration a use case runs with (built once by `sunlight.bootstrap`).

`calendar` and `config` are what cases are judged under now: the office's active versions when the
function has the settings table (`judgements`), else the fixed ones it was built with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sunlight.domain.calendar import WorkCalendar
from sunlight.domain.config import RuleConfig
from sunlight.service.judgement import Judgement, JudgementSource, VersionStore
from sunlight.service.ports import AlertStore, CaseStore, CatalogStore, Protector, RecordLog, Workflow
from sunlight.settings import StageDefaults


class RecomputeJobs(Protocol):
    def start(self, generation: int, shards: list[str]) -> str:
        """Start re-judging every open case for an activation; returns the job's id (execution ARN)."""
        ...


@dataclass
class Services:
    catalog: CatalogStore
    records: RecordLog
    cases: CaseStore
    alerts: AlertStore
    workflow: Workflow
    protector: Protector
    base_calendar: WorkCalendar
    base_config: RuleConfig
    now: Callable[[], dt.datetime]
    # What issuing an alert sets in motion (absent: nothing is texted, filed or published).
    staff: Any = None  # announce.StaffDirectory
    counters: Any = None  # announce.Counters
    documents: Any = None  # adapters.documents.DocumentStore
    texts: Any = None  # notices.TextSender
    topics: Any = None  # announce.AlertTopics
    notice_settings: Any = None  # notices.NoticeSettings
    # The citizens' side (absent where a function has no such table).
    complaints: Any = None  # complaints.ComplaintStore
    throttle: Any = None  # public.ThrottleStore
    complaint_config: Any = None  # domain.complaints.ComplaintConfig (absent: the defaults)
    # The performance evaluation (absent: nothing is tallied or scored).
    tallies: Any = None  # tallying.TallyStore
    scorebook: Any = None  # tallying.ScoreBook
    archive: Any = None  # tallying.Archive: every case number and complaint, for the nightly recompute
    # The office's calendar and rule versions (absent: the base ones always).
    judgements: JudgementSource | None = None
    versions: VersionStore | None = None
    recompute_jobs: RecomputeJobs | None = None
    stage: StageDefaults = field(default_factory=StageDefaults)

    def judgement(self, at_least: int = 0) -> Judgement:
        """The calendar and rules in force; never older than generation `at_least`."""
        if self.judgements is None:
            return Judgement(self.base_calendar, self.base_config)
        return self.judgements.current(at_least)

    @property
    def calendar(self) -> WorkCalendar:
        return self.judgement().calendar

    @property
    def config(self) -> RuleConfig:
        return self.judgement().rules
