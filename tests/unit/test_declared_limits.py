"""Declared limits (domain.md §4): the stricter of the accept record's and the catalogue's binds; L-LIMIT."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sunlight.approval.domain.config import RuleConfig
from sunlight.approval.domain.lifecycle import Clock, binding_limit, case_clock
from sunlight.approval.domain.records import Limit
from sunlight.kernel.calendar import CalendarSettings, HolidaySource, WorkCalendar

from tests.unit.cases import ITEM, TZ, Case, at

pytestmark = pytest.mark.unit

ITEM_30 = ITEM.model_copy(
    update={"statutory_limit": Limit(value=45, unit="G"), "committed_limit": Limit(value=30, unit="G")}
)
NATURAL_ITEM = ITEM_30.model_copy(update={"committed_limit": Limit(value=30, unit="Z")})
ACCEPTED = "2026-12-01 10:00"
LOADED_2027 = CalendarSettings.from_json(
    {"version": "hz-2027.1", "years": {"2027": {"holidays": ["2027-01-01", "2027-01-04"], "workdays": []}}}
)


def g(value: int) -> dict[str, Any]:
    return {"value": value, "unit": "G"}


def z(value: int) -> dict[str, Any]:
    return {"value": value, "unit": "Z"}


def declaring(
    committed: dict[str, Any], statutory: dict[str, Any] | None = None, item: Any = ITEM_30
) -> Case:
    case = Case(item).apply("2026-12-01 09:00")
    return case.accept(ACCEPTED, committed_limit=committed, statutory_limit=statutory or g(45))


def clock_of(case: Case, calendar: WorkCalendar, now: str = "2026-12-02 09:00") -> Clock:
    clock = case_clock(case.state(), case.item, calendar, RuleConfig(), at(now))
    assert clock is not None
    return clock


def test_declaring_the_published_30_working_days_is_due_on_january_12_in_an_uncovered_2027(
    calendar: WorkCalendar,
) -> None:
    case = declaring(g(30))
    clock = clock_of(case, calendar)
    assert clock.to_json()["committed_due"] == "2027-01-12T17:30:00+08:00"
    assert clock.uncovered_years == [2027]
    assert clock.limits["committed"].binds == "catalogue"
    assert "L-LIMIT" not in case.active(calendar, "2026-12-02 09:00")


def test_a_declared_5_working_days_binds_the_department(calendar: WorkCalendar) -> None:
    case = declaring(g(5))
    clock = clock_of(case, calendar)
    assert clock.committed_due == at("2026-12-08 17:30")  # 12-02, 03, 04, 07, 08
    assert clock.committed_limit == Limit(value=5, unit="G")
    assert clock.warn_at == at("2026-12-04 17:30")  # the warning lead comes from the binding 5 days
    assert clock.to_json()["limits"]["committed"] == {
        "declared": {"value": 5, "unit": "G"},
        "published": {"value": 30, "unit": "G"},
        "binds": "declared",
        "why": "the declared 5 working days are stricter than the published 30 working days",
    }
    assert "L-LIMIT" not in case.active(calendar, "2026-12-02 09:00")
    assert "T-YELLOW" in case.active(calendar, "2026-12-09 09:00")


def test_a_declared_40_working_days_is_held_to_the_published_30_and_is_a_finding(
    calendar: WorkCalendar,
) -> None:
    case = declaring(g(40))
    assert clock_of(case, calendar).committed_due == at("2027-01-12 17:30")
    alert = case.active(calendar, "2026-12-02 09:00")["L-LIMIT"]
    assert (alert.level, alert.key, alert.raised_at) == ("warning", "case", at("2026-12-01 10:01"))
    assert alert.facts["findings"] == [
        {"limit": "committed", "declared": g(40), "published": g(30), "binds": "catalogue"}
    ]
    assert alert.facts["clock"]["limits"]["committed"]["why"] == (
        "the published 30 working days are stricter than the declared 40 working days"
    )
    assert "受理申报的承诺时限（40个工作日）长于公布的承诺时限（30个工作日），按较短者计算。" in alert.message
    assert "《行政许可法》第四十二条" in alert.legal_basis


def test_a_declared_limit_in_natural_days_where_the_catalogue_counts_working_days_is_a_finding(
    calendar: WorkCalendar,
) -> None:
    case = declaring(z(20))
    clock = clock_of(case, calendar)
    assert clock.committed_due == at("2026-12-21 17:30")  # 20 natural days, earlier: it binds
    assert clock.limits["committed"].binds == "declared"
    alert = case.active(calendar, "2026-12-02 09:00")["L-LIMIT"]
    assert alert.facts["findings"][0]["declared"] == z(20)
    assert "20个自然日" in alert.message and "30个工作日" in alert.message


def test_a_declared_statutory_limit_longer_than_the_law_is_a_finding_too(calendar: WorkCalendar) -> None:
    case = declaring(g(30), statutory=g(60))
    alert = case.active(calendar, "2026-12-02 09:00")["L-LIMIT"]
    assert [f["limit"] for f in alert.facts["findings"]] == ["statutory"]
    assert "法定时限（60个工作日）长于公布的法定时限（45个工作日）" in alert.message
    assert clock_of(case, calendar).statutory_limit == Limit(value=45, unit="G")


def test_working_days_declared_where_the_catalogue_counts_natural_days_are_compared_by_due_instant(
    calendar: WorkCalendar,
) -> None:
    # 30 natural days from 12-01 end on Thu 12-31; 25 working days reach into January.
    later = declaring(g(25), item=NATURAL_ITEM)
    assert clock_of(later, calendar).committed_due == at("2026-12-31 17:30")
    assert "L-LIMIT" in later.active(calendar, "2026-12-02 09:00")
    sooner = declaring(g(15), item=NATURAL_ITEM)
    assert clock_of(sooner, calendar).committed_due == at("2026-12-22 17:30")
    assert clock_of(sooner, calendar).limits["committed"].binds == "declared"
    assert "L-LIMIT" not in sooner.active(calendar, "2026-12-02 09:00")


def test_a_tie_across_units_goes_to_the_catalogue(calendar: WorkCalendar) -> None:
    # 10 natural days and 8 working days from 12-01 both end on Fri 12-11 at the close.
    tie = binding_limit(Limit(value=10, unit="Z"), Limit(value=8, unit="G"), calendar, at(ACCEPTED), [])
    assert tie.binds == "catalogue" and tie.limit == Limit(value=8, unit="G")
    assert tie.why.startswith(
        "the declared 10 natural days are no stricter than the published 8 working days"
    )


def test_without_a_declaration_the_catalogue_binds(calendar: WorkCalendar) -> None:
    bare = binding_limit(None, Limit(value=1, unit="G"), calendar, at(ACCEPTED), [])
    assert (bare.binds, bare.longer, bare.to_json()["declared"]) == ("catalogue", False, None)
    assert bare.why == "no limit was declared: the published 1 working day bind"


def test_no_l_limit_before_acceptance(calendar: WorkCalendar) -> None:
    assert "L-LIMIT" not in Case(ITEM_30).apply("2026-12-01 09:00").active(calendar, "2026-12-02 09:00")


def test_an_extension_lengthens_the_binding_declared_limit(calendar: WorkCalendar) -> None:
    case = declaring(g(5)).add(
        "special_start", "2026-12-03 10:00", special_no=1, kind="extension", planned=g(10), reason="情况复杂"
    )
    # 5 + 10 working days: 12-02 .. 12-22
    assert clock_of(case, calendar, "2026-12-04 09:00").committed_due == at("2026-12-22 17:30")


def test_with_2027_loaded_the_30_working_days_end_on_january_14_and_nothing_is_uncovered() -> None:
    loaded = WorkCalendar(HolidaySource.chinese_calendar(), LOADED_2027)
    clock = clock_of(declaring(g(30)), loaded)
    assert clock.committed_due == at("2027-01-14 17:30")  # 01-01 and 01-04 are holidays now
    assert clock.uncovered_years == []
    assert clock.calendar_version == "hz-2027.1"


CALENDAR = WorkCalendar(HolidaySource.chinese_calendar())
LIMITS = st.builds(Limit, value=st.integers(0, 60), unit=st.sampled_from(["G", "Z"]))
STARTS = st.datetimes(dt.datetime(2025, 9, 1), dt.datetime(2026, 12, 31)).map(lambda d: d.replace(tzinfo=TZ))


@settings(max_examples=400, deadline=None)
@given(declared=LIMITS, published=LIMITS, start=STARTS)
def test_the_binding_limit_ends_at_the_earlier_of_the_two_across_holidays_and_make_up_days(
    declared: Limit, published: Limit, start: dt.datetime
) -> None:
    bound = binding_limit(declared, published, CALENDAR, start, [])
    due = {
        name: CALENDAR.add(start, limit.value, limit.unit)
        for name, limit in (("d", declared), ("p", published))
    }
    assert CALENDAR.add(start, bound.limit.value, bound.limit.unit) == min(due.values())
    # Never the later one (two values in one unit may end at one instant: a natural-day limit whose
    # last day rolls to the next working day); a finding is a declaration that ends later, more
    # days in the same unit, or natural days against working days.
    assert due["d" if bound.binds == "declared" else "p"] == min(due.values())
    if declared.unit == published.unit:
        assert bound.longer == (declared.value > published.value)
    else:
        assert bound.longer == (due["d"] > due["p"] or declared.unit == "Z")
