"""Domain events: what a use case says happened, and the in-process bus the composition root
subscribes listeners to (the scoring context tallies from them; no write path calls it).

In-process rather than DynamoDB Streams: a tally is posted in the same invocation as the write that
caused it (a case view and its department's counts agree at once, locally and in the cloud alike),
with no stream, no second function and no ordering or replay to manage; a listener that fails is
logged and the nightly recompute and drift check put its tally right.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sunlight.kernel.observability import child_logger

logger = child_logger()
E = TypeVar("E")


class Events(Protocol):
    def publish(self, event: object) -> None: ...


@dataclass
class Bus:
    """Calls each listener of an event's type, in the order they subscribed."""

    listeners: dict[type, list[Callable[[Any], object]]] = field(default_factory=lambda: defaultdict(list))

    def subscribe(self, kind: type[E], listener: Callable[[E], object]) -> None:
        self.listeners[kind].append(listener)

    def publish(self, event: object) -> None:
        for listener in self.listeners.get(type(event), ()):
            try:
                listener(event)
            except Exception:  # the write stands; the nightly recompute mends what a listener missed
                logger.exception("event listener failed", extra={"event": type(event).__name__})
