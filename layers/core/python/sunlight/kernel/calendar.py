"""The working-day clock: which days are working days, and arithmetic on working time.

A `WorkCalendar` is built once from a holiday source (the `chinese_calendar` package's official
holidays and 调休 make-up working days), a city's overrides and loaded years, office hours and a
time zone. It precomputes, for every day in its range, whether it is a working day and how many
working days precede it. Every instant then maps in O(1) to a *working position*: the number of
working seconds from the start of the range (office hours only). Limits, elapsed time and pauses are
plain arithmetic on positions, and a position maps back to an instant in O(1).

Counting follows Civil Code art. 201 and Licensing Law art. 82: the day of the start is not counted,
and N working days end at the close of office hours on the Nth working day after it.
Years the holiday source does not cover count weekends only; `uncovered_years_between` says so, so
that callers can warn loudly until a city loads the year.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar

from sunlight.kernel.errors import CalendarRangeError, InvalidCalendar, Problem
from sunlight.kernel.instants import fixed_zone

Interval = tuple[dt.datetime, dt.datetime]
_T = TypeVar("_T", int, dt.datetime)

_RANGE_FIRST_YEAR = 2004
_RANGE_LAST_YEAR = 2060
_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_ORDINAL = _EPOCH.toordinal()


@dataclass(frozen=True)
class YearCalendar:
    """One year's official arrangement, as a city loads it: holidays and make-up working days."""

    year: int
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date] = frozenset()


@dataclass(frozen=True)
class HolidaySource:
    """Official holidays and make-up working days, and the years they are known for."""

    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    covered_years: frozenset[int]
    name: str

    @classmethod
    def chinese_calendar(cls) -> HolidaySource:
        """The State Council calendar as tracked by the `chinese_calendar` package."""
        holidays = frozenset(chinese_calendar.holidays)
        workdays = frozenset(chinese_calendar.workdays)
        first = min(d.year for d in holidays)
        last = max(d.year for d in holidays)
        version = getattr(chinese_calendar, "__version__", "?")
        return cls(holidays, workdays, frozenset(range(first, last + 1)), f"chinese_calendar {version}")

    @classmethod
    def weekends_only(cls) -> HolidaySource:
        return cls(frozenset(), frozenset(), frozenset(), "weekends only")


@dataclass(frozen=True)
class CalendarSettings:
    """A city's calendar configuration: overrides, loaded years, office hours and time zone."""

    version: str = "default"
    time_zone: str = "Asia/Shanghai"
    office_open: dt.time = dt.time(8, 30)
    office_close: dt.time = dt.time(17, 30)
    extra_holidays: frozenset[dt.date] = frozenset()
    extra_workdays: frozenset[dt.date] = frozenset()
    loaded_years: Mapping[int, YearCalendar] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any, defaults: CalendarSettings | None = None) -> CalendarSettings:
        """A city's calendar document, validated strictly::

        {"version": "hz-2027.1", "time_zone": "Asia/Shanghai", "office_hours": ["08:30", "17:30"],
         "extra_holidays": ["2026-12-31"], "extra_workdays": [],
         "years": {"2027": {"holidays": ["2027-01-01", ...], "workdays": ["2027-02-07", ...]}}}

        A missing version, time zone or office hours comes from `defaults` (without defaults the
        version is required); missing day lists and years are empty. Every problem is collected
        before `InvalidCalendar` is raised, so a city fixes its file in one round.
        """
        reader = _CalendarReader(defaults)
        settings = reader.read(data)
        if reader.problems or settings is None:
            raise InvalidCalendar(reader.problems)
        return settings

    @classmethod
    def load(cls, path: str | Path, defaults: CalendarSettings | None = None) -> CalendarSettings:
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")), defaults)

    def to_json(self) -> dict[str, Any]:
        """The full canonical document: every field, days sorted, so equal settings print equal."""
        return {
            "version": self.version,
            "time_zone": self.time_zone,
            "office_hours": [_hhmm(self.office_open), _hhmm(self.office_close)],
            "extra_holidays": _iso_days(self.extra_holidays),
            "extra_workdays": _iso_days(self.extra_workdays),
            "years": {
                str(year): {"holidays": _iso_days(y.holidays), "workdays": _iso_days(y.workdays)}
                for year, y in sorted(self.loaded_years.items())
            },
        }

    def digest(self) -> str:
        """SHA-256 of the canonical document: tells the same content sent again from a change."""
        text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


