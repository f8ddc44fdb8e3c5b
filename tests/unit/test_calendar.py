"""The working-day clock: named cases from the law and the official calendar, and seeded random
agreement with a day-by-day reference (tests/unit/naive_calendar.py)."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from sunlight.kernel.calendar import CalendarSettings, HolidaySource, WorkCalendar, YearCalendar

from tests.unit import naive_calendar as naive

pytestmark = pytest.mark.unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
URUMQI = ZoneInfo("Asia/Urumqi")
Pause = tuple[dt.datetime, dt.datetime]


def bj(text: str) -> dt.datetime:
    """'2026-09-29 10:00' in Beijing time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.fixture(scope="module")
def official() -> WorkCalendar:
    return WorkCalendar(HolidaySource.chinese_calendar())


# -- the official data the day oracle must reproduce (State Council notices for 2025 and 2026) --

MAKE_UP_WORKING_DAYS = [
    "2025-01-26",
    "2025-02-08",
    "2025-04-27",
    "2025-09-28",
    "2025-10-11",
    "2026-01-04",
    "2026-02-14",
    "2026-02-28",
    "2026-05-09",
    "2026-09-20",
    "2026-10-10",
]
SPRING_FESTIVAL_2025 = (d("2025-01-28"), d("2025-02-04"))
NATIONAL_DAY_2025 = (d("2025-10-01"), d("2025-10-08"))
SPRING_FESTIVAL_2026 = (d("2026-02-15"), d("2026-02-23"))
NATIONAL_DAY_2026 = (d("2026-10-01"), d("2026-10-07"))
MAJOR_BREAKS = {
    "Spring Festival 2025": SPRING_FESTIVAL_2025,
    "National Day 2025": NATIONAL_DAY_2025,
    "Spring Festival 2026": SPRING_FESTIVAL_2026,
    "National Day 2026": NATIONAL_DAY_2026,
}
MINOR_BREAKS = [
    (d("2025-01-01"), d("2025-01-01")),
    (d("2025-04-04"), d("2025-04-06")),
    (d("2025-05-01"), d("2025-05-05")),
    (d("2025-05-31"), d("2025-06-02")),
    (d("2026-01-01"), d("2026-01-03")),
    (d("2026-04-04"), d("2026-04-06")),
    (d("2026-05-01"), d("2026-05-05")),
    (d("2026-06-19"), d("2026-06-21")),
    (d("2026-09-25"), d("2026-09-27")),
]
ALL_BREAKS = [*MAJOR_BREAKS.values(), *MINOR_BREAKS]


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


HOLIDAYS = sorted(day for first, last in ALL_BREAKS for day in _days(first, last))


@pytest.mark.parametrize("day", MAKE_UP_WORKING_DAYS)
def test_make_up_weekend_days_are_working_days(official: WorkCalendar, day: str) -> None:
    assert d(day).weekday() >= 5
    assert official.is_working_day(d(day))


@pytest.mark.parametrize("day", [h.isoformat() for h in HOLIDAYS])
def test_statutory_holidays_are_not_working_days(official: WorkCalendar, day: str) -> None:
    assert not official.is_working_day(d(day))


def test_ordinary_weekdays_work_and_ordinary_weekends_rest(official: WorkCalendar) -> None:
    make_ups = {d(x) for x in MAKE_UP_WORKING_DAYS}
    holidays = set(HOLIDAYS)
    wrong = [
        day
        for day in _days(d("2025-01-01"), d("2026-12-31"))
        if day not in make_ups and day not in holidays and official.is_working_day(day) != (day.weekday() < 5)
    ]
    assert wrong == []


# -- named cases ------------------------------------------------------------------------------


def test_seven_working_days_from_the_tuesday_before_national_day_2026_end_on_october_14(
    official: WorkCalendar,
) -> None:
    # 09-30, (break), 10-08, 10-09, Sat 10-10 (make-up), 10-12, 10-13, 10-14
    due = official.add_working_days(bj("2026-09-29 10:00"), 7)
    assert due == bj("2026-10-14 17:30")
    assert due.utcoffset() == dt.timedelta(hours=8)
    assert official.add(bj("2026-09-29 10:00"), 7, "G") == due


