"""Facts and their posting: cells, differences, a fact that changes or goes, and drift."""

from __future__ import annotations

import datetime as dt

import pytest
from sunlight.approval.domain.config import RuleConfig
from sunlight.approval.domain.lifecycle import case_clock
from sunlight.evaluation.domain.tally import (
    Fact,
    case_facts,
    difference,
    drift,
    region_levels,
    roll_up,
    sum_facts,
)
from sunlight.kernel.calendar import HolidaySource, WorkCalendar

from tests.unit.cases import DEPT, ITEM, Case, at

pytestmark = pytest.mark.unit

DAY = dt.date(2026, 11, 2)


def fact(fact_id: str, counts: dict[str, float], day: dt.date = DAY, handler: str | None = "H1") -> Fact:
    return Fact(fact_id, day, "D", "330106", handler, counts)


def test_a_fact_lands_in_its_day_month_and_all_time_for_its_department_handler_and_region() -> None:
    cells = fact("x", {"accepted": 1}).cells()
    assert {p for p, _ in cells} == {"d#2026-11-02", "m#2026-11", "all"}
    assert {u for _, u in cells} == {"dept#D", "staff#D#H1", "region#330106"}
    assert region_levels("330100") == ["330000", "330100"]
    counties = {
        "region#330106": {"accepted": 2.0},
        "region#330102": {"accepted": 1.0},
        "region#440300": {"accepted": 5.0},
    }
    assert roll_up(counties) == {
        "region#330000": {"accepted": 3.0},
        "region#330100": {"accepted": 3.0},
        "region#330106": {"accepted": 2.0},
        "region#330102": {"accepted": 1.0},
        "region#440000": {"accepted": 5.0},
        "region#440300": {"accepted": 5.0},
    }


def test_posting_the_same_facts_twice_changes_nothing() -> None:
    facts = [fact("accept", {"accepted": 1}), fact("alert#1", {"alert#warning#T-WARN": 1})]
    first = difference({}, facts)
    assert first.increments[("m#2026-11", "dept#D")] == {"accepted": 1, "alert#warning#T-WARN": 1}
    assert difference(first.put, facts).empty


def test_a_fact_that_changes_posts_the_difference_and_one_that_goes_is_taken_back() -> None:
    before = difference(
        {}, [fact("alert#1", {"alert#yellow_card#P-ORDER": 1}), fact("records#x", {"records": 3})]
    ).put
    withdrawn = difference(before, [fact("alert#1", {}), fact("records#x", {"records": 3})])
    assert withdrawn.increments[("all", "dept#D")] == {"alert#yellow_card#P-ORDER": -1}
    moved = difference(before, [fact("alert#1", {"alert#yellow_card#P-ORDER": 1}, day=dt.date(2026, 12, 1))])
    assert moved.removed == ["records#x"]
    assert moved.increments[("m#2026-11", "dept#D")] == {"alert#yellow_card#P-ORDER": -1, "records": -3}
    assert moved.increments[("m#2026-12", "dept#D")] == {"alert#yellow_card#P-ORDER": 1}
    assert ("all", "dept#D") not in moved.increments or moved.increments[("all", "dept#D")] == {"records": -3}


def test_drift_names_each_count_that_disagrees() -> None:
    stored = sum_facts([fact("a", {"accepted": 2})])
    recomputed = sum_facts([fact("a", {"accepted": 1, "concluded": 1})])
    found = {(d.cell, d.name, d.stored, d.recomputed) for d in drift(stored, recomputed)}
    assert (("m#2026-11", "dept#D"), "accepted", 2.0, 1.0) in found
    assert (("m#2026-11", "dept#D"), "concluded", 0.0, 1.0) in found
    assert drift(stored, stored) == []


def test_a_case_counts_its_acceptance_conclusion_records_and_alerts() -> None:
    calendar = WorkCalendar(HolidaySource.chinese_calendar())
    c = Case().full()  # accepted Mon 2 Nov, concluded Fri 6 Nov 16:00: 4 of 7 days, early
    state = c.state()
    clock = case_clock(state, ITEM, calendar, RuleConfig(), at("2026-11-09 09:00"))
    alert = {"alert_id": "C:T-WARN:case", "level": "warning", "rule": "T-WARN", "status": "upheld"}
    alert |= {"raised_at": "2026-11-05T17:30:00+08:00", "dept_code": DEPT, "region_code": "330100"}
    facts = {f.fact_id: f for f in case_facts(state, clock, [alert], calendar, 1)}
    assert facts["accept"].counts == {"accepted": 1, "in_progress": 0}
    assert facts["conclude"].counts == {"concluded": 1, "on_time": 1, "early": 1}
    assert sum(f.counts.get("records", 0) for f in facts.values()) == 6
    assert facts["alert#C:T-WARN:case"].counts == {}  # an upheld appeal: counts nothing
    assert facts["accept"].handler_id == "JS017"
