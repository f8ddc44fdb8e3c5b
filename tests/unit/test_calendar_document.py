"""A city's calendar document: validated strictly, every problem named by its field, canonical form."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sunlight.kernel.calendar import CalendarSettings, HolidaySource, WorkCalendar, YearCalendar
from sunlight.kernel.errors import InvalidCalendar, Problem

pytestmark = pytest.mark.unit

DOCUMENT: dict[str, Any] = {
    "version": "hz-2027.1",
    "time_zone": "Asia/Shanghai",
    "office_hours": ["08:30", "17:30"],
    "extra_holidays": ["2026-12-31"],
    "extra_workdays": [],
    "years": {"2027": {"holidays": ["2027-01-01"], "workdays": ["2027-02-07"]}},
}


def problems(data: Any, defaults: CalendarSettings | None = None) -> list[Problem]:
    with pytest.raises(InvalidCalendar) as caught:
        CalendarSettings.from_json(data, defaults)
    return caught.value.problems


def fields(data: Any, defaults: CalendarSettings | None = None) -> list[str]:
    return [p.field for p in problems(data, defaults)]


def with_(**changes: Any) -> dict[str, Any]:
    return {**DOCUMENT, **changes}


def test_the_readme_document_loads_with_every_field() -> None:
    settings = CalendarSettings.from_json(DOCUMENT)
    assert settings.version == "hz-2027.1"
    assert (settings.office_open, settings.office_close) == (dt.time(8, 30), dt.time(17, 30))
    assert settings.extra_holidays == frozenset({dt.date(2026, 12, 31)})
    assert settings.loaded_years == {
        2027: YearCalendar(2027, frozenset({dt.date(2027, 1, 1)}), frozenset({dt.date(2027, 2, 7)}))
    }


def test_to_json_is_the_full_canonical_document_and_round_trips() -> None:
    shuffled = with_(
        extra_holidays=["2026-12-31", "2026-10-09"],
        years={"2027": {"holidays": ["2027-01-04", "2027-01-01"]}},
    )
    settings = CalendarSettings.from_json(shuffled)
    assert settings.to_json() == with_(
        extra_holidays=["2026-10-09", "2026-12-31"],
        years={"2027": {"holidays": ["2027-01-01", "2027-01-04"], "workdays": []}},
    )
    assert CalendarSettings.from_json(settings.to_json()) == settings
    assert CalendarSettings.from_json(CalendarSettings().to_json()) == CalendarSettings()


def test_the_digest_tells_the_same_content_from_different_content() -> None:
    reordered = dict(reversed(list(with_(extra_holidays=["2026-12-31", "2026-12-31"]).items())))
    same = CalendarSettings.from_json(reordered)
    assert same.digest() == CalendarSettings.from_json(DOCUMENT).digest()
    assert len(same.digest()) == 64 and int(same.digest(), 16) >= 0
    other = CalendarSettings.from_json(with_(extra_holidays=["2026-12-30"]))
    assert other.digest() != same.digest()


def test_every_problem_is_collected_first_problem_first_each_naming_its_field() -> None:
    bad = {
        "verison": "x",
        "office_hours": ["8:30", "17:30"],
        "extra_holidays": ["2026-12-31", "2026/12/30"],
        "years": {"2027": {"holidays": ["2026-10-01"]}},
    }
    found = problems(bad)
    assert [p.field for p in found] == [
        "verison",
        "version",
        "office_hours[0]",
        "extra_holidays[1]",
        "years.2027.holidays[0]",
    ]
    assert found[0] == Problem("verison", "is not a calendar field")
    text = str(InvalidCalendar(found))
    assert text.startswith("verison: is not a calendar field; version: is required; office_hours[0]: ")
    assert "years.2027.holidays[0]: is not in 2027 (got '2026-10-01')" in text


@pytest.mark.parametrize("data", [[DOCUMENT], "hz-2027.1", None, 3])
def test_a_document_that_is_not_an_object_is_refused(data: Any) -> None:
    assert [(p.field, p.problem) for p in problems(data)] == [("", "must be a JSON object")]


@pytest.mark.parametrize("version", ["", "hz 2027", "杭州-2027", "a" * 41, 2027, None])
def test_a_version_outside_the_allowed_characters_is_refused(version: Any) -> None:
    assert fields(with_(version=version)) == ["version"]


def test_a_missing_version_comes_from_the_defaults_or_is_required() -> None:
    bare = {k: v for k, v in DOCUMENT.items() if k != "version"}
    assert problems(bare) == [Problem("version", "is required")]
    defaults = CalendarSettings(version="hz-2026.9", time_zone="Asia/Urumqi", office_open=dt.time(9))
    settings = CalendarSettings.from_json({"extra_holidays": ["2026-12-31"]}, defaults)
    assert (settings.version, settings.time_zone, settings.office_open) == (
        "hz-2026.9",
        "Asia/Urumqi",
        dt.time(9),
    )
    assert settings.loaded_years == {} and settings.extra_holidays == frozenset({dt.date(2026, 12, 31)})


def test_without_defaults_the_zone_and_hours_are_the_builtin_ones() -> None:
    settings = CalendarSettings.from_json({"version": "v1"})
    assert (settings.time_zone, settings.office_open, settings.office_close) == (
        "Asia/Shanghai",
        dt.time(8, 30),
        dt.time(17, 30),
    )


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "Asia", "../../etc/passwd", 8])
def test_a_time_zone_zoneinfo_does_not_know_is_refused(zone: Any) -> None:
    assert fields(with_(time_zone=zone)) == ["time_zone"]


@pytest.mark.parametrize(
    ("hours", "field"),
    [
        (["8:30", "17:30"], "office_hours[0]"),
        (["08:30", "25:00"], "office_hours[1]"),
        (["08:30", "17:30:00"], "office_hours[1]"),
        (["08:30"], "office_hours"),
        ("08:30-17:30", "office_hours"),
        (["08:30", "17:30", "20:00"], "office_hours"),
    ],
)
def test_office_hours_are_exactly_two_times_hh_mm(hours: Any, field: str) -> None:
    assert fields(with_(office_hours=hours)) == [field]


def test_office_hours_must_close_after_they_open() -> None:
    assert problems(with_(office_hours=["17:30", "08:30"])) == [
        Problem("office_hours", "must close after they open", ["17:30", "08:30"])
    ]
    assert fields(with_(office_hours=["09:00", "09:00"])) == ["office_hours"]


@pytest.mark.parametrize("day", ["2026-1-01", "20261231", "2026-12-32", "2026-W53", 20261231, None])
def test_extra_days_are_strict_iso_dates(day: Any) -> None:
    assert fields(with_(extra_holidays=["2026-12-30", day])) == ["extra_holidays[1]"]
    assert fields(with_(extra_workdays=[day])) == ["extra_workdays[0]"]


@pytest.mark.parametrize("day", ["2003-12-31", "2061-01-01"])
def test_extra_days_outside_the_calendars_range_are_refused(day: str) -> None:
    assert problems(with_(extra_holidays=[day])) == [
        Problem("extra_holidays[0]", "is outside the calendar's range 2004..2060", day)
    ]


def test_extra_days_must_be_a_list() -> None:
    assert fields(with_(extra_workdays="2026-10-10")) == ["extra_workdays"]


def test_a_day_both_extra_holiday_and_extra_workday_is_refused() -> None:
    data = with_(extra_holidays=["2026-10-10"], extra_workdays=["2026-10-07", "2026-10-10"])
    assert problems(data) == [Problem("extra_workdays[1]", "is also an extra holiday", "2026-10-10")]


@pytest.mark.parametrize("year", ["27", "2003", "2061", "year", "02027"])
def test_a_year_key_that_is_not_a_year_of_the_range_is_refused(year: str) -> None:
    assert fields(with_(years={year: {"holidays": []}})) == [f"years.{year}"]


def test_a_year_holds_only_holidays_and_workdays() -> None:
    assert fields(with_(years={"2027": {"holidays": [], "workday": ["2027-02-07"]}})) == [
        "years.2027.workday"
    ]
    assert fields(with_(years={"2027": ["2027-01-01"]})) == ["years.2027"]
    assert fields(with_(years=[])) == ["years"]


def test_a_years_dates_must_be_in_that_year() -> None:
    data = with_(years={"2027": {"holidays": ["2027-01-01", "2027-01-02", "2027-01-03", "2028-01-01"]}})
    assert problems(data) == [Problem("years.2027.holidays[3]", "is not in 2027", "2028-01-01")]


def test_a_day_both_holiday_and_workday_of_a_year_is_refused() -> None:
    data = with_(years={"2027": {"holidays": ["2027-02-07"], "workdays": ["2027-01-30", "2027-02-07"]}})
    assert problems(data) == [Problem("years.2027.workdays[1]", "is also a holiday", "2027-02-07")]


def test_load_reads_a_file_and_raises_invalid_calendar_for_bad_content(tmp_path: Path) -> None:
    good, bad, broken = tmp_path / "good.json", tmp_path / "bad.json", tmp_path / "broken.json"
    good.write_text(json.dumps(DOCUMENT), encoding="utf-8")
    bad.write_text(json.dumps(with_(time_zone="Nowhere")), encoding="utf-8")
    broken.write_text("{", encoding="utf-8")
    assert CalendarSettings.load(good).version == "hz-2027.1"
    with pytest.raises(InvalidCalendar):
        CalendarSettings.load(bad)
    with pytest.raises(ValueError):
        CalendarSettings.load(broken)
    with pytest.raises(OSError):
        CalendarSettings.load(tmp_path / "missing.json")


def test_a_loaded_year_replaces_the_sources_data_for_that_year_only() -> None:
    source = HolidaySource.chinese_calendar()
    # 2026-10-01 is an official holiday; a loaded 2026 that does not list it makes it a working day.
    settings = CalendarSettings.from_json({"version": "v", "years": {"2026": {"holidays": []}}})
    calendar = WorkCalendar(source, settings)
    assert calendar.is_working_day(dt.date(2026, 10, 1))
    assert not WorkCalendar(source).is_working_day(dt.date(2026, 10, 1))
    assert not calendar.is_working_day(dt.date(2025, 10, 1))


def test_uncovered_years_ahead_lists_the_years_the_horizon_touches_that_count_weekends_only() -> None:
    official = WorkCalendar(HolidaySource.chinese_calendar())
    now = dt.datetime(2026, 11, 20, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert official.uncovered_years_ahead(now, 30) == []
    assert official.uncovered_years_ahead(now, 60) == [2027]
    assert official.uncovered_years_ahead(now, 500) == [2027, 2028]
    loaded = WorkCalendar(
        official.source, CalendarSettings.from_json({"version": "v", "years": {"2027": {"holidays": []}}})
    )
    assert loaded.uncovered_years_ahead(now, 60) == []
    assert loaded.uncovered_years_ahead(now, 500) == [2028]