def test_twenty_working_day_limit_accepted_the_day_before_national_day_2026(
    official: WorkCalendar,
) -> None:
    assert official.add_working_days(bj("2026-09-30 10:00"), 20) == bj("2026-11-03 17:30")


def test_make_up_saturday_is_counted_as_a_working_day(official: WorkCalendar) -> None:
    # Fri 2026-02-13 accepted: Sat 02-14 is a make-up working day, then the Spring Festival break.
    assert official.add_working_days(bj("2026-02-13 10:00"), 1) == bj("2026-02-14 17:30")
    assert official.add_working_days(bj("2026-02-13 10:00"), 2) == bj("2026-02-24 17:30")
    # Fri 2026-10-09 accepted: Sat 10-10 is a make-up working day.
    assert official.add_working_days(bj("2026-10-09 16:00"), 1) == bj("2026-10-10 17:30")
    # An ordinary Saturday is not: Fri 2026-03-06 -> Mon 03-09.
    assert official.add_working_days(bj("2026-03-06 16:00"), 1) == bj("2026-03-09 17:30")


@pytest.mark.parametrize(
    "accepted",
    [f"2026-03-02 {t}" for t in ("00:00", "08:00", "08:30", "12:00", "17:30", "23:59:59")],
)
def test_the_day_of_acceptance_is_never_counted_whatever_the_hour(
    official: WorkCalendar, accepted: str
) -> None:
    assert official.add_working_days(bj(accepted), 1) == bj("2026-03-03 17:30")
    assert official.add_working_days(bj(accepted), 5) == bj("2026-03-09 17:30")


def test_acceptance_on_a_sunday_counts_from_monday(official: WorkCalendar) -> None:
    assert official.add_working_days(bj("2026-03-01 10:00"), 1) == bj("2026-03-02 17:30")
    assert official.add_working_days(bj("2026-03-07 23:59:59"), 1) == bj("2026-03-09 17:30")


def test_acceptance_day_is_the_local_date_not_the_utc_date(official: WorkCalendar) -> None:
    # Sunday 16:30 UTC is Monday 00:30 in Beijing: Monday is the day of acceptance.
    sunday_utc = dt.datetime(2026, 3, 1, 16, 30, tzinfo=dt.UTC)
    assert official.add_working_days(sunday_utc, 1) == bj("2026-03-03 17:30")


def test_a_pause_over_the_national_day_week_moves_the_due_by_the_working_time_paused_only(
    official: WorkCalendar,
) -> None:
    start = bj("2026-09-29 10:00")
    # Holidays only: no working time paused, the due does not move.
    holidays_only = [(bj("2026-09-30 17:30"), bj("2026-10-08 08:30"))]
    assert official.add_working_days(start, 7, holidays_only) == bj("2026-10-14 17:30")
    # 09-30 12:00..17:30 and 10-08 08:30..12:00 are paused: 9 hours, exactly one working day.
    noon_to_noon = [(bj("2026-09-30 12:00"), bj("2026-10-08 12:00"))]
    assert official.add_working_days(start, 7, noon_to_noon) == bj("2026-10-15 17:30")
    # 10-08 08:30..10:30 paused: two working hours later, mid-morning of the next working day.
    two_hours = [(bj("2026-10-01 00:00"), bj("2026-10-08 10:30"))]
    assert official.add_working_days(start, 7, two_hours) == bj("2026-10-15 10:30")


def test_overlapping_pauses_count_once(official: WorkCalendar) -> None:
    start = bj("2026-03-02 10:00")
    one = [(bj("2026-03-03 08:30"), bj("2026-03-04 17:30"))]
    overlapping = [*one, (bj("2026-03-04 08:30"), bj("2026-03-04 12:00")), one[0]]
    assert official.add_working_days(start, 3, one) == bj("2026-03-09 17:30")
    assert official.add_working_days(start, 3, overlapping) == bj("2026-03-09 17:30")
    assert official.working_seconds_between(start, bj("2026-03-05 08:30"), overlapping) == 27000


def test_a_pause_before_counting_starts_does_not_move_the_due(official: WorkCalendar) -> None:
    start = bj("2026-03-02 09:00")
    same_day = [(bj("2026-03-02 09:30"), bj("2026-03-02 17:00"))]
    assert official.add_working_days(start, 1, same_day) == bj("2026-03-03 17:30")


