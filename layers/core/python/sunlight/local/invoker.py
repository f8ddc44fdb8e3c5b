"""Run the real Lambda handlers in this process, as Lambda would: with the function's environment,
a context object, JSON in and out, and an exception reported as a function error.

`Invoker` imports `functions/<folder>/handler.py` by the handler string of `sunlight.spec`
("rule_check.handler.handler" is module `rule_check.handler` under `functions/`, attribute
`handler`). `in_process_lambda` puts it behind moto's Lambda (the Docker-less backend), so Step
Functions' Lambda tasks, and any `lambda:Invoke`, run the real handler; the local gateway calls it
directly.

The environment is process-wide, so a call applies its function's variables for its whole duration:
calls that need the same environment run together, a call that needs another one waits until they
finish (fairly: newcomers queue behind it). A call that waits longer than its function's timeout
fails, as a Lambda past its timeout would, instead of deadlocking.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import threading
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sunlight import spec

log = logging.getLogger("sunlight.local.invoker")

RUNTIME = "python3.12"
FUNCTIONS_DIR = spec.ROOT / "functions"


@dataclass(frozen=True)
class FunctionRuntime:
    """What a handler call needs from a deployed function."""

    name: str
    handler: str
    environment: Mapping[str, str] = field(default_factory=dict)
    arn: str = ""
    memory_mb: int = 512
    timeout_s: int = 29


class HandlerError(Exception):
    """A handler call failed; `payload` is the error object Lambda would return."""

    def __init__(self, error_type: str, message: str, stack: list[str] | None = None) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message
        self.payload: dict[str, Any] = {
            "errorMessage": message,
            "errorType": error_type,
            "stackTrace": stack or [],
        }


@dataclass
class LambdaContext:
    """The parts of Lambda's context object that handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_s: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    identity: Any = None
    client_context: Any = None
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"local/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class _EnvironmentGate:
    """Applies one environment at a time to `os.environ`, shared by every call that needs it."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._current: tuple[tuple[str, str], ...] | None = None
        self._users = 0
        self._waiting: Counter[tuple[tuple[str, str], ...]] = Counter()
        self._saved: dict[str, str | None] = {}

    def _may_enter(self, key: tuple[tuple[str, str], ...]) -> bool:
        if self._users == 0:
            return True
        others_waiting = any(n for k, n in self._waiting.items() if k != key)
        return self._current == key and not others_waiting

    @contextmanager
    def applied(self, env: Mapping[str, str], timeout_s: float) -> Iterator[None]:
        key = tuple(sorted(env.items()))
        with self._cond:
            self._waiting[key] += 1
            try:
                entered = self._cond.wait_for(lambda: self._may_enter(key), timeout_s)
            finally:
                self._waiting[key] -= 1
                if not self._waiting[key]:
                    del self._waiting[key]
            if not entered:
                raise HandlerError(
                    "Sandbox.Timedout",
                    f"waited {timeout_s:.0f} s for another function's call to finish (a nested synchronous "
                    "invocation of a different function cannot run in the local mode)",
                )
            if self._users == 0:
                self._saved = {name: os.environ.get(name) for name in env}
                os.environ.update(env)
                self._current = key
            self._users += 1
        try:
            yield
        finally:
            with self._cond:
                self._users -= 1
                if self._users == 0:
                    for name, value in self._saved.items():
                        if value is None:
                            os.environ.pop(name, None)
                        else:
                            os.environ[name] = value
                    self._current, self._saved = None, {}
                    self._cond.notify_all()


_GATE = _EnvironmentGate()
_IMPORT_LOCK = threading.RLock()


def lambda_environment(fn: FunctionRuntime) -> dict[str, str]:
    """The variables Lambda would set for `fn`: its own, plus the runtime's reserved ones."""
    env = {
        "AWS_LAMBDA_FUNCTION_NAME": fn.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{fn.name}",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{RUNTIME}",
        "_HANDLER": fn.handler,
        # Not set by Lambda: X-Ray has no daemon here, and Powertools' tracer would try to reach one.
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    env.update(fn.environment)
    return env


class Invoker:
    """Imports handlers from `functions_dir` and calls them as Lambda would."""

    def __init__(self, functions_dir: Path = FUNCTIONS_DIR) -> None:
        self.functions_dir = Path(functions_dir).resolve()

    def invoke(self, fn: FunctionRuntime, event: Any) -> Any:
        """Call `fn`'s handler with `event`; its JSON result, or `HandlerError`."""
        context = LambdaContext(fn.name, fn.arn, fn.memory_mb, fn.timeout_s)
        started = time.monotonic()
        with _GATE.applied(lambda_environment(fn), timeout_s=max(fn.timeout_s, 1)):
            handler = self.load(fn.handler)
            try:
                result = handler(json.loads(json.dumps(event)), context)
            except Exception as exc:
                frames = traceback.extract_tb(exc.__traceback__)[1:]  # from the handler down, as Lambda shows
                log.warning("%s failed: %s", fn.name, "".join(traceback.format_exception(exc)).rstrip())
                raise HandlerError(type(exc).__name__, str(exc), traceback.format_list(frames)) from exc
        log.debug("%s ran in %.0f ms", fn.name, (time.monotonic() - started) * 1000)
        try:
            return json.loads(json.dumps(result))
        except (TypeError, ValueError) as exc:
            raise HandlerError("Runtime.MarshalError", f"Unable to marshal response: {exc}") from exc

    def invoke_payload(self, fn: FunctionRuntime, payload: bytes | str | None) -> tuple[bytes, bool]:
        """Lambda's Invoke on raw bytes: (response payload, True if it is a function error)."""
        try:
            event = json.loads(payload) if payload else {}
        except ValueError as exc:
            error = HandlerError("InvalidRequestContentException", f"Could not parse request body: {exc}")
            return json.dumps(error.payload).encode(), True
        try:
            return json.dumps(self.invoke(fn, event)).encode(), False
        except HandlerError as exc:
            return json.dumps(exc.payload).encode(), True

    def load(self, handler: str) -> Callable[[Any, Any], Any]:
        """The callable named by a handler string, imported from `functions_dir`."""
        module_name, _, attribute = handler.rpartition(".")
        if not module_name:
            raise HandlerError("Runtime.MalformedHandlerName", f"Bad handler '{handler}': not enough values")
        with _IMPORT_LOCK:
            self._put_first_on_path()
            self._forget_foreign(module_name.split(".")[0])
            try:
                module = importlib.import_module(module_name)
            except Exception as exc:
                raise HandlerError(
                    "Runtime.ImportModuleError",
                    f"Unable to import module '{module_name}' from {self.functions_dir}: {exc}",
                    traceback.format_exception(exc),
                ) from exc
        function = getattr(module, attribute, None)
        if not callable(function):
            raise HandlerError(
                "Runtime.HandlerNotFound", f"Handler '{attribute}' missing on module '{module_name}'"
            )
        return function  # type: ignore[no-any-return]

    def _put_first_on_path(self) -> None:
        entry = str(self.functions_dir)
        if sys.path[:1] != [entry]:
            if entry in sys.path:
                sys.path.remove(entry)
            sys.path.insert(0, entry)
            importlib.invalidate_caches()

    def _forget_foreign(self, top: str) -> None:
        """Drop a cached `top` package imported from another functions folder (tests use several)."""
        module = sys.modules.get(top)
        if module is None:
            return
        locations = [getattr(module, "__file__", None) or "", *list(getattr(module, "__path__", []))]
        if any(str(loc).startswith(str(self.functions_dir)) for loc in locations if loc):
            return
        for name in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
            del sys.modules[name]


# -- moto's Lambda ----------------------------------------------------------------------------------

_ACTIVE: list[Invoker] = []  # installed invokers; the last one serves moto's Lambda
_ORIGINAL: dict[str, Any] = {}


def _runtime_of(moto_function: Any) -> FunctionRuntime:
    return FunctionRuntime(
        name=moto_function.function_name,
        handler=moto_function.handler or "",
        environment=dict(moto_function.environment_vars or {}),
        arn=moto_function.function_arn,
        memory_mb=int(moto_function.memory_size or 128),
        timeout_s=int(moto_function.timeout or 3),
    )


def _moto_invoke(
    backend: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
) -> bytes:
    """Replaces `LambdaSimpleBackend.invoke`: run the function's real handler."""
    invoker = _ACTIVE[-1]
    fn = _runtime_of(backend.get_function(function_name, qualifier))
    if (headers.get("X-Amz-Invocation-Type") or headers.get("x-amz-invocation-type")) == "Event":
        threading.Thread(target=invoker.invoke_payload, args=(fn, body), daemon=True).start()
        return b""
    payload, failed = invoker.invoke_payload(fn, body)
    if failed:
        response_headers["x-amz-function-error"] = "Unhandled"
    response_headers["Content-Length"] = str(len(payload))
    return payload


def install(invoker: Invoker) -> None:
    """Make moto's Docker-less Lambda backend run handlers through `invoker`."""
    from moto.awslambda_simple.models import LambdaSimpleBackend

    with _IMPORT_LOCK:
        if not _ACTIVE:
            _ORIGINAL["invoke"] = LambdaSimpleBackend.invoke
            LambdaSimpleBackend.invoke = _moto_invoke  # type: ignore[method-assign, assignment]
        _ACTIVE.append(invoker)


def uninstall(invoker: Invoker) -> None:
    from moto.awslambda_simple.models import LambdaSimpleBackend

    with _IMPORT_LOCK:
        if invoker in _ACTIVE:
            _ACTIVE.remove(invoker)
        if not _ACTIVE and "invoke" in _ORIGINAL:
            LambdaSimpleBackend.invoke = _ORIGINAL.pop("invoke")  # type: ignore[method-assign]


@contextmanager
def in_process_lambda(functions_dir: Path = FUNCTIONS_DIR) -> Iterator[Invoker]:
    """moto's Lambda runs the handlers under `functions_dir` while the block runs.

    Works with the local server and with `mock_aws(config={"lambda": {"use_docker": False}, ...})`.
    """
    invoker = Invoker(functions_dir)
    install(invoker)
    try:
        yield invoker
    finally:
        uninstall(invoker)
