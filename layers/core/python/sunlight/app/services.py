"""The bundle of ports and configuration a use case runs with (built once by `sunlight.app.bootstrap`).

`calendar` and `config` are what cases are judged under now: the office's active versions when the
function has the settings table (`judgements`), else the fixed ones it was built with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sunlight.alerts.service.ports import AlertStore
from sunlight.approval.domain.config import RuleConfig
from sunlight.approval.service.judgement import Judgement, JudgementSource, VersionStore
from sunlight.approval.service.ports import (
    CaseStore,
    CatalogStore,
    Protector,
    RecomputeJobs,
    RecordLog,
    Workflow,
)
from sunlight.kernel.calendar import WorkCalendar
from sunlight.kernel.events import Bus
from sunlight.kernel.settings import StageDefaults

if TYPE_CHECKING:  # the contexts' own ports: named for the types only (each context takes its own Protocol)
    from sunlight.alerts.adapters.documents import DocumentStore
    from sunlight.alerts.domain.notices import NoticeSettings, TextSender
    from sunlight.alerts.service.ports import AlertTopics, Counters, StaffDirectory
    from sunlight.citizens.service import ThrottleStore
    from sunlight.complaints.domain import ComplaintConfig
    from sunlight.complaints.service import ComplaintStore
    from sunlight.evaluation.service.tallying import Archive, ScoreBook, TallyStore


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
    staff: StaffDirectory | None = None
    counters: Counters | None = None
    documents: DocumentStore | None = None
    texts: TextSender | None = None
    topics: AlertTopics | None = None
    notice_settings: NoticeSettings | None = None
    # The citizens' side (absent where a function has no such table).
    complaints: ComplaintStore | None = None
    throttle: ThrottleStore | None = None
    complaint_config: ComplaintConfig | None = None  # absent: the defaults
    # The performance evaluation (absent: nothing is tallied or scored).
    tallies: TallyStore | None = None
    scorebook: ScoreBook | None = None
    archive: Archive | None = None  # every case number and complaint, for the nightly recompute
    # The office's calendar and rule versions (absent: the base ones always).
    judgements: JudgementSource | None = None
    versions: VersionStore | None = None
    recompute_jobs: RecomputeJobs | None = None
    stage: StageDefaults = field(default_factory=StageDefaults)
    # What the use cases say happened, handed to the listeners the composition root subscribed.
    events: Bus = field(default_factory=Bus)

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
