"""A simulated year of the sample city: the tallies kept as records, alerts, appeals, complaints,
rejections and sanctions arrive equal a full recompute from the log, count for count.

Records arrive at their receipt times, the sweep runs every simulated hour; along the way the office
upholds some appeals and dismisses others, complaints are filed, directed, answered and found true
or not, departments send malformed records, and a sanction is entered.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

import pytest
from sunlight.alerts.service import desk as alert_desk
from sunlight.approval.service.intake import submit
from sunlight.complaints import service as complaints
from sunlight.devtools.sample.city import SampleCity, generate
from sunlight.evaluation.domain.tally import COUNTING_STATUSES, Fact, roll_up
from sunlight.evaluation.service import scores as evaluation
from sunlight.evaluation.service.tallying import check, post_facts
from sunlight.kernel.access import Principal
from sunlight.kernel.calendar import HolidaySource, WorkCalendar
from sunlight.kernel.instants import normalised

from tests.service.simulation import Simulation

pytestmark = pytest.mark.slow

OFFICE = Principal("office", "330100", "", "市监察局效能室")
TICK = dt.timedelta(hours=1)


class Year(Simulation):
    def __init__(self, city: SampleCity) -> None:
        start = dt.datetime(2026, 1, 5, tzinfo=dt.timezone(dt.timedelta(hours=8)))
        super().__init__(city.catalog, start, TICK)
        self.rng = random.Random(7)
        self.departments = sorted({i.dept_code for i in city.catalog})


def dept(code: str) -> Principal:
    return Principal("department", "330100", code)


def deliver(year: Year, city: SampleCity) -> None:
    for envelope in city.envelopes():
        record = envelope["record"]

        def push(record: dict[str, Any] = record) -> None:
            answer = submit([record], dept(record["dept_code"]), year.services)
            assert answer["rejected"] == 0, answer

        year.at(dt.datetime.fromisoformat(envelope["received_at"]), push)


def appeals(year: Year) -> None:
    """Each week, the departments appeal a few active cards; the office upholds every other one."""
    s, rng = year.services, year.rng

    def week() -> None:
        cards = [a for a in s.alerts.items.values() if a["status"] == "active" and a["level"] != "warning"]
        for n, card in enumerate(rng.sample(cards, min(3, len(cards)))):
            body = alert_desk.Appeal(reason="系统故障导致迟报，附记录")
            alert_desk.appeal(card["alert_id"], body, dept(card["dept_code"]), s)
            verdict = "upheld" if n % 2 == 0 else "dismissed"
            alert_desk.decide(
                card["alert_id"], alert_desk.Decision(decision=verdict, reason="经核实作出决定"), OFFICE, s
            )

    for n in range(50):
        year.at(year.clock[0] + dt.timedelta(days=7 * n + 3, hours=10), week)


def complaints_and_rejections(year: Year) -> None:
    """Every fortnight a complaint about a department, answered and found true or not; now and then a
    department sends malformed records; one sanction in the summer."""
    s, rng = year.services, year.rng
    for n in range(25):
        start = year.clock[0] + dt.timedelta(days=14 * n + 1, hours=9)
        code = rng.choice(year.departments)
        box: dict[str, str] = {}

        def file(code: str = code, box: dict[str, str] = box) -> None:
            body = complaints.Filing(
                kind="complaint", text="办事窗口态度差，推诿扯皮", about={"dept_code": code}
            )
            box["no"] = complaints.file(body, s)["complaint_no"]

        def step(name: str, who: Principal, box: dict[str, str] = box, **kw: Any) -> Callable[[], Any]:
            return lambda: complaints.step(box["no"], complaints.StepRequest(step=name, **kw), who, s)

        year.at(start, file)
        year.at(start + dt.timedelta(hours=2), step("accept", OFFICE))
        year.at(start + dt.timedelta(hours=3), step("direct", OFFICE, dept_code=code, due_days=3))
        if n % 3:  # a third are never answered: their C-* cards come due
            year.at(start + dt.timedelta(days=2), step("reply", dept(code), reply="已核查并整改。"))
            year.at(start + dt.timedelta(days=3), step("verify", OFFICE, substantiated=n % 2 == 0))
        bad = {"type": "accept", "case_no": f"BAD-{n}", "item_code": "x", "dept_code": code}
        year.at(start + dt.timedelta(days=5), lambda bad=bad, code=code: submit([bad], dept(code), s))
    sanction = evaluation.Adjustment(
        kind="sanction",
        dept_code=year.departments[0],
        points=20,
        decided_on=dt.date(2026, 7, 15),
        reason="受党纪处分",
    )
    year.at(
        dt.datetime(2026, 7, 15, 10, tzinfo=s.calendar.tz), lambda: evaluation.adjust(sanction, OFFICE, s)
    )


@pytest.fixture(scope="module")
def year() -> Year:
    calendar = WorkCalendar(HolidaySource.chinese_calendar())
    city = generate(11, dt.date(2026, 1, 5), dt.date(2026, 12, 18), 8, calendar)
    year = Year(city)
    deliver(year, city)
    appeals(year)
    complaints_and_rejections(year)
    year.run_until(normalised(city.as_of))
    return year


def test_the_year_is_a_year_of_the_sample_city(year: Year) -> None:
    s = year.services
    assert len(s.cases.rows) > 1500
    months = {p for p, _ in s.tallies.everything() if p.startswith("m#")}
    assert {f"m#2026-{m:02d}" for m in range(1, 13)} <= months


def test_the_incremental_counters_equal_a_full_recompute(year: Year) -> None:
    report = check(year.services, year.services.archive)
    assert report.cases == len(year.services.cases.rows) and report.complaints == 25
    assert report.cells > 10_000
    assert report.drift == []


def test_the_counters_hold_every_kind_of_fact(year: Year) -> None:
    s = year.services
    city_total = roll_up(s.tallies.cells("all", "region#"))["region#330000"]
    stored = [a for a in s.alerts.items.values() if a["status"] in COUNTING_STATUSES]
    for level in ("warning", "yellow_card", "red_card"):
        counted = sum(v for k, v in city_total.items() if k.startswith(f"alert#{level}#"))
        assert counted == sum(1 for a in stored if a["level"] == level) > 0
    assert any(a["status"] == "upheld" for a in s.alerts.items.values())
    assert city_total["complaints_substantiated"] > 0 and city_total["rejected_records"] == 25
    assert city_total["concluded"] > 1000 and 0 < city_total["early"] <= city_total["on_time"]
    assert city_total["sanction"] == 20


def test_a_count_written_while_the_check_runs_is_moving_not_drift_and_a_stray_one_is_drift(
    year: Year,
) -> None:
    """Last in the module: it leaves a posting with no source in the log behind."""
    s = year.services
    stray = Fact("accept", dt.date(2026, 12, 18), year.departments[0], "330100", None, {"accepted": 1})

    def a_record_arrives() -> None:
        post_facts("case#ARRIVING", [stray], s.tallies)

    report = check(s, s.archive, settle=a_record_arrives)
    assert report.moving > 0 and report.drift == []
    report = check(s, s.archive)
    assert report.moving == 0
    assert {(d.name, d.stored - d.recomputed) for d in report.drift} == {("accepted", 1.0)}
