"""The local API Gateway: an HTTP server on 127.0.0.1 that does what the REST API does in the cloud.

Each request is matched against `spec.ROUTES`. A route that is not public needs the `x-api-key`
header (the authorizer's identity source: 401 without it) and goes to the "authorizer" function as a
REQUEST authorizer event; an `Unauthorized` exception is a 401, a policy that does not allow the
method is a 403, anything else wrong with the authorizer is a 500, as API Gateway answers. Answers
are cached per key for 5 minutes, as in the stack, and a cached policy is evaluated against each new
method ARN. Then the request becomes a Lambda-proxy (REST, v1) event for the function named by
the route (`route.function`: "public" for /public/..., else "api"; "api" if no such function was
given), with the authorizer's context in `requestContext.authorizer` (its values turned into
strings, as API Gateway does), and the function's answer is written back; a failing or malformed
answer is a 502. Public routes are rate-limited per client with a token bucket.

The citizens' portal (the repository's `portal/` folder) is served as static files at `/` (its
`index.html`) and `/portal/...`, with the security headers CloudFront adds in the cloud.
`Gateway.handle` does all of it without sockets; `Gateway.start` serves it.
"""

from __future__ import annotations

import base64
import datetime as dt
import fnmatch
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from sunlight.app import spec
from sunlight.devtools.local.cloud import ACCOUNT_ID, HOST, REGION
from sunlight.devtools.local.invoker import FunctionRuntime, HandlerError, Invoker

log = logging.getLogger("sunlight.devtools.local.gateway")

DEFAULT_PORT = 8080
API_ID = "sunlightlocal"
MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit
CORS_HEADERS = "Content-Type,X-Api-Key,Authorization"
IDENTITY_HEADER = "x-api-key"
"""The authorizer's identity source, as in the stack: without it API Gateway answers 401 itself."""
AUTHORIZER_CACHE_S = 300.0
"""The stack caches an authorizer's answer per identity for 5 minutes; so does the local gateway."""
PORTAL_DIR = spec.ROOT / "portal"
PORTAL_PREFIX = "/portal"
PORTAL_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}
"""What the portal serves, by extension; anything else in the folder (its README) is a 404."""
SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
)


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # path and query as sent, e.g. "/v1/alerts?level=red"
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    source_ip: str = "127.0.0.1"


@dataclass(frozen=True)
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def _error(status: int, body: dict[str, Any], *headers: tuple[str, str]) -> Response:
    return Response(status, [("Content-Type", "application/json"), *headers], json.dumps(body).encode())


@dataclass(frozen=True)
class Match:
    route: spec.Route
    path_parameters: dict[str, str]


class Router:
    """Finds the route template (`/v1/cases/{case_no}`) that a method and path belong to."""

    def __init__(self, routes: Iterable[spec.Route] = spec.ROUTES) -> None:
        self._routes = [(self._compile(r.path), r) for r in routes]

    @staticmethod
    def _compile(template: str) -> re.Pattern[str]:
        parts = re.split(r"(\{[A-Za-z_][A-Za-z0-9_]*\+?\})", template)
        pattern = ""
        for part in parts:
            if part.startswith("{"):
                name = part.strip("{}+")
                pattern += f"(?P<{name}>.+)" if part.endswith("+}") else f"(?P<{name}>[^/]+)"
            else:
                pattern += re.escape(part)
        return re.compile(f"^{pattern}$")

    def match(self, method: str, path: str) -> Match | None:
        for pattern, route in self._routes:
            found = pattern.match(path)
            if found and route.method == method:
                return Match(route, {k: unquote(v) for k, v in found.groupdict().items()})
        return None

    def methods(self, path: str) -> list[str]:
        """The methods some route serves at `path` (empty: no such resource)."""
        return sorted({route.method for pattern, route in self._routes if pattern.match(path)})


