"""The bundle of ports and configuration a use case runs with (built once by `sunlight.bootstrap`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

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
