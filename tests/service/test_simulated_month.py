"""A simulated month of the sample city through the use cases, on in-memory adapters.

Records arrive at their receipt times; the sweep fires every five minutes of simulated time, as the
schedule would. At the end, the stored alerts must be exactly what the domain core computes for the
same records at the same instant: no alert missing, none extra, none stored twice.
"""

from __future__ import annotations

import datetime as dt
import heapq
import json

import pytest
from sunlight.alerts.adapters.sns import MemoryTexts
from sunlight.alerts.domain.notices import StaffMember
from sunlight.app.services import Services
from sunlight.app.sweep import sweep
from sunlight.approval.domain.config import RuleConfig
from sunlight.approval.domain.lifecycle import fold
from sunlight.approval.domain.rules import evaluate
from sunlight.approval.service.intake import submit
from sunlight.approval.service.stored import load_log
from sunlight.devtools.sample.city import generate
from sunlight.kernel.access import Principal
from sunlight.kernel.calendar import HolidaySource, WorkCalendar
from sunlight.kernel.instants import normalised

from tests.fakes import (
    InlineWorkflow,
    MemoryAlerts,
    MemoryCases,
    MemoryCatalog,
    MemoryRecords,
    MemoryStaff,
    PlainProtector,
)

pytestmark = pytest.mark.slow
SWEEP = dt.timedelta(minutes=5)


@pytest.fixture(scope="module")
def month() -> tuple[Services, list[str], dt.datetime]:
    calendar = WorkCalendar(HolidaySource.chinese_calendar())
    city = generate(21, dt.date(2026, 10, 9), dt.date(2026, 11, 6), 250, calendar)
    cases = MemoryCases()
    clock = [normalised(dt.datetime(2026, 10, 9, 0, 0, tzinfo=calendar.tz))]
    workflow = InlineWorkflow()
    services = Services(
        MemoryCatalog(list(city.catalog)),
        MemoryRecords(cases),
        cases,
        MemoryAlerts(),
        workflow,
        PlainProtector(),
        calendar,
        RuleConfig(),
        lambda: clock[0],
        staff=MemoryStaff(staff_of(city.catalog)),
        texts=MemoryTexts(),
    )
    workflow.services = services
    arrivals = [
        (normalised(dt.datetime.fromisoformat(e["received_at"])), n, e["record"])
        for n, e in enumerate(city.envelopes())
    ]
    heapq.heapify(arrivals)
    tick, end = clock[0], normalised(city.as_of)
    while tick <= end:
        while arrivals and arrivals[0][0] <= tick:
            received, _, record = heapq.heappop(arrivals)
            clock[0] = received
            principal = Principal("department", record["region_code"], record["dept_code"])
            answer = submit([record], principal, services)
            assert answer["rejected"] == 0, answer
        clock[0] = tick
        assert sweep(services).failed == []
        tick += SWEEP
    clock[0] = end
    return services, [c.case_no for c in city.cases], end


def staff_of(catalog: object) -> list[StaffMember]:
    """The sample city's handlers (staff numbers ...001-004) and their leader (...005), per department."""
    depts = {i.dept_code for i in catalog}  # type: ignore[attr-defined]
    members = []
    for dept in sorted(depts):
        for n in range(1, 6):
            members.append(
                StaffMember(
                    dept_code=dept,
                    handler_id=f"{dept[-4:]}{n:03d}",
                    name=f"员工{n}",
                    role="leader" if n == 5 else "handler",
                    phone=f"139{n:04d}{int(dept[-5:-1], 36) % 10000:04d}",
                    leader_id=None if n == 5 else f"{dept[-4:]}005",
                )
            )
    return members


def test_the_month_is_a_city_sized_month(month: tuple[Services, list[str], dt.datetime]) -> None:
    services, case_nos, _ = month
    assert len(case_nos) >= 5000
    assert len(services.alerts.items) > 500  # type: ignore[attr-defined]


def test_the_sweeps_issue_exactly_what_the_domain_computes(
    month: tuple[Services, list[str], dt.datetime],
) -> None:
    services, case_nos, end = month
    alerts = services.alerts
    expected: dict[str, tuple[str, str, str]] = {}
    for case_no in case_nos:
        log = load_log(case_no, services)
        if not len(log):
            continue
        item = services.catalog.get(log.deliveries[0].record.item_code)
        assert item is not None
        state = fold(log.deliveries, tuple(item.stages))
        for alert in evaluate(state, item, services.calendar, services.config, end):
            status = "closed" if alert.status == "active" and state.closed_at else alert.status
            expected[alert.alert_id] = (alert.level, alert.raised_at.isoformat(timespec="seconds"), status)
    stored = {
        k: (v["level"], v["raised_at"], v["status"])
        for k, v in alerts.items.items()
        if v["status"] != "retracted"
    }  # type: ignore[attr-defined]
    missing = sorted(set(expected) - set(stored))
    extra = sorted(set(stored) - set(expected))
    wrong = sorted(k for k in set(expected) & set(stored) if expected[k] != stored[k])
    assert (missing, extra, wrong[:5]) == ([], [], []), json.dumps(
        {
            "missing": missing[:5],
            "extra": extra[:5],
            "wrong": [(k, expected[k], stored[k]) for k in wrong[:5]],
        },
        ensure_ascii=False,
    )
    created = alerts.created  # type: ignore[attr-defined]
    assert len(created) == len(set(created))


def test_each_text_goes_once_and_none_is_left_behind(month: tuple[Services, list[str], dt.datetime]) -> None:
    services, _, end = month
    sent = services.texts.sent  # type: ignore[attr-defined]
    assert len(sent) > 500
    planned = [t for a in services.alerts.items.values() for t in a.get("texts", [])]  # type: ignore[attr-defined]
    assert len({(t["alert_id"], t["recipient_id"]) for t in planned}) == len(planned)
    assert sum(t["state"] == "sent" for t in planned) == len(sent)
    left = [t for t in planned if t["state"] != "sent" and dt.datetime.fromisoformat(t["send_at"]) <= end]
    assert left == []
    assert all(len(text) <= 70 for _, text in sent)
