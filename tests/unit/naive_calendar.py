"""A deliberately simple day-by-day reference for the working-time arithmetic of `WorkCalendar`.

Written independently of calendar.py's index: no positions, no prefix sums. It only asks the
calendar which days are working days (`is_working_day`, tested on its own against the official
data) and reads office hours and the time zone from its settings. Everything else walks the days
one by one and measures real time between aware datetimes, to the second.

Counted time is the office-hours time of working days, minus the union of the pauses (overlapping
pauses count once). The day of the start is never counted (Civil Code art. 201).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sunlight.kernel.calendar import WorkCalendar

Pause = tuple[dt.datetime, dt.datetime]
_ONE_DAY = dt.timedelta(days=1)


def _zone(cal: WorkCalendar) -> ZoneInfo:
    return ZoneInfo(cal.settings.time_zone)


def _aware(instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("the reference only works on aware datetimes")
    return instant


def _office(cal: WorkCalendar, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Opening and closing instants of office hours on `day`, in the calendar's zone."""
    tz = _zone(cal)
    opening = dt.datetime.combine(day, cal.settings.office_open, tzinfo=tz)
    closing = dt.datetime.combine(day, cal.settings.office_close, tzinfo=tz)
    return opening, closing


def _union(pauses: Sequence[Pause]) -> list[Pause]:
    """The pauses as sorted, disjoint intervals in UTC (overlaps and touching pauses joined)."""
    spans = sorted((_aware(a).astimezone(dt.UTC), _aware(b).astimezone(dt.UTC)) for a, b in pauses if b > a)
    joined: list[Pause] = []
    for a, b in spans:
        if joined and a <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], b))
        else:
            joined.append((a, b))
    return joined


def _free_parts(lo: dt.datetime, hi: dt.datetime, paused: list[Pause]) -> list[Pause]:
    """The parts of [lo, hi] not covered by any pause, in order."""
    parts: list[Pause] = []
    cursor = lo
    for a, b in paused:
        if b <= cursor or a >= hi:
            continue
        if a > cursor:
            parts.append((cursor, a))
        cursor = max(cursor, b)
        if cursor >= hi:
            break
    if cursor < hi:
        parts.append((cursor, hi))
    return parts


def _seconds(a: dt.datetime, b: dt.datetime) -> float:
    return (b - a).total_seconds()


def add_working_days(
    cal: WorkCalendar, start: dt.datetime, n: float, pauses: Sequence[Pause] = ()
) -> dt.datetime:
    """The first instant at which `n` working days of counted time after `start` have passed."""
    tz = _zone(cal)
    target = round(n * _seconds(*_office(cal, dt.date(2000, 1, 3))))
    if target <= 0:
        raise ValueError("the reference only adds a positive number of working days")
    paused = _union(pauses)
    remaining = float(target)
    day = _aware(start).astimezone(tz).date() + _ONE_DAY
    while True:
        if cal.is_working_day(day):
            for lo, hi in _free_parts(*_office(cal, day), paused):
                length = _seconds(lo, hi)
                if remaining <= length:
                    return (lo + dt.timedelta(seconds=remaining)).astimezone(tz)
                remaining -= length
        day += _ONE_DAY


def working_seconds_between(
    cal: WorkCalendar, a: dt.datetime, b: dt.datetime, pauses: Sequence[Pause] = ()
) -> int:
    """Office-hours seconds of working days between `a` and `b` (a <= b), pauses removed."""
    tz = _zone(cal)
    a, b = _aware(a).astimezone(tz), _aware(b).astimezone(tz)
    if b < a:
        raise ValueError("the reference wants a <= b")
    paused = _union(pauses)
    total = 0.0
    day = a.date()
    while day <= b.date():
        if cal.is_working_day(day):
            opening, closing = _office(cal, day)
            lo, hi = max(opening, a), min(closing, b)
            if lo < hi:
                total += sum(_seconds(p, q) for p, q in _free_parts(lo, hi, paused))
        day += _ONE_DAY
    return round(total)


def add_natural_days(cal: WorkCalendar, start: dt.datetime, n: int) -> dt.datetime:
    """Close of office hours on the local date start + n, or of the next working day after it."""
    tz = _zone(cal)
    day = _aware(start).astimezone(tz).date() + dt.timedelta(days=n)
    while not cal.is_working_day(day):
        day += _ONE_DAY
    return _office(cal, day)[1]