def test_natural_day_limit_ending_on_a_holiday_rolls_to_the_next_working_days_close(
    official: WorkCalendar,
) -> None:
    start = bj("2026-09-24 10:00")
    assert official.add_natural_days(start, 7) == bj("2026-10-08 17:30")
    assert official.add(start, 7, "Z") == bj("2026-10-08 17:30")
    assert official.add_natural_days(start, 7, roll_to_working_day=False) == bj("2026-10-01 17:30")
    # Ending on a make-up Saturday does not roll; ending on an ordinary Sunday rolls to Monday.
    assert official.add_natural_days(bj("2026-10-03 09:00"), 7) == bj("2026-10-10 17:30")
    assert official.add_natural_days(bj("2026-03-01 09:00"), 7) == bj("2026-03-09 17:30")
    assert official.add_natural_days(bj("2026-03-01 09:00"), 5) == bj("2026-03-06 17:30")


def test_working_time_elapsed_across_the_spring_festival_2026(official: WorkCalendar) -> None:
    # Fri 02-13 and the make-up Sat 02-14 are full days; 02-15..02-23 is the break.
    friday, tuesday = bj("2026-02-13 08:30"), bj("2026-02-24 08:30")
    assert official.working_seconds_between(friday, tuesday) == 2 * 9 * 3600
    assert official.working_days_between(friday, tuesday) == 2.0
    assert official.working_seconds_between(tuesday, friday) == -2 * 9 * 3600
    # Pausing 02-14 12:00 .. 02-24 10:00 removes 5.5 + 1.5 working hours of 27.
    pause = [(bj("2026-02-14 12:00"), bj("2026-02-24 10:00"))]
    assert official.working_seconds_between(friday, bj("2026-02-24 17:30"), pause) == 20 * 3600
    assert official.working_seconds_between(bj("2026-02-15 09:00"), bj("2026-02-23 16:00")) == 0


def test_position_of_a_close_maps_back_to_the_close_not_the_next_opening(
    official: WorkCalendar,
) -> None:
    close = bj("2026-09-30 17:30")
    assert official.position(close) == official.position(bj("2026-10-08 08:30"))
    assert official.position(close) == official.position(bj("2026-10-05 12:00"))
    assert official.position(close) == official.position(bj("2026-09-30 21:00"))
    assert official.instant(official.position(close)) == close
    assert official.instant(official.position(bj("2026-10-05 12:00"))) == close
    assert official.instant(official.position(bj("2026-10-08 08:31"))) == bj("2026-10-08 08:31")
    assert official.position(bj("2026-10-08 08:31")) - official.position(close) == 60


def test_shift_working_moves_back_across_the_national_day_break(official: WorkCalendar) -> None:
    assert official.shift_working(bj("2026-10-08 10:00"), -1) == bj("2026-09-30 10:00")
    assert official.shift_working(bj("2026-10-14 17:30"), -2) == bj("2026-10-12 17:30")


def test_a_citys_extra_holiday_and_extra_working_day_override_the_official_calendar(
    official: WorkCalendar,
) -> None:
    start = bj("2026-09-29 10:00")
    source = official.source
    no_make_up = WorkCalendar(source, CalendarSettings(extra_holidays=frozenset({d("2026-10-10")})))
    assert not no_make_up.is_working_day(d("2026-10-10"))
    # 09-30, 10-08, 10-09, 10-12, 10-13, 10-14, 10-15
    assert no_make_up.add_working_days(start, 7) == bj("2026-10-15 17:30")

    works_on_7th = WorkCalendar(source, CalendarSettings(extra_workdays=frozenset({d("2026-10-07")})))
    assert works_on_7th.is_working_day(d("2026-10-07"))
    # 09-30, 10-07, 10-08, 10-09, 10-10, 10-12, 10-13
    assert works_on_7th.add_working_days(start, 7) == bj("2026-10-13 17:30")
    assert official.add_working_days(start, 7) == bj("2026-10-14 17:30")


