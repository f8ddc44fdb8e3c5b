"""Waiting on the local mode: one generous limit for every wait, and a message naming what was awaited.

The limit is `SUNLIGHT_TEST_WAIT_SECONDS` (default 240 s): far above what any wait takes on an idle
machine, so a slow or loaded one (CI on two shared cores) does not fail a test that would pass.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
WAIT_SECONDS = float(os.environ.get("SUNLIGHT_TEST_WAIT_SECONDS", "240"))


def wait_for(predicate: Callable[[], T], what: str, poll: float = 0.3) -> T:
    """The first truthy value of `predicate`; fails naming `what` after `WAIT_SECONDS`."""
    deadline = time.monotonic() + WAIT_SECONDS
    last: T = predicate()
    while not last:
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {WAIT_SECONDS:g} s for {what}; last seen: {last!r}")
        time.sleep(poll)
        last = predicate()
    return last
