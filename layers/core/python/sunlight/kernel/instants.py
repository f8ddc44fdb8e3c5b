"""Shared fixed-offset time zones, so that instants from records and from the calendar compare fast.

Two aware datetimes with the *same* tzinfo object compare field by field; with different tzinfo
objects every comparison asks both for their UTC offsets. Records (parsed by pydantic), receipt
times and calendar answers therefore all use one `datetime.timezone` object per offset.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache


@lru_cache(maxsize=64)
def fixed_zone(offset_seconds: int) -> dt.timezone:
    return dt.timezone(dt.timedelta(seconds=offset_seconds))


def normalised(instant: dt.datetime) -> dt.datetime:
    """The same instant, its offset carried by the shared zone for that offset."""
    offset = instant.utcoffset()
    if offset is None:
        return instant
    return instant.replace(tzinfo=fixed_zone(int(offset.total_seconds())))
