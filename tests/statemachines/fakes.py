"""What the state machines' functions do in this tier: a script the test writes, read by stand-in handlers.

`handlers/sm_<function>/handler.py` are the stand-ins (moto's Lambda runs them in-process through the
repo's invoker); each hands its event to `SCRIPT.call`, which records it and answers with the test's
`Behaviour` for that function: a result, or an error under the name Step Functions will see (the
`errorType` of a Lambda function error is the exception's class name, as in the Lambda runtime).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

Behaviour = Callable[[dict[str, Any], int], Any]
"""(event, how many calls with the same key came before) -> the handler's result, or raise."""


def error(name: str, message: str = "") -> Exception:
    """An exception whose class is called `name` (dots allowed: "Lambda.ServiceException")."""
    kind: type[Exception] = type(name, (Exception,), {})
    return kind(message or f"scripted {name}")


def fails(name: str, message: str = "") -> Behaviour:
    """A behaviour that fails on every call with the error `name`."""

    def behaviour(event: dict[str, Any], before: int) -> Any:
        raise error(name, message)

    return behaviour


class Script:
    """Per function: its behaviour, and every event it got (in order), grouped by a key of the event."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.behaviours: dict[str, Behaviour] = {}
        self.keys: dict[str, Callable[[dict[str, Any]], str]] = {}
        self.calls: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.by_key: dict[tuple[str, str], int] = defaultdict(int)

    def on(
        self, function: str, behaviour: Behaviour, key: Callable[[dict[str, Any]], str] = lambda e: ""
    ) -> None:
        self.behaviours[function], self.keys[function] = behaviour, key

    def call(self, function: str, event: dict[str, Any]) -> Any:
        with self._lock:
            self.calls[function].append(event)
            key = (function, self.keys[function](event))
            before = self.by_key[key]
            self.by_key[key] += 1
        return self.behaviours[function](event, before)

    def reset(self) -> None:
        with self._lock:
            self.behaviours.clear()
            self.keys.clear()
            self.calls.clear()
            self.by_key.clear()


SCRIPT = Script()