CALENDAR_FIELDS = ("version", "time_zone", "office_hours", "extra_holidays", "extra_workdays", "years")
_YEAR_FIELDS = ("holidays", "workdays")
_VERSION = re.compile(r"[A-Za-z0-9._-]{1,40}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_HHMM = re.compile(r"[0-9]{2}:[0-9]{2}")
_YEAR = re.compile(r"[0-9]{4}")
_RANGE = range(_RANGE_FIRST_YEAR, _RANGE_LAST_YEAR + 1)
_RANGE_TEXT = f"{_RANGE_FIRST_YEAR}..{_RANGE_LAST_YEAR}"
_Days = list[tuple[int, dt.date]]  # (position in the document's list, day)


class _CalendarReader:
    """Reads a calendar document field by field, noting every problem instead of stopping."""

    def __init__(self, defaults: CalendarSettings | None) -> None:
        self.defaults = defaults
        self.base = defaults or CalendarSettings()
        self.problems: list[Problem] = []

    def note(self, field: str, problem: str, got: Any = None) -> None:
        self.problems.append(Problem(field, problem, got))

    def read(self, data: Any) -> CalendarSettings | None:
        if not isinstance(data, Mapping):
            self.note("", "must be a JSON object", type(data).__name__)
            return None
        for key in data:
            if key not in CALENDAR_FIELDS:
                self.note(str(key), "is not a calendar field")
        version, zone, hours = self.version(data), self.time_zone(data), self.office_hours(data)
        holidays = self.days("extra_holidays", data.get("extra_holidays", []), _RANGE, _OUTSIDE)
        workdays = self.days("extra_workdays", data.get("extra_workdays", []), _RANGE, _OUTSIDE)
        self.clash("extra_workdays", workdays, holidays, "is also an extra holiday")
        return CalendarSettings(
            version=version,
            time_zone=zone,
            office_open=hours[0],
            office_close=hours[1],
            extra_holidays=_only_days(holidays),
            extra_workdays=_only_days(workdays),
            loaded_years=self.years(data.get("years", {})),
        )

    def version(self, data: Mapping[str, Any]) -> str:
        if "version" not in data:
            if self.defaults is None:
                self.note("version", "is required")
            return self.base.version
        value = data["version"]
        if not (isinstance(value, str) and _VERSION.fullmatch(value)):
            self.note("version", "must be 1 to 40 letters, digits, '.', '_' or '-'", value)
        return str(value)

    def time_zone(self, data: Mapping[str, Any]) -> str:
        value = data.get("time_zone", self.base.time_zone)
        if not (isinstance(value, str) and _is_zone(value)):
            self.note("time_zone", "is not a known time zone (e.g. Asia/Shanghai)", value)
        return str(value)

    def office_hours(self, data: Mapping[str, Any]) -> tuple[dt.time, dt.time]:
        default = (self.base.office_open, self.base.office_close)
        value = data.get("office_hours")
        if "office_hours" not in data:
            return default
        if not (isinstance(value, list) and len(value) == 2):
            self.note("office_hours", 'must be ["HH:MM", "HH:MM"], opening then closing', value)
            return default
        times = [self.time(f"office_hours[{n}]", v) for n, v in enumerate(value)]
        if times[0] is None or times[1] is None:
            return default
        if times[1] <= times[0]:
            self.note("office_hours", "must close after they open", value)
            return default
        return times[0], times[1]

    def time(self, field: str, value: Any) -> dt.time | None:
        if isinstance(value, str) and _HHMM.fullmatch(value):
            try:
                return dt.time.fromisoformat(value)
            except ValueError:
                pass
        self.note(field, "is not a time HH:MM", value)
        return None

    def days(self, field: str, values: Any, years: range, outside: str) -> _Days:
        if not isinstance(values, list):
            self.note(field, "must be a list of dates YYYY-MM-DD", values)
            return []
        found: _Days = []
        for n, value in enumerate(values):
            day = _strict_date(value)
            if day is None:
                self.note(f"{field}[{n}]", "is not a date YYYY-MM-DD", value)
            elif day.year not in years:
                self.note(f"{field}[{n}]", outside.format(year=years.start), value)
            else:
                found.append((n, day))
        return found

    def clash(self, field: str, workdays: _Days, holidays: _Days, problem: str) -> None:
        rest = _only_days(holidays)
        for n, day in workdays:
            if day in rest:
                self.note(f"{field}[{n}]", problem, day.isoformat())

    def years(self, value: Any) -> dict[int, YearCalendar]:
        if not isinstance(value, Mapping):
            self.note("years", 'must be an object of years, e.g. {"2027": {"holidays": [...]}}', value)
            return {}
        loaded = {}
        for key, spec in value.items():
            year = self.year(str(key), spec)
            if year is not None:
                loaded[year.year] = year
        return loaded

    def year(self, key: str, spec: Any) -> YearCalendar | None:
        field = f"years.{key}"
        number = int(key) if _YEAR.fullmatch(key) else None
        if number is None or number not in _RANGE:
            self.note(field, f"is not a year within {_RANGE_TEXT}", key)
            return None
        if not isinstance(spec, Mapping):
            self.note(field, "must be an object with holidays and workdays", spec)
            return None
        for name in spec:
            if name not in _YEAR_FIELDS:
                self.note(f"{field}.{name}", "is not a calendar year field")
        within = range(number, number + 1)
        holidays = self.days(f"{field}.holidays", spec.get("holidays", []), within, _NOT_IN_YEAR)
        workdays = self.days(f"{field}.workdays", spec.get("workdays", []), within, _NOT_IN_YEAR)
        self.clash(f"{field}.workdays", workdays, holidays, "is also a holiday")
        return YearCalendar(number, _only_days(holidays), _only_days(workdays))


_OUTSIDE = f"is outside the calendar's range {_RANGE_TEXT}"
_NOT_IN_YEAR = "is not in {year}"


def _strict_date(value: Any) -> dt.date | None:
    """A date written exactly YYYY-MM-DD (fromisoformat alone also takes 20270101 and 2027-W01)."""
    if not (isinstance(value, str) and _DAY.fullmatch(value)):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _only_days(found: _Days) -> frozenset[dt.date]:
    return frozenset(day for _, day in found)


def _iso_days(days: Iterable[dt.date]) -> list[str]:
    return sorted(d.isoformat() for d in days)


def _hhmm(t: dt.time) -> str:
    return t.isoformat(timespec="minutes")


class WorkCalendar:
    """Working days, office hours and O(1) working-time arithmetic over a precomputed index."""

    def __init__(self, source: HolidaySource, settings: CalendarSettings | None = None) -> None:
        self.settings = settings or CalendarSettings()
        self.source = source
        self.tz = ZoneInfo(self.settings.time_zone)
        self._open = _seconds(self.settings.office_open)
        self._close = _seconds(self.settings.office_close)
        if self._close <= self._open:
            raise ValueError("office hours must close after they open")
        self.day_seconds = self._close - self._open
        # A zone whose offset never changes over the range (Asia/Shanghai since 1992) maps instants
        # to local days by arithmetic instead of a zone lookup per call.
        self._fixed_offset = _constant_offset(self.tz)
        self._fixed_delta = None if self._fixed_offset is None else dt.timedelta(seconds=self._fixed_offset)
        # Answers carry the shared fixed-offset zone when there is one, so they compare fast with
        # instants from records (see instants.py); otherwise the zone itself.
        self._answer_tz: dt.tzinfo = self.tz if self._fixed_offset is None else fixed_zone(self._fixed_offset)
        self._first = dt.date(_RANGE_FIRST_YEAR, 1, 1).toordinal()
        self._first_epoch_day = self._first - _EPOCH_ORDINAL
        last = dt.date(_RANGE_LAST_YEAR, 12, 31).toordinal()
        self._covered = frozenset(source.covered_years) | frozenset(self.settings.loaded_years)
        self._is_work = [self._decide(dt.date.fromordinal(o)) for o in range(self._first, last + 1)]
        self._before: list[int] = [0] * (len(self._is_work) + 1)
        self._work_days: list[int] = []
        for i, working in enumerate(self._is_work):
            self._before[i + 1] = self._before[i] + working
            if working:
                self._work_days.append(self._first + i)
        # Limits end at a close far more often than anywhere else: keep those instants ready.
        self._work_closes = [self._at(o, self._close) for o in self._work_days]

    @property
    def version(self) -> str:
        return self.settings.version

    # -- days --------------------------------------------------------------------------------

    def _decide(self, day: dt.date) -> bool:
        s = self.settings
        if day in s.extra_holidays:
            return False
        if day in s.extra_workdays:
            return True
        loaded = s.loaded_years.get(day.year)
        if loaded is not None:
            return _official(day, loaded.holidays, loaded.workdays)
        return _official(day, self.source.holidays, self.source.workdays)

    def _index(self, day: dt.date) -> int:
        i = day.toordinal() - self._first
        if not 0 <= i < len(self._is_work):
            raise CalendarRangeError(f"{day} is outside the calendar's range")
        return i

    def is_working_day(self, day: dt.date) -> bool:
        return self._is_work[self._index(day)]

    @property
    def covered_years(self) -> list[int]:
        """The years whose official calendar is known, from the source or loaded by the city."""
        return sorted(self._covered)

    def is_covered(self, year: int) -> bool:
        """True when the year's official calendar is known (from the source or loaded by the city)."""
        return year in self._covered

    def uncovered_years_between(self, start: dt.datetime, end: dt.datetime) -> list[int]:
        first, last = self.local_date(start).year, self.local_date(end).year
        return [y for y in range(first, last + 1) if y not in self._covered]

    def uncovered_years_ahead(self, now: dt.datetime, days: int) -> list[int]:
        """Years the next `days` calendar days touch that count weekends only: warn before they bite."""
        first, last = self.local(now).year, self.local(now + dt.timedelta(days=days)).year
        return [y for y in range(first, last + 1) if y not in self._covered]

    # -- instants and positions --------------------------------------------------------------

    def local(self, instant: dt.datetime) -> dt.datetime:
        if instant.tzinfo is None:
            raise ValueError("instants must carry a UTC offset")
        return instant.astimezone(self.tz)

    def _day_and_second(self, instant: dt.datetime) -> tuple[int, int]:
        """Index of the instant's local day in the range, and the local second of that day."""
        if (
            instant.tzinfo is self.tz
            or instant.tzinfo is self._answer_tz
            or (self._fixed_delta is not None and instant.utcoffset() == self._fixed_delta)
        ):  # the fields are already local time: no conversion
            i = instant.toordinal() - self._first
            if not 0 <= i < len(self._is_work):
                raise CalendarRangeError(f"{instant} is outside the calendar's range")
            return i, instant.hour * 3600 + instant.minute * 60 + instant.second
        if self._fixed_offset is not None and instant.tzinfo is not None:
            days, second = divmod(int(instant.timestamp()) + self._fixed_offset, 86400)
            i = days - self._first_epoch_day
            if not 0 <= i < len(self._is_work):
                raise CalendarRangeError(f"{instant} is outside the calendar's range")
            return i, second
        local = self.local(instant)
        return self._index(local.date()), local.hour * 3600 + local.minute * 60 + local.second

    def local_date(self, instant: dt.datetime) -> dt.date:
        i, _ = self._day_and_second(instant)
        return dt.date.fromordinal(self._first + i)

    def position(self, instant: dt.datetime) -> int:
        """Working seconds from the start of the range to `instant` (flat outside office hours)."""
        i, second = self._day_and_second(instant)
        base = self._before[i] * self.day_seconds
        if not self._is_work[i]:
            return base
        return base + min(max(second - self._open, 0), self.day_seconds)

    def instant(self, position: int) -> dt.datetime:
        """The earliest instant whose working position is `position` (a close, not the next open)."""
        days, rest = divmod(position, self.day_seconds)
        if rest == 0 and days > 0:
            return self._work_closes[days - 1]
        if days >= len(self._work_days):
            raise CalendarRangeError("position beyond the calendar's range")
        return self._at(self._work_days[days], self._open + rest)

    def _at(self, ordinal: int, seconds: int) -> dt.datetime:
        naive = _EPOCH + dt.timedelta(days=ordinal - _EPOCH_ORDINAL, seconds=seconds)
        return naive.replace(tzinfo=self._answer_tz)

    def close_of(self, day: dt.date) -> dt.datetime:
        return self._at(day.toordinal(), self._close)

    def counting_start(self, start: dt.datetime) -> int:
        """Working position where counting begins: the day of the start itself is not counted."""
        i, _ = self._day_and_second(start)
        return self._before[i + 1] * self.day_seconds

    # -- limits ------------------------------------------------------------------------------

    def add_working_days(
        self, start: dt.datetime, days: float, pauses: Sequence[Interval] = ()
    ) -> dt.datetime:
        """The instant at which `days` working days after `start` end, pauses not counted."""
        if not pauses and type(days) is int and self._fixed_offset is not None and start.tzinfo is not None:
            # The hot path (a whole number of days, no pause) is one lookup: N closes later.
            tz = start.tzinfo
            if tz is self._answer_tz or tz is self.tz or start.utcoffset() == self._fixed_delta:
                i = start.toordinal() - self._first
            else:
                i = (int(start.timestamp()) + self._fixed_offset) // 86400 - self._first_epoch_day
            if 0 <= i < len(self._is_work):
                k = self._before[i + 1] + days
                if 0 < k <= len(self._work_closes):
                    return self._work_closes[k - 1]
        begin = self.counting_start(start)
        due = begin + round(days * self.day_seconds)
        if pauses:
            due = _extend(begin, due, self.merged_positions(pauses))
        return self.instant(due)

    def working_deadlines(
        self, start: dt.datetime, days: Sequence[float], pauses: Sequence[Interval] = ()
    ) -> list[dt.datetime]:
        """Several working-day limits from one start at once (the pauses are placed only once)."""
        begin = self.counting_start(start)
        spans = self.merged_positions(pauses)
        return [self.instant(_extend(begin, begin + round(d * self.day_seconds), spans)) for d in days]

    def shift_working(self, instant: dt.datetime, days: float) -> dt.datetime:
        """Move an instant by working time (negative moves back), e.g. for "2 days before"."""
        return self.instant(max(0, self.position(instant) + round(days * self.day_seconds)))

    def add_natural_days(
        self,
        start: dt.datetime,
        days: float,
        pauses: Sequence[Interval] = (),
        roll_to_working_day: bool = True,
    ) -> dt.datetime:
        """The instant at which `days` natural days after `start` end, pauses not counted.

        The limit ends at the close of office hours of the last day; a last day that is not a
        working day moves to the next working day (Civil Code art. 203).
        """
        local_start = self.local(start)
        begin = dt.datetime.combine(local_start.date() + dt.timedelta(days=1), dt.time(), self.tz)
        due = self.close_of(local_start.date() + dt.timedelta(days=int(days))) + dt.timedelta(
            days=days - int(days)
        )
        for a, b in _merged((self.local(p), self.local(q)) for p, q in pauses if q > p):
            if a >= due:
                break
            due += max(dt.timedelta(0), b - max(a, begin))
        if roll_to_working_day:
            i = self._index(due.date())
            if not self._is_work[i]:
                nxt = self._work_days[self._before[i + 1]]
                due = self._at(nxt, self._close)
        return due

    def add(
        self, start: dt.datetime, value: float, unit: str, pauses: Sequence[Interval] = ()
    ) -> dt.datetime:
        """Add a limit given as (value, unit), unit "G" working days or "Z" natural days."""
        if unit == "G":
            return self.add_working_days(start, value, pauses)
        if unit == "Z":
            return self.add_natural_days(start, value, pauses)
        raise ValueError(f"unknown limit unit {unit!r}")

    # -- elapsed time ------------------------------------------------------------------------

    def working_seconds_between(
        self, start: dt.datetime, end: dt.datetime, pauses: Sequence[Interval] = ()
    ) -> int:
        """Working seconds from `start` to `end` (negative if end is earlier), pauses removed."""
        a, b = self.position(start), self.position(end)
        lo, hi = min(a, b), max(a, b)
        paused = sum(max(0, min(hi, q) - max(lo, p)) for p, q in self.merged_positions(pauses))
        return (b - a) - (paused if b >= a else -paused)

    def working_days_between(
        self, start: dt.datetime, end: dt.datetime, pauses: Sequence[Interval] = ()
    ) -> float:
        return self.working_seconds_between(start, end, pauses) / self.day_seconds

    def paused_working_seconds(self, pauses: Sequence[Interval], start: dt.datetime) -> int:
        """Working seconds of the pauses that fall after counting began at `start`."""
        begin = self.counting_start(start)
        return sum(max(0, b - max(a, begin)) for a, b in self.merged_positions(pauses))

    def merged_positions(self, pauses: Sequence[Interval]) -> list[tuple[int, int]]:
        if not pauses:
            return []
        return _merged((self.position(a), self.position(b)) for a, b in pauses if b > a)


def _official(day: dt.date, holidays: frozenset[dt.date], workdays: frozenset[dt.date]) -> bool:
    if day in workdays:
        return True
    if day in holidays:
        return False
    return day.weekday() < 5


def _extend(begin: int, due: int, spans: list[tuple[int, int]]) -> int:
    """Push a due position later by the paused working time that falls before it."""
    for a, b in spans:
        if a >= due:
            break
        due += max(0, b - max(a, begin))
    return due


def _constant_offset(tz: dt.tzinfo) -> int | None:
    """The zone's UTC offset in seconds if it is the same all over the range, else None."""
    offsets = {
        tz.utcoffset(dt.datetime(year, month, 1, 12))
        for year in range(_RANGE_FIRST_YEAR, _RANGE_LAST_YEAR + 1)
        for month in (1, 4, 7, 10)
    }
    if len(offsets) != 1 or None in offsets:
        return None
    (offset,) = offsets
    return int(offset.total_seconds()) if offset is not None else None


def _seconds(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _merged(spans: Iterable[tuple[_T, _T]]) -> list[tuple[_T, _T]]:
    """Merge overlapping spans into sorted disjoint ones."""
    out: list[tuple[_T, _T]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out
