"""The local gateway turns HTTP requests into API Gateway events and answers as API Gateway would."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sunlight.app import spec
from sunlight.devtools.local.gateway import Gateway, Request, Router, policy_allows
from sunlight.devtools.local.invoker import FunctionRuntime, Invoker

pytestmark = pytest.mark.integration

API = FunctionRuntime("sunlight-local-api", "fake_api.handler.handler", {"SUNLIGHT_TABLE_CASES": "cases-t"})
AUTHORIZER = FunctionRuntime(
    "sunlight-local-authorizer",
    "fake_authorizer.handler.handler",
    {"SUNLIGHT_TABLE_PRINCIPALS": "principals-t"},
)


@pytest.fixture
def gateway(functions_dir: Path) -> Gateway:
    return Gateway(Invoker(functions_dir), API, AUTHORIZER, port=0, public_rate=0.001, public_burst=2)


@pytest.fixture
def served(gateway: Gateway) -> Iterator[Gateway]:
    with gateway:
        yield gateway


def http(
    url: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any, bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_a_request_becomes_a_proxy_event_with_the_authorizers_context(served: Gateway) -> None:
    status, headers, body = http(
        f"{served.url}/v1/cases/C%2D1?level=red&level=yellow&q=",
        headers={"x-api-key": "good", "X-Trace": "t1"},
    )

    assert status == 201
    assert headers["X-Fake"] == "yes"
    assert headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    answer = json.loads(body)
    assert answer["table"] == "cases-t"  # the api function's environment
    event = answer["event"]
    # As on AWS (REST APIs): the path as sent, the path parameters decoded.
    assert (event["httpMethod"], event["path"], event["resource"]) == (
        "GET",
        "/v1/cases/C%2D1",
        "/v1/cases/{case_no}",
    )
    assert event["pathParameters"] == {"case_no": "C-1"}
    assert event["queryStringParameters"] == {"level": "yellow", "q": ""}
    assert event["multiValueQueryStringParameters"] == {"level": ["red", "yellow"], "q": [""]}
    assert {k.lower(): v for k, v in event["headers"].items()}["x-api-key"] == "good"
    assert {k.lower(): v for k, v in event["multiValueHeaders"].items()}["x-trace"] == ["t1"]
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["stage"] == "local"
    assert context["resourcePath"] == "/v1/cases/{case_no}"
    assert context["httpMethod"] == "GET"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["requestId"] == headers["x-amzn-RequestId"]
    authorizer = context["authorizer"]
    assert authorizer["principalId"] == "D1"
    assert {k: authorizer[k] for k in ("role", "dept_code", "level", "active", "table")} == {
        "role": "department",
        "dept_code": "D1",
        "level": "3",  # API Gateway hands the integration strings
        "active": "true",
        "table": "principals-t",  # the authorizer function's environment
    }
    assert authorizer["method_arn"].endswith(":sunlightlocal/local/GET/v1/cases/C%2D1")


def test_a_post_body_is_passed_as_text(gateway: Gateway) -> None:
    payload = json.dumps({"records": [{"case_no": "C1"}]}, ensure_ascii=False).encode()

    response = gateway.handle(
        Request("POST", "/v1/records", [("x-api-key", "good"), ("Content-Type", "application/json")], payload)
    )

    event = response.json()["event"]
    assert (event["resource"], event["body"], event["isBase64Encoded"]) == (
        "/v1/records",
        payload.decode(),
        False,
    )
    assert event["queryStringParameters"] is None and event["pathParameters"] is None


def test_401_without_a_key_and_the_api_is_not_called(served: Gateway) -> None:
    status, headers, body = http(f"{served.url}/v1/items")

    assert status == 401
    assert json.loads(body) == {"message": "Unauthorized"}
    assert headers["Content-Type"] == "application/json"


def test_403_when_the_policy_denies(gateway: Gateway) -> None:
    response = gateway.handle(Request("GET", "/v1/items", [("x-api-key", "deny")]))

    assert response.status == 403
    assert "explicit deny" in response.json()["Message"]


def test_a_cached_policy_is_evaluated_against_each_new_method(gateway: Gateway) -> None:
    first = gateway.handle(Request("GET", "/v1/items", [("x-api-key", "narrow")]))
    second = gateway.handle(Request("GET", "/v1/alerts", [("x-api-key", "narrow")]))

    assert (first.status, second.status) == (201, 403)  # the first answer named only GET /v1/items


def test_500_when_the_authorizer_itself_fails(gateway: Gateway) -> None:
    response = gateway.handle(Request("GET", "/v1/items", [("x-api-key", "broken")]))

    assert response.status == 500
    assert ("x-amzn-ErrorType", "AuthorizerConfigurationException") in response.headers


def test_a_public_route_skips_the_authorizer_and_is_rate_limited_per_client(gateway: Gateway) -> None:
    first, second, third = (gateway.handle(Request("GET", "/v1/openapi.json")) for _ in range(3))
    other_client = gateway.handle(Request("GET", "/v1/openapi.json", source_ip="10.0.0.9"))

    assert (first.status, second.status, third.status, other_client.status) == (201, 201, 429, 201)
    assert "authorizer" not in first.json()["event"]["requestContext"]


def test_unknown_routes_are_404_and_wrong_methods_405(gateway: Gateway) -> None:
    assert gateway.handle(Request("GET", "/v2/nothing")).status == 404
    wrong = gateway.handle(Request("DELETE", "/v1/items", [("x-api-key", "good")]))
    assert wrong.status == 405
    assert ("Allow", "GET") in wrong.headers


def test_a_failing_or_malformed_api_answer_is_502(gateway: Gateway) -> None:
    for case_no in ("boom", "malformed"):
        response = gateway.handle(Request("GET", f"/v1/cases/{case_no}", [("x-api-key", "good")]))
        assert response.status == 502
        assert response.json() == {"message": "Internal server error"}


def test_a_base64_answer_is_decoded(served: Gateway) -> None:
    status, _, body = http(f"{served.url}/v1/cases/binary", headers={"x-api-key": "good"})

    assert status == 200
    assert body == bytes(range(256))


def test_the_cors_preflight_is_answered_without_the_functions(gateway: Gateway) -> None:
    response = gateway.handle(Request("OPTIONS", "/v1/records"))

    assert response.status == 204
    assert ("Access-Control-Allow-Methods", "POST,OPTIONS") in response.headers


def test_every_spec_route_is_served() -> None:
    router = Router(spec.ROUTES)
    for route in spec.ROUTES:
        path = route.path.replace("{", "x").replace("}", "")
        match = router.match(route.method, path)
        assert match is not None and match.route == route


def test_policy_evaluation_lets_an_explicit_deny_win() -> None:
    arn = "arn:aws:execute-api:us-east-1:123456789012:api/local/GET/v1/items"
    allow = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*:*:api/*"}
    deny = {"Effect": "Deny", "Action": "execute-api:*", "Resource": [arn]}

    assert policy_allows({"Statement": [allow]}, arn)
    assert not policy_allows({"Statement": [allow, deny]}, arn)
    assert not policy_allows({"Statement": [{**allow, "Resource": "arn:other"}]}, arn)