def test_loading_2027_covers_the_year_and_moves_due_instants(official: WorkCalendar) -> None:
    # Test data, not the real 2027 arrangement: New Year 01-01..01-03, Sunday 01-10 worked.
    year = YearCalendar(
        2027,
        holidays=frozenset({d("2027-01-01"), d("2027-01-02"), d("2027-01-03")}),
        workdays=frozenset({d("2027-01-10")}),
    )
    loaded = WorkCalendar(official.source, CalendarSettings(loaded_years={2027: year}))
    start = bj("2026-12-30 10:00")
    assert loaded.is_covered(2027)
    assert not loaded.is_working_day(d("2027-01-01"))
    assert loaded.is_working_day(d("2027-01-10"))
    # 12-31, 01-04, 01-05 instead of 12-31, Fri 01-01, 01-04
    assert loaded.add_working_days(start, 3) == bj("2027-01-05 17:30")
    assert official.add_working_days(start, 3) == bj("2027-01-04 17:30")
    assert loaded.uncovered_years_between(start, bj("2027-01-05 17:30")) == []
    # The make-up Sunday counts: 12-31, 01-04..01-08, Sun 01-10 -> seven days end on 01-10.
    assert loaded.add_working_days(start, 7) == bj("2027-01-10 17:30")


def test_2027_without_a_loaded_year_counts_weekends_only_and_is_reported(
    official: WorkCalendar,
) -> None:
    assert official.is_working_day(d("2027-01-01"))  # a Friday: weekends only
    assert not official.is_working_day(d("2027-01-02"))
    assert official.is_working_day(d("2027-02-08"))  # would be in the Spring Festival break
    start = bj("2026-12-30 10:00")
    due = official.add_working_days(start, 3)
    assert due == bj("2027-01-04 17:30")
    assert official.uncovered_years_between(start, due) == [2027]
    assert official.uncovered_years_between(bj("2026-01-01 00:00"), bj("2026-12-31 23:59")) == []
    # 20:00 UTC on 12-31 is already 2027 in Beijing.
    late = dt.datetime(2026, 12, 31, 20, 0, tzinfo=dt.UTC)
    assert official.uncovered_years_between(bj("2026-12-31 10:00"), late) == [2027]


def test_the_chinese_calendar_source_covers_2026_but_not_2027(official: WorkCalendar) -> None:
    assert official.source.name.startswith("chinese_calendar")
    assert official.is_covered(2004)
    assert official.is_covered(2026)
    assert not official.is_covered(2027)
    assert not WorkCalendar(HolidaySource.weekends_only()).is_covered(2026)


def test_custom_office_hours_change_the_due_and_the_working_time(official: WorkCalendar) -> None:
    short = WorkCalendar(
        official.source, CalendarSettings(office_open=dt.time(9, 0), office_close=dt.time(17, 0))
    )
    assert short.day_seconds == 8 * 3600
    assert short.add_working_days(bj("2026-09-29 10:00"), 7) == bj("2026-10-14 17:00")
    day = (bj("2026-03-02 08:30"), bj("2026-03-02 17:30"))
    assert short.working_seconds_between(*day) == 8 * 3600
    assert official.working_seconds_between(*day) == 9 * 3600
    assert short.add_working_days(bj("2026-03-02 10:00"), 0.5) == bj("2026-03-03 13:00")
    assert official.add_working_days(bj("2026-03-02 10:00"), 0.5) == bj("2026-03-03 13:00")
    with pytest.raises(ValueError):
        WorkCalendar(official.source, CalendarSettings(office_open=dt.time(18), office_close=dt.time(9)))


def test_a_different_time_zone_changes_the_day_of_acceptance_and_the_close(
    official: WorkCalendar,
) -> None:
    urumqi = WorkCalendar(official.source, CalendarSettings(time_zone="Asia/Urumqi"))
    start = bj("2026-03-03 01:00")  # still 2026-03-02 23:00 in Urumqi
    assert official.add_working_days(start, 1) == bj("2026-03-04 17:30")
    due = urumqi.add_working_days(start, 1)
    assert due == dt.datetime(2026, 3, 3, 17, 30, tzinfo=URUMQI)
    assert due == bj("2026-03-03 19:30")
    assert urumqi.add_natural_days(start, 1) == dt.datetime(2026, 3, 3, 17, 30, tzinfo=URUMQI)


