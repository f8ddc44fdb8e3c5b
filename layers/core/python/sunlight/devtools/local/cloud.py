"""The local cloud: moto's server on 127.0.0.1, set up to execute state machines and run Lambda
functions without Docker, and the process environment pointed at it.

`LocalCloud.start()` sets `AWS_ENDPOINT_URL`, dummy credentials, the region and `MOTO_PORT` before
anything creates a client, so every boto3 client and pynamodb model made afterwards (in the
handlers too) talks to moto. `stop()` shuts the server, resets moto's state and configuration, and
gives the environment back as it was, so tests that use `mock_aws` in the same process are unaffected.
Nothing here connects at import time.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import socket
import urllib.request
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

REGION = "us-east-1"
"""The one region of the local mode (moto's best-covered one; ARNs stay in the `aws` partition)."""
ACCOUNT_ID = "123456789012"
"""moto's default account: every ARN the local mode builds names it."""
HOST = "127.0.0.1"
DEFAULT_PORT = 4566
MOTO_CONFIG: dict[str, Any] = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}

_QUIET = {"werkzeug": logging.WARNING, "moto": logging.CRITICAL, "urllib3.connectionpool": logging.ERROR}
_ENV_OWNED = (
    "MOTO_PORT",
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_PROFILE",
)


class CloudError(RuntimeError):
    """The local cloud could not start (port taken, server failed)."""


def client(service: str) -> Any:
    """A boto3 client for `service` in the local region, endpoint taken from `AWS_ENDPOINT_URL`."""
    import boto3  # type: ignore[import-untyped, unused-ignore]

    return boto3.client(service, region_name=os.environ.get("AWS_DEFAULT_REGION", REGION))


def port_is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


@dataclass
class LocalCloud:
    """moto's `ThreadedMotoServer` on 127.0.0.1:`port` (0 picks a free port)."""

    port: int = DEFAULT_PORT
    quiet: bool = True
    _server: Any = field(default=None, init=False, repr=False)
    _saved_env: dict[str, str | None] = field(default_factory=dict, init=False, repr=False)
    _saved_config: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _saved_levels: dict[str, int] = field(default_factory=dict, init=False, repr=False)

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> LocalCloud:
        if self.running:
            return self
        if self.port and not port_is_free(self.port):
            raise CloudError(
                f"port {self.port} on {HOST} is already in use (another `sunlight run`, or LocalStack?); "
                "stop it or choose another port with --cloud-port"
            )
        from moto.server import ThreadedMotoServer

        if self.quiet:
            # One line per request, and moto's dump of a failed state's parse tree, drown the console;
            # the invoker already logs a failing handler with its traceback.
            for name, level in _QUIET.items():
                self._saved_levels[name] = logging.getLogger(name).level
                logging.getLogger(name).setLevel(level)
        server = ThreadedMotoServer(ip_address=HOST, port=self.port, verbose=False)
        server.start()
        self._server = server
        self.port = server.get_host_and_port()[1]
        self._point_environment_here()
        from moto.core.config import default_user_config

        self._saved_config = copy.deepcopy({k: default_user_config.get(k, {}) for k in MOTO_CONFIG})
        self._moto_api("config", MOTO_CONFIG)
        return self

    def stop(self) -> None:
        if not self.running:
            return
        with contextlib.suppress(OSError):
            self._moto_api("reset", {})
            self._moto_api("config", self._saved_config)
        server, self._server = self._server, None
        server.stop()
        server._server.server_close()  # ThreadedMotoServer.stop() leaves the socket bound
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env = {}
        for name, level in self._saved_levels.items():
            logging.getLogger(name).setLevel(level)
        self._saved_levels = {}

    def reset(self) -> None:
        """Forget every resource (moto's `/moto-api/reset`); the configuration stays."""
        self._moto_api("reset", {})

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _point_environment_here(self) -> None:
        self._saved_env = {name: os.environ.get(name) for name in _ENV_OWNED}
        os.environ.pop("AWS_PROFILE", None)  # a profile could name real credentials or another endpoint
        os.environ.update(
            {
                "MOTO_PORT": str(self.port),  # moto's Step Functions calls Lambda at localhost:MOTO_PORT
                "AWS_ENDPOINT_URL": self.endpoint,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_SESSION_TOKEN": "testing",
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
            }
        )

    def _moto_api(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET (no body) or POST `/moto-api/<path>`; returns the JSON answer ({} if none)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.endpoint}/moto-api/{path}",
            data=data,
            method="GET" if data is None else "POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
        try:
            answer = json.loads(raw) if raw else {}
        except ValueError:
            return {}
        return answer if isinstance(answer, dict) else {}
