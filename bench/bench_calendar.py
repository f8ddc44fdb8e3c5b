"""Benchmark: WorkCalendar's indexed arithmetic against the day-by-day reference.

Measures, in one process and over the same seeded random starts, the median time per call of
`add_working_days` for a 20-working-day limit (the Licensing Law's default) and of
`working_seconds_between`, for the calendar and for tests/unit/naive_calendar.py. The target is a
speedup of at least 50x for 20-day limits.

    .venv/bin/python bench/bench_calendar.py [--quick]
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo

from sunlight.kernel.calendar import HolidaySource, WorkCalendar

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 20
SEED = 20260929
WINDOW = (dt.date(2024, 12, 1), dt.date(2026, 11, 30))
# Holiday breaks the starts lean toward (a limit that spans one is the costly case for the walk).
BREAKS = [dt.date(2025, 1, 28), dt.date(2025, 10, 1), dt.date(2026, 2, 15), dt.date(2026, 10, 1)]


def _naive() -> ModuleType:
    path = str(ROOT / "tests" / "unit")
    if path not in sys.path:
        sys.path.insert(0, path)
    return importlib.import_module("naive_calendar")


def _starts(count: int, tz: ZoneInfo) -> list[tuple[dt.datetime, dt.datetime]]:
    """Seeded (start, end) pairs: starts in 2024-12..2026-11, half of them near a holiday break."""
    rng = random.Random(SEED)
    span = (WINDOW[1] - WINDOW[0]).days
    out = []
    for _ in range(count):
        if rng.random() < 0.5:
            day = rng.choice(BREAKS) + dt.timedelta(days=rng.randint(-30, 8))
        else:
            day = WINDOW[0] + dt.timedelta(days=rng.randint(0, span))
        start = dt.datetime.combine(day, dt.time(), tzinfo=tz) + dt.timedelta(seconds=rng.randint(0, 86399))
        out.append((start, start + dt.timedelta(seconds=rng.randint(0, 40 * 86400))))
    return out


def _per_call_us(call: Callable[[], object], calls: int, repeats: int) -> float:
    """Median over `repeats` runs of the mean time per call, in microseconds."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) / calls * 1e6)
    return statistics.median(times)


def run(quick: bool = False) -> dict[str, float]:
    naive = _naive()
    cal = WorkCalendar(HolidaySource.chinese_calendar())
    pairs = _starts(500 if quick else 3000, cal.tz)
    starts: Sequence[dt.datetime] = [a for a, _ in pairs]
    fast_repeats, naive_repeats = (3, 1) if quick else (21, 5)

    # Same answers first: a fast wrong calendar is no result.
    for a, b in pairs:
        if cal.add_working_days(a, LIMIT) != naive.add_working_days(cal, a, LIMIT):
            raise AssertionError(f"add_working_days disagrees with the reference from {a}")
        if cal.working_seconds_between(a, b) != naive.working_seconds_between(cal, a, b):
            raise AssertionError(f"working_seconds_between disagrees with the reference on {a}..{b}")

    def add() -> None:
        for a in starts:
            cal.add_working_days(a, LIMIT)

    # Instants as parsed from exchange records carry a fixed +08:00 offset, not the zone object.
    parsed = [a.astimezone(dt.timezone(dt.timedelta(hours=8))) for a in starts]

    def add_parsed() -> None:
        for a in parsed:
            cal.add_working_days(a, LIMIT)

    def naive_add() -> None:
        for a in starts:
            naive.add_working_days(cal, a, LIMIT)

    def between() -> None:
        for a, b in pairs:
            cal.working_seconds_between(a, b)

    def naive_between() -> None:
        for a, b in pairs:
            naive.working_seconds_between(cal, a, b)

    n = len(pairs)
    out = {
        "add_20_working_days_us": _per_call_us(add, n, fast_repeats),
        "add_20_working_days_parsed_us": _per_call_us(add_parsed, n, fast_repeats),
        "naive_add_20_working_days_us": _per_call_us(naive_add, n, naive_repeats),
        "between_us": _per_call_us(between, n, fast_repeats),
        "naive_between_us": _per_call_us(naive_between, n, naive_repeats),
    }
    out["speedup_add"] = out["naive_add_20_working_days_us"] / out["add_20_working_days_us"]
    out["speedup_add_parsed"] = out["naive_add_20_working_days_us"] / out["add_20_working_days_parsed_us"]
    out["speedup_between"] = out["naive_between_us"] / out["between_us"]
    out["calls"] = float(n)
    return out


def _table(result: dict[str, float]) -> str:
    rows = [
        (
            "add_working_days, 20 days",
            "add_20_working_days_us",
            "naive_add_20_working_days_us",
            "speedup_add",
        ),
        (
            "  same, +08:00 parsed instants",
            "add_20_working_days_parsed_us",
            "naive_add_20_working_days_us",
            "speedup_add_parsed",
        ),
        ("working_seconds_between", "between_us", "naive_between_us", "speedup_between"),
    ]
    lines = [
        f"{int(result['calls'])} seeded starts, median time per call",
        f"{'operation':<28}{'calendar us':>13}{'naive us':>11}{'speedup':>10}",
    ]
    for name, fast, slow, speedup in rows:
        lines.append(f"{name:<28}{result[fast]:>13.2f}{result[slow]:>11.1f}{result[speedup]:>9.0f}x")
    return "\n".join(lines)


if __name__ == "__main__":
    print(_table(run(quick="--quick" in sys.argv[1:])))