@pytest.mark.parametrize(
    "call",
    [
        lambda c, t: c.add_working_days(t, 1),
        lambda c, t: c.add_natural_days(t, 1),
        lambda c, t: c.working_seconds_between(t, t),
        lambda c, t: c.position(t),
        lambda c, t: c.add_working_days(bj("2026-03-02 10:00"), 1, [(t, t + dt.timedelta(hours=1))]),
    ],
    ids=["add_working_days", "add_natural_days", "working_seconds_between", "position", "pause"],
)
def test_an_instant_without_a_time_zone_is_refused(
    official: WorkCalendar, call: Callable[[WorkCalendar, dt.datetime], object]
) -> None:
    with pytest.raises(ValueError, match="UTC offset"):
        call(official, dt.datetime(2026, 3, 2, 10, 0))


def test_an_unknown_limit_unit_is_refused(official: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="unit"):
        official.add(bj("2026-03-02 10:00"), 5, "W")


# -- seeded random agreement with the day-by-day reference ------------------------------------

WINDOW = (d("2024-12-01"), d("2026-11-30"))
CITY_SETTINGS = CalendarSettings(
    version="city",
    time_zone="Asia/Urumqi",
    office_open=dt.time(9, 30),
    office_close=dt.time(18, 0),
    extra_holidays=frozenset({d("2026-10-09"), d("2025-06-03"), d("2026-02-14")}),
    extra_workdays=frozenset({d("2026-10-11"), d("2025-10-08"), d("2026-02-21")}),
)


@pytest.fixture(scope="module")
def calendars(official: WorkCalendar) -> dict[str, WorkCalendar]:
    # A zone with summer time takes the calendar's per-call zone lookup instead of fixed-offset arithmetic.
    summer = CalendarSettings(version="summer time", time_zone="Europe/Berlin")
    return {
        "official": official,
        "city": WorkCalendar(official.source, CITY_SETTINGS),
        "summer time": WorkCalendar(official.source, summer),
    }


