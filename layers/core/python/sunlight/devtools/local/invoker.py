"""Run the real Lambda handlers in this process, as Lambda would: with the function's environment,
a context object, JSON in and out, and an exception reported as a function error.

`Invoker` imports `functions/<folder>/handler.py` by the handler string of `sunlight.app.spec`
("rule_check.handler.handler" is module `rule_check.handler` under `functions/`, attribute
`handler`). `in_process_lambda` puts it behind moto's Lambda (the Docker-less backend), so Step
Functions' Lambda tasks, and any `lambda:Invoke`, run the real handler; the local gateway calls it
directly.

Each function runs one call at a time, as if it had one execution environment: its handler module
(a Powertools resolver, a logger) holds per-request state that concurrent calls would share here.
Different functions run concurrently, so their environments cannot take turns in `os.environ`:
`os.environ` gets a per-invocation layer (a context variable; the first `invoke` installs it, and
outside an invocation it reads and writes the real environment unchanged). A handler sees its
function's variables over the process's (endpoint, credentials, region), and what it writes stays in
its invocation. Threads that a handler starts see the process's environment only.
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
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sunlight.app import spec

log = logging.getLogger("sunlight.devtools.local.invoker")

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


_IMPORT_LOCK = threading.RLock()
_LAYER: ContextVar[dict[str, str | None] | None] = ContextVar("sunlight_invocation_environment", default=None)


class InvocationEnviron(MutableMapping[str, str]):
    """`os.environ` with the current invocation's variables on top (None marks a deleted one)."""

    def __init__(self, base: MutableMapping[str, str]) -> None:
        self.base = base

    def __getitem__(self, key: str) -> str:
        layer = _LAYER.get()
        if layer is not None and key in layer:
            value = layer[key]
            if value is None:
                raise KeyError(key)
            return value
        return self.base[key]

    def __setitem__(self, key: str, value: str) -> None:
        layer = _LAYER.get()
        if layer is None:
            self.base[key] = value
        else:
            layer[key] = value

    def __delitem__(self, key: str) -> None:
        layer = _LAYER.get()
        if layer is None:
            del self.base[key]
            return
        if key not in self:
            raise KeyError(key)
        layer[key] = None

    def __iter__(self) -> Iterator[str]:
        layer = _LAYER.get()
        if layer is None:
            return iter(list(self.base))
        keys = [k for k in self.base if k not in layer]
        return iter(keys + [k for k, v in layer.items() if v is not None])

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def copy(self) -> dict[str, str]:
        return dict(self)

    def __or__(self, other: Mapping[str, str]) -> dict[str, str]:
        return {**self, **other}

    def __repr__(self) -> str:
        return f"InvocationEnviron({dict(self)!r})"


def install_environment_layer() -> None:
    """Put `InvocationEnviron` in place of `os.environ` (once; transparent outside invocations)."""
    with _IMPORT_LOCK:
        if not isinstance(os.environ, InvocationEnviron):
            # Replacing, not clearing, is the point (B003): the real environment stays underneath.
            os.environ = InvocationEnviron(os.environ)  # type: ignore[assignment]  # noqa: B003


_FUNCTION_LOCKS: dict[str, threading.Lock] = {}
QUEUE_TIMEOUT_S = 300.0
"""How long a call waits for its function's previous call before failing as throttled."""


def _function_lock(name: str) -> threading.Lock:
    with _IMPORT_LOCK:
        return _FUNCTION_LOCKS.setdefault(name, threading.Lock())


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
        install_environment_layer()
        lock = _function_lock(fn.name)
        if not lock.acquire(timeout=QUEUE_TIMEOUT_S):
            raise HandlerError(
                "Lambda.TooManyRequestsException",
                f"{fn.name} was busy for {QUEUE_TIMEOUT_S:.0f} s (the local mode runs one call per function)",
            )
        try:
            return self._call(fn, event)
        finally:
            lock.release()

    def _call(self, fn: FunctionRuntime, event: Any) -> Any:
        started = time.monotonic()
        layer = _LAYER.set(dict[str, str | None](lambda_environment(fn)))
        try:
            handler = self.load(fn.handler)
            context = LambdaContext(fn.name, fn.arn, fn.memory_mb, fn.timeout_s)
            try:
                result = handler(json.loads(json.dumps(event)), context)
            except Exception as exc:
                frames = traceback.extract_tb(exc.__traceback__)[1:]  # from the handler down, as Lambda shows
                log.warning("%s failed: %s", fn.name, "".join(traceback.format_exception(exc)).rstrip())
                raise HandlerError(type(exc).__name__, str(exc), traceback.format_list(frames)) from exc
        finally:
            _LAYER.reset(layer)
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
            self._forget_foreign(module_name)
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

    def _forget_foreign(self, module_name: str) -> None:
        """Drop a cached handler package imported from another functions folder (the tests use
        several, and pytest puts the real `functions/` on the path)."""
        module = sys.modules.get(module_name)
        if module is not None:
            foreign = not self._ours(getattr(module, "__file__", None))
        else:
            package = sys.modules.get(module_name.split(".", maxsplit=1)[0])
            paths = list(getattr(package, "__path__", [])) if package is not None else []
            foreign = package is not None and not any(self._ours(p) for p in paths)
        if foreign:
            top = module_name.split(".", maxsplit=1)[0]
            for name in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
                del sys.modules[name]

    def _ours(self, location: str | None) -> bool:
        return bool(location) and Path(str(location)).resolve().is_relative_to(self.functions_dir)


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