class TokenBucket:
    """Per-client token buckets: `rate` requests a second on average, bursts up to `burst`."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, last refill)
        self._lock = threading.Lock()

    def take(self, client: str) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            allowed = tokens >= 1
            self._buckets[client] = (tokens - 1 if allowed else tokens, now)
            return allowed


class AuthorizerConfigurationError(Exception):
    """The authorizer failed or answered something API Gateway cannot use (a 500)."""


def _statement_matches(statement: dict[str, Any], method_arn: str) -> bool:
    def listed(value: Any) -> list[str]:
        return [value] if isinstance(value, str) else [str(v) for v in value or []]

    actions = listed(statement.get("Action"))
    if not any(fnmatch.fnmatchcase("execute-api:Invoke", a) for a in actions):
        return False
    return any(fnmatch.fnmatchcase(method_arn, r) for r in listed(statement.get("Resource")))


def policy_allows(policy: Any, method_arn: str) -> bool:
    """IAM evaluation of an authorizer's policy document for one method: an explicit Deny wins."""
    if not isinstance(policy, dict) or not isinstance(policy.get("Statement"), list | dict):
        raise AuthorizerConfigurationError("the authorizer's answer has no policyDocument.Statement")
    statements = policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]
    matching = [s for s in statements if isinstance(s, dict) and _statement_matches(s, method_arn)]
    if any(s.get("Effect") == "Deny" for s in matching):
        return False
    return any(s.get("Effect") == "Allow" for s in matching)


def context_values(context: Any) -> dict[str, str]:
    """An authorizer's context as the integration sees it: strings, numbers and booleans, stringified."""
    if context is None:
        return {}
    if not isinstance(context, dict):
        raise AuthorizerConfigurationError("the authorizer's context is not an object")
    values: dict[str, str] = {}
    for key, value in context.items():
        if isinstance(value, dict | list):
            raise AuthorizerConfigurationError(
                f"authorizer context value {key!r} is not a string, number or boolean"
            )
        values[key] = (
            ("true" if value else "false") if isinstance(value, bool) else "" if value is None else str(value)
        )
    return values


