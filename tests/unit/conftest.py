"""Fixtures for the pure tier: one official calendar for the session, no network, no AWS."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from sunlight.kernel.calendar import HolidaySource, WorkCalendar


@pytest.fixture(scope="session")
def calendar() -> WorkCalendar:
    return WorkCalendar(HolidaySource.chinese_calendar())


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The unit tier must not touch the network: any socket connection fails the test."""

    def refuse(*_: Any, **__: Any) -> None:
        raise AssertionError("unit tests must not open network connections")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    yield
