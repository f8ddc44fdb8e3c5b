"""The bundle of ports and configuration a use case runs with (built once by `sunlight.bootstrap`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sunlight.domain.calendar import WorkCalendar
from sunlight.domain.config import RuleConfig
from sunlight.service.ports import AlertStore, CaseStore, CatalogStore, Protector, RecordLog, Workflow


@dataclass
class Services:
    catalog: CatalogStore
    records: RecordLog
    cases: CaseStore
    alerts: AlertStore
    workflow: Workflow
    protector: Protector
    calendar: WorkCalendar
    config: RuleConfig
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