class Gateway:
    """Turns HTTP requests into API Gateway events for the local functions, in this process."""

    def __init__(
        self,
        invoker: Invoker,
        api: FunctionRuntime,
        authorizer: FunctionRuntime | None,
        *,
        port: int = DEFAULT_PORT,
        stage: str = "local",
        routes: Iterable[spec.Route] = spec.ROUTES,
        # The cloud stage's default throttle of the citizens' routes (infra StageConfig.portal_throttle).
        public_rate: float = 20.0,
        public_burst: int = 40,
        identity_header: str | None = IDENTITY_HEADER,
        authorizer_cache_s: float = AUTHORIZER_CACHE_S,
        functions: Mapping[str, FunctionRuntime] | None = None,
        portal_dir: Path | None = PORTAL_DIR,
    ) -> None:
        self.invoker, self.api, self.authorizer = invoker, api, authorizer
        self.functions = dict(functions or {})
        self.portal_dir = portal_dir
        self.identity_header, self.authorizer_cache_s = identity_header, authorizer_cache_s
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}  # identity -> (expiry, answer)
        self._cache_lock = threading.Lock()
        self.port, self.stage = port, stage
        self.router = Router(routes)
        self.limiter = TokenBucket(public_rate, public_burst)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def method_arn(self, method: str, path: str) -> str:
        return f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{self.stage}/{method}{path}"

    # -- one request ------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        started = time.monotonic()
        response = self._handle(request, request_id)
        response = Response(
            response.status, [*response.headers, ("x-amzn-RequestId", request_id)], response.body
        )
        log.info(
            "%s %s -> %d (%.0f ms)",
            request.method,
            request.target,
            response.status,
            (time.monotonic() - started) * 1000,
        )
        return response

    def _handle(self, request: Request, request_id: str) -> Response:
        if len(request.body) > MAX_BODY:
            return _error(413, {"message": "Request Too Long"})
        path = urlsplit(request.target).path
        if len(path) > 1:
            path = path.rstrip("/")
        method = request.method.upper()
        if self.portal_dir is not None and (
            path in ("/", PORTAL_PREFIX) or path.startswith(PORTAL_PREFIX + "/")
        ):
            return self.static(method, path)
        allowed = self.router.methods(path)
        if not allowed:
            return _error(404, {"message": "Not Found", "path": path})
        if method == "OPTIONS":  # the CORS preflight API Gateway answers itself
            return Response(
                204,
                [
                    ("Access-Control-Allow-Origin", "*"),
                    ("Access-Control-Allow-Methods", ",".join([*allowed, "OPTIONS"])),
                    ("Access-Control-Allow-Headers", CORS_HEADERS),
                    ("Access-Control-Max-Age", "600"),
                ],
                b"",
            )
        match = self.router.match(method, path)
        if match is None:
            return _error(405, {"message": "Method Not Allowed"}, ("Allow", ", ".join(allowed)))
        event = self.proxy_event(request, match, request_id)
        if match.route.access == "public":
            if not self.limiter.take(request.source_ip):
                return _error(429, {"message": "Too Many Requests"})
        else:
            denied = self._authorize(event)
            if denied is not None:
                return denied
        try:
            answer = self.invoker.invoke(self.function_for(match.route), event)
        except HandlerError:
            return _error(502, {"message": "Internal server error"})
        return self._write(answer)

    def function_for(self, route: spec.Route) -> FunctionRuntime:
        """The function behind a route: the one it names, or "api" if no such function was given."""
        return self.functions.get(route.function) or self.functions.get("api") or self.api

    def static(self, method: str, path: str) -> Response:
        """A file of the portal: `/` and `/portal` are its index.html, `/portal/x` is portal/x."""
        assert self.portal_dir is not None
        if method not in ("GET", "HEAD"):
            return Response(
                405,
                [("Content-Type", "text/plain; charset=utf-8"), ("Allow", "GET, HEAD"), *SECURITY_HEADERS],
                b"Method Not Allowed",
            )
        relative = unquote(path[len(PORTAL_PREFIX) :].lstrip("/")) if path != "/" else ""
        root = self.portal_dir.resolve()
        file = (root / (relative or "index.html")).resolve()
        content_type = PORTAL_TYPES.get(file.suffix.lower())
        if content_type is None or not file.is_relative_to(root) or not file.is_file():
            return Response(
                404, [("Content-Type", "text/plain; charset=utf-8"), *SECURITY_HEADERS], b"Not Found"
            )
        headers = [("Content-Type", content_type), ("Cache-Control", "no-cache"), *SECURITY_HEADERS]
        return Response(200, headers, file.read_bytes())

    def _authorize(self, event: dict[str, Any]) -> Response | None:
        """Runs the authorizer; None if the request may go on (its context now in `event`)."""
        if self.authorizer is None:
            return _error(500, {"message": None}, ("x-amzn-ErrorType", "AuthorizerConfigurationException"))
        method_arn = self.method_arn(event["httpMethod"], event["path"])
        auth_event = {
            "type": "REQUEST",
            "methodArn": method_arn,
            **{k: event[k] for k in ("resource", "path", "httpMethod", "headers", "multiValueHeaders")},
            **{k: event[k] for k in ("queryStringParameters", "multiValueQueryStringParameters")},
            "pathParameters": event["pathParameters"] or {},
            "stageVariables": {},
            "requestContext": {k: v for k, v in event["requestContext"].items() if k != "authorizer"},
        }
        identity = None
        if self.identity_header is not None:
            lower = {k.lower(): v for k, v in (event["headers"] or {}).items()}
            identity = lower.get(self.identity_header.lower())
            if not identity:
                return _error(401, {"message": "Unauthorized"}, ("x-amzn-ErrorType", "UnauthorizedException"))
        started = time.monotonic()
        try:
            answer = self._cached(identity)
            if answer is None:
                answer = self.invoker.invoke(self.authorizer, auth_event)
                if not isinstance(answer, dict):
                    raise AuthorizerConfigurationError("the authorizer's answer is not an object")
                self._remember(identity, answer)
            allowed = policy_allows(answer.get("policyDocument"), method_arn)
            context = context_values(answer.get("context"))
        except HandlerError as exc:
            if exc.message == "Unauthorized":
                return _error(401, {"message": "Unauthorized"}, ("x-amzn-ErrorType", "UnauthorizedException"))
            return _error(500, {"message": None}, ("x-amzn-ErrorType", "AuthorizerConfigurationException"))
        except AuthorizerConfigurationError as exc:
            log.warning("authorizer: %s", exc)
            return _error(500, {"message": None}, ("x-amzn-ErrorType", "AuthorizerConfigurationException"))
        if not allowed:
            return _error(
                403,
                {"Message": "User is not authorized to access this resource with an explicit deny"},
                ("x-amzn-ErrorType", "AccessDeniedException"),
            )
        event["requestContext"]["authorizer"] = {
            "principalId": str(answer.get("principalId", "")),
            "integrationLatency": int((time.monotonic() - started) * 1000),
            **context,
        }
        return None

    def _cached(self, identity: str | None) -> dict[str, Any] | None:
        """The authorizer's answer for `identity` while it is cached (its policy is evaluated anew
        against each request's method ARN, as API Gateway does: a policy naming only the first
        method denies the others)."""
        if identity is None or self.authorizer_cache_s <= 0:
            return None
        with self._cache_lock:
            expiry, answer = self._cache.get(identity, (0.0, {}))
            return answer if expiry > time.monotonic() else None

    def _remember(self, identity: str | None, answer: dict[str, Any]) -> None:
        if identity is not None and self.authorizer_cache_s > 0:
            with self._cache_lock:
                self._cache[identity] = (time.monotonic() + self.authorizer_cache_s, answer)

    def proxy_event(self, request: Request, match: Match, request_id: str) -> dict[str, Any]:
        """The Lambda-proxy event (REST API, payload v1) for `request`."""
        split = urlsplit(request.target)
        headers: dict[str, str] = {}
        multi_headers: dict[str, list[str]] = {}
        for name, value in request.headers:
            headers[name] = value
            multi_headers.setdefault(name, []).append(value)
        query: dict[str, str] = {}
        multi_query: dict[str, list[str]] = {}
        for name, value in parse_qsl(split.query, keep_blank_values=True):
            query[name] = value
            multi_query.setdefault(name, []).append(value)
        body: str | None = None
        encoded = False
        if request.body:
            try:
                body = request.body.decode("utf-8")
            except UnicodeDecodeError:
                body, encoded = base64.b64encode(request.body).decode(), True
        lower = {k.lower(): v for k, v in headers.items()}
        now = dt.datetime.now(dt.UTC)
        path = split.path.rstrip("/") if len(split.path) > 1 else split.path
        return {
            "resource": match.route.path,
            "path": path,
            "httpMethod": match.route.method,
            "headers": headers or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": query or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": match.path_parameters or None,
            "stageVariables": None,
            "requestContext": {
                "accountId": ACCOUNT_ID,
                "apiId": API_ID,
                "domainName": lower.get("host", f"{HOST}:{self.port}"),
                "domainPrefix": HOST,
                "extendedRequestId": request_id,
                "httpMethod": match.route.method,
                "identity": {
                    "sourceIp": request.source_ip,
                    "userAgent": lower.get("user-agent"),
                    "apiKey": None,
                    "accessKey": None,
                    "accountId": None,
                    "caller": None,
                    "user": None,
                    "userArn": None,
                },
                "path": f"/{self.stage}{path}",
                "protocol": "HTTP/1.1",
                "requestId": request_id,
                "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "requestTimeEpoch": int(now.timestamp() * 1000),
                "resourceId": match.route.path,
                "resourcePath": match.route.path,
                "stage": self.stage,
            },
            "body": body,
            "isBase64Encoded": encoded,
        }

    @staticmethod
    def _write(answer: Any) -> Response:
        """The HTTP response for a proxy integration's answer (502 if API Gateway would reject it)."""
        if not isinstance(answer, dict) or not isinstance(answer.get("statusCode"), int):
            log.warning(
                "the api function's answer is not a proxy response (no integer statusCode): %.200r", answer
            )
            return _error(502, {"message": "Internal server error"})
        headers: list[tuple[str, str]] = []
        multi = answer.get("multiValueHeaders") or {}
        for name, values in multi.items():
            headers += [(name, str(v)) for v in values]
        for name, value in (answer.get("headers") or {}).items():
            if name not in multi:
                headers.append((name, str(value)))
        raw = answer.get("body")
        if raw is None:
            body = b""
        elif answer.get("isBase64Encoded"):
            body = base64.b64decode(raw)
        else:
            body = str(raw).encode("utf-8")
        hop = {"content-length", "transfer-encoding", "connection"}
        return Response(answer["statusCode"], [h for h in headers if h[0].lower() not in hop], body)

    # -- serving ----------------------------------------------------------------------------------

    def start(self) -> Gateway:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "SunlightLocalGateway/1"

            def _serve(self) -> None:
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    self._send(_error(411, {"message": "Length Required"}))
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(
                    self.command, self.path, list(self.headers.items()), body, self.client_address[0]
                )
                self._send(gateway.handle(request))

            def _send(self, response: Response) -> None:
                self.send_response(response.status)
                for name, value in response.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(response.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

            def log_message(self, format: str, *args: Any) -> None:
                log.debug(format, *args)

        try:
            server = ThreadingHTTPServer((HOST, self.port), Handler)
        except OSError as exc:
            raise OSError(f"cannot serve the API on {HOST}:{self.port} ({exc.strerror}); try --port") from exc
        server.daemon_threads = True
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="sunlight-gateway", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Gateway:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