def _secs(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


@dataclass
class Draw:
    """Seeded draws of days, instants and pauses, weighted toward the holiday breaks."""

    rng: random.Random
    cal: WorkCalendar

    def day(self) -> dt.date:
        r, rng = self.rng.random(), self.rng
        if r < 0.5:
            first, last = rng.choice(list(MAJOR_BREAKS.values()))
            return first + dt.timedelta(days=rng.randint(-30, (last - first).days + 3))
        if r < 0.6:
            first, last = rng.choice(MINOR_BREAKS)
            return first + dt.timedelta(days=rng.randint(-10, (last - first).days + 2))
        if r < 0.7:
            return d(rng.choice(MAKE_UP_WORKING_DAYS)) + dt.timedelta(days=rng.choice((0, 0, 0, -1, 1)))
        return WINDOW[0] + dt.timedelta(days=rng.randint(0, (WINDOW[1] - WINDOW[0]).days))

    def clock(self) -> int:
        rng = self.rng
        opening, closing = _secs(self.cal.settings.office_open), _secs(self.cal.settings.office_close)
        kind = rng.choices(["open", "close", "office", "night", "early", "edge"], [2, 2, 5, 2, 2, 1])[0]
        if kind == "open":
            return opening
        if kind == "close":
            return closing
        if kind == "office":
            return rng.randint(opening + 1, closing - 1)
        if kind == "night":
            return rng.randint(closing + 1, 86399)
        if kind == "early":
            return rng.randint(0, opening - 1)
        return rng.choice([0, 86399, opening - 1, opening + 1, closing - 1, closing + 1])

    def dress(self, local: dt.datetime) -> dt.datetime:
        """The same instant in the calendar's zone, in UTC or at some fixed offset."""
        r = self.rng.random()
        if r < 0.6:
            return local
        if r < 0.8:
            return local.astimezone(dt.UTC)
        return local.astimezone(dt.timezone(dt.timedelta(hours=self.rng.choice([8, 6, 0, -5, 9]))))

    def instant(self, day: dt.date | None = None) -> dt.datetime:
        local = dt.datetime.combine(day or self.day(), dt.time(), tzinfo=self.cal.tz)
        return self.dress(local + dt.timedelta(seconds=self.clock()))

    def length(self) -> dt.timedelta:
        r = self.rng.random()
        if r < 0.4:
            return dt.timedelta(seconds=self.rng.randint(60, 10 * 3600))
        if r < 0.8:
            return dt.timedelta(seconds=self.rng.randint(3600, 10 * 86400))
        return dt.timedelta(days=self.rng.randint(1, 8))

    def pauses(self, lo: dt.datetime, hi: dt.datetime) -> list[Pause]:
        rng = self.rng
        out: list[Pause] = []
        for _ in range(rng.randint(0, 3)):
            r = rng.random()
            if r < 0.3:
                near = [b for b in ALL_BREAKS if lo.date() - dt.timedelta(days=5) <= b[0] <= hi.date()]
                first, last = rng.choice(near or ALL_BREAKS)
                a = self.instant(first - dt.timedelta(days=rng.randint(0, 2)))
                b = self.instant(last + dt.timedelta(days=rng.randint(0, 2)))
                if b < a:
                    a, b = b, a
                b = max(b, a + dt.timedelta(hours=1))
            elif r < 0.5 and out:
                pa, pb = rng.choice(out)
                a = pa + dt.timedelta(seconds=rng.randint(0, int((pb - pa).total_seconds())))
                b = a + self.length()
            else:
                span = int((hi - lo).total_seconds())
                a = self.dress(lo + dt.timedelta(seconds=rng.randint(-3 * 86400, span)))
                b = a + self.length()
            out.append((a, b))
        return out


@dataclass(frozen=True)
class Case:
    start: dt.datetime
    n: int
    pauses: Sequence[Pause]
    end: dt.datetime  # the due instant or the end of the interval measured

    def __str__(self) -> str:
        spans = ", ".join(f"({a.isoformat()}, {b.isoformat()})" for a, b in self.pauses)
        return f"start={self.start.isoformat()} n={self.n} end={self.end.isoformat()} pauses=[{spans}]"


def _features(cal: WorkCalendar, case: Case) -> set[str]:
    """What a case exercises, to check that the random cases cover the awkward parts."""
    start, end = case.start.astimezone(cal.tz), case.end.astimezone(cal.tz)
    first, last = start.date(), end.date()
    opening, closing = cal.settings.office_open, cal.settings.office_close
    out = {f"{len(case.pauses)} pauses"}
    for name, (a, b) in MAJOR_BREAKS.items():
        if a <= first <= b:
            out.add(f"starts in {name}")
        if first < a and last > b:
            out.add(f"spans {name}")
    out |= {f"counts make-up {m}" for m in MAKE_UP_WORKING_DAYS if first < d(m) <= last}
    t = start.time()
    out.add(
        "at opening"
        if t == opening
        else "at close"
        if t == closing
        else "early"
        if t < opening
        else "night"
        if t > closing
        else "in office hours"
    )
    if first in HOLIDAYS:
        out.add("starts on a holiday")
    if first.weekday() >= 5:
        out.add("starts on a weekend")
    for a, b in case.pauses:
        if any(a.astimezone(cal.tz).date() < h < b.astimezone(cal.tz).date() for h in HOLIDAYS):
            out.add("a pause spans a holiday")
    spans = sorted(case.pauses)
    if any(spans[i + 1][0] < spans[i][1] for i in range(len(spans) - 1)):
        out.add("pauses overlap")
    return out


COVERAGE_MINIMUM = {
    **{f"{k} pauses": 100 for k in range(4)},
    **{f"starts in {name}": 20 for name in MAJOR_BREAKS},
    **{f"spans {name}": 100 for name in MAJOR_BREAKS},
    **{f"counts make-up {m}": 30 for m in ["2025-09-28", "2025-10-11", "2026-02-14", "2026-02-28"]},
    **{f"counts make-up {m}": 30 for m in ["2026-09-20", "2026-10-10"]},
    "at opening": 100,
    "at close": 100,
    "early": 100,
    "night": 100,
    "in office hours": 100,
    "starts on a holiday": 50,
    "starts on a weekend": 50,
    "a pause spans a holiday": 50,
    "pauses overlap": 50,
}


def _check_coverage(cal: WorkCalendar, cases: list[Case], minimum: dict[str, int]) -> None:
    seen = Counter(f for case in cases for f in _features(cal, case))
    short = {k: (seen[k], want) for k, want in minimum.items() if seen[k] < want}
    assert not short, f"random cases miss parts of the calendar (seen, wanted): {short}"


def _report(mismatches: list[str]) -> str:
    return f"{len(mismatches)} disagreements, first ones:\n" + "\n".join(mismatches[:5])


AGREEMENT_RUNS = [("official", 20260929, 6000), ("city", 20251011, 2000), ("summer time", 20250330, 500)]


@pytest.mark.parametrize(("which", "seed", "count"), AGREEMENT_RUNS)
def test_add_working_days_agrees_with_the_day_by_day_reference(
    calendars: dict[str, WorkCalendar], which: str, seed: int, count: int
) -> None:
    cal = calendars[which]
    draw = Draw(random.Random(seed), cal)
    cases, mismatches = [], []
    for _ in range(count):
        start = draw.instant()
        n = draw.rng.choice([1, 2, 3, 5, 7, 10, 15, 20, 20, 30, 45, 60, draw.rng.randint(1, 60)])
        pauses = draw.pauses(start, start + dt.timedelta(days=n * 1.5 + 14))
        got = cal.add_working_days(start, n, pauses)
        want = naive.add_working_days(cal, start, n, pauses)
        case = Case(start, n, pauses, want)
        cases.append(case)
        if got != want:
            mismatches.append(f"{case}: calendar {got.isoformat()}, reference {want.isoformat()}")
    assert len(cases) == count
    assert {c.n for c in cases} >= {1, 60}
    assert not mismatches, _report(mismatches)
    if which == "official":
        _check_coverage(cal, cases, COVERAGE_MINIMUM)


BETWEEN_RUNS = [("official", 20250128, 4000), ("city", 20260215, 1500), ("summer time", 20251026, 500)]


@pytest.mark.parametrize(("which", "seed", "count"), BETWEEN_RUNS)
def test_working_seconds_between_agrees_with_the_day_by_day_reference(
    calendars: dict[str, WorkCalendar], which: str, seed: int, count: int
) -> None:
    cal = calendars[which]
    draw = Draw(random.Random(seed), cal)
    cases, mismatches = [], []
    for _ in range(count):
        a = draw.instant()
        r = draw.rng.random()
        if r < 0.1:
            b = a
        elif r < 0.35:
            day = a.astimezone(cal.tz).date() + dt.timedelta(days=draw.rng.randint(0, 60))
            edge = draw.rng.choice([cal.settings.office_open, cal.settings.office_close])
            b = draw.dress(dt.datetime.combine(day, edge, tzinfo=cal.tz))
        else:
            b = a + dt.timedelta(seconds=draw.rng.randint(0, 75 * 86400))
        if b < a:
            a, b = b, a
        pauses = draw.pauses(a, b)
        got, back = cal.working_seconds_between(a, b, pauses), cal.working_seconds_between(b, a, pauses)
        want = naive.working_seconds_between(cal, a, b, pauses)
        case = Case(a, 0, pauses, b)
        cases.append(case)
        if (got, back) != (want, -want):
            mismatches.append(f"{case}: calendar {got} and {back}, reference {want}")
    assert len(cases) == count
    assert not mismatches, _report(mismatches)
    if which == "official":
        minimum = {k: v for k, v in COVERAGE_MINIMUM.items() if not k.startswith("counts make-up")}
        _check_coverage(cal, cases, minimum)


NATURAL_RUNS = [("official", 20261001, 2000), ("city", 20251001, 500), ("summer time", 20260329, 250)]


@pytest.mark.parametrize(("which", "seed", "count"), NATURAL_RUNS)
def test_add_natural_days_agrees_with_the_day_by_day_reference(
    calendars: dict[str, WorkCalendar], which: str, seed: int, count: int
) -> None:
    cal = calendars[which]
    draw = Draw(random.Random(seed), cal)
    mismatches, rolled = [], 0
    for _ in range(count):
        start, n = draw.instant(), draw.rng.randint(1, 60)
        got, want = cal.add_natural_days(start, n), naive.add_natural_days(cal, start, n)
        rolled += want.date() != start.astimezone(cal.tz).date() + dt.timedelta(days=n)
        if got != want:
            mismatches.append(f"start={start.isoformat()} n={n}: calendar {got}, reference {want}")
    assert not mismatches, _report(mismatches)
    assert rolled >= count // 10  # many limits end on a rest day and roll


def test_random_agreement_runs_check_at_least_ten_thousand_cases() -> None:
    total = sum(count for runs in (AGREEMENT_RUNS, BETWEEN_RUNS, NATURAL_RUNS) for *_, count in runs)
    assert total >= 10_000
