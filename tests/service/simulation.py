"""A simulated stretch of a city's time for service tests: the use cases on in-memory adapters (with
the performance evaluation's), a clock the simulation moves, and a queue of timed actions run in
order with the deadline sweep firing between them, as the schedule would."""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterable
from typing import Any

from sunlight.app.services import Services
from sunlight.app.sweep import sweep
from sunlight.approval.domain.catalog import Item
from sunlight.approval.domain.config import RuleConfig
from sunlight.kernel.calendar import HolidaySource, WorkCalendar
from sunlight.kernel.instants import normalised

from tests.fakes import (
    InlineWorkflow,
    MemoryAlerts,
    MemoryCases,
    MemoryCatalog,
    MemoryComplaints,
    MemoryCounters,
    MemoryRecords,
    MemoryThrottle,
    PlainProtector,
    with_evaluation,
)


class Simulation:
    def __init__(self, items: Iterable[Item], start: dt.datetime, tick: dt.timedelta) -> None:
        self.clock = [normalised(start)]
        self.tick = tick
        cases, workflow = MemoryCases(), InlineWorkflow()
        self.services: Services = with_evaluation(
            Services(
                MemoryCatalog(list(items)),
                MemoryRecords(cases),
                cases,
                MemoryAlerts(),
                workflow,
                PlainProtector(),
                WorkCalendar(HolidaySource.chinese_calendar()),
                RuleConfig(),
                lambda: self.clock[0],
                counters=MemoryCounters(),
                complaints=MemoryComplaints(),
                throttle=MemoryThrottle(),
            )
        )
        workflow.services = self.services
        self.events: list[tuple[dt.datetime, int, Callable[[], Any]]] = []

    def at(self, when: dt.datetime, action: Callable[[], Any]) -> None:
        heapq.heappush(self.events, (normalised(when), len(self.events), action))

    def run_until(self, end: dt.datetime) -> None:
        """Run every action due by each tick at its own moment, then sweep at the tick."""
        end, tick = normalised(end), self.clock[0]
        while tick <= end:
            while self.events and self.events[0][0] <= tick:
                moment, _, action = heapq.heappop(self.events)
                self.clock[0] = moment
                action()
            self.clock[0] = tick
            assert sweep(self.services).failed == []
            tick += self.tick
        self.clock[0] = end
