"""One error hierarchy, one mapping to HTTP: every error answered by its own status, in each API's words.

The bodies below are the answers the two APIs gave before the mapping was one, byte for byte.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from typing import Annotated, Any, cast

import pytest
import sunlight
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel
from sunlight.approval.domain.records import problems_of
from sunlight.approval.service.judgement import VersionConflict
from sunlight.citizens.service import TooManyLookups
from sunlight.kernel import access as principal
from sunlight.kernel import errors, errors_http
from sunlight.kernel.errors import (
    CalendarRangeError,
    InvalidCalendar,
    InvalidRecord,
    InvalidRuleConfig,
    Problem,
    SunlightError,
)

pytestmark = pytest.mark.unit
PROBLEMS = [Problem("a", "is wrong", "v"), Problem("b", "is missing")]
PROBLEMS_JSON = (
    '"problems":[{"field":"a","problem":"is wrong","got":"v"},'
    '{"field":"b","problem":"is missing","got":null}]'
)


class Teapot(SunlightError):
    """A new error: declares its status, registers nothing."""

    code = "Teapot"
    status = 418


class Unplaced(SunlightError):
    """A new error nobody gave a status."""

    code = "Unplaced"


class Model(BaseModel):
    x: int


RAISED: dict[str, SunlightError] = {
    "unauthorized": principal.Unauthorized("no principal on the request"),
    "forbidden": principal.Forbidden("not yours"),
    "conflict": principal.Conflict("该投诉正在处理"),
    "version-conflict": VersionConflict("taken"),
    "not-found": principal.NotFound("case C1"),
    "invalid-record": InvalidRecord(PROBLEMS, {"case_no": "C1"}),
    "invalid-calendar": InvalidCalendar(PROBLEMS),
    "invalid-rules": InvalidRuleConfig(PROBLEMS),
    "too-many": TooManyLookups("case C1: too many failed look-ups this minute"),
    "teapot": Teapot("short and stout"),
    "unplaced": Unplaced("a detail of ours"),
    "calendar-range": CalendarRangeError("2061-01-01 is outside the calendar's range"),
}


def resolver(wording: errors_http.Wording) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True)
    errors_http.register(app, problems_of, wording)

    @app.get("/raise/<kind>")
    def raise_(kind: str) -> dict[str, Any]:
        if kind == "pydantic":
            Model.model_validate({"x": "nope"})
        raise RAISED[kind]

    @app.post("/model")
    def model(body: Annotated[Model, Body()]) -> dict[str, Any]:
        return {}

    @app.get("/query")
    def query(n: Annotated[int, Query(ge=1)] = 1) -> dict[str, Any]:
        return {}

    return app


def answered(
    app: APIGatewayRestResolver,
    method: str,
    path: str,
    body: str | None = None,
    query: dict[str, str] | None = None,
) -> tuple[int, str]:
    event = {
        "httpMethod": method,
        "path": path,
        "resource": path,
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()},
        "pathParameters": None,
        "isBase64Encoded": False,
        "body": body,
        "requestContext": {
            "requestId": "r1",
            "stage": "t",
            "httpMethod": method,
            "identity": {"sourceIp": "1"},
        },
    }
    response = app.resolve(event, cast(Any, {}))
    assert response["multiValueHeaders"]["Content-Type"] == ["application/json"]
    return int(response["statusCode"]), str(response["body"])


def raised(app: APIGatewayRestResolver, kind: str) -> tuple[int, str]:
    return answered(app, "GET", f"/raise/{kind}")


def escaped(text: str) -> str:
    return json.dumps(text)[1:-1]


EXCHANGE_BEFORE = {
    "unauthorized": (401, '{"error":"Unauthorized","message":"no principal on the request"}'),
    "forbidden": (403, '{"error":"Forbidden","message":"not yours"}'),
    "conflict": (409, '{"error":"Conflict","message":"' + escaped("该投诉正在处理") + '"}'),
    "version-conflict": (409, '{"error":"Conflict","message":"taken"}'),
    "not-found": (404, '{"error":"NotFound","message":"case C1"}'),
    "invalid-record": (
        422,
        '{"error":"InvalidInput","message":"a: is wrong (got \'v\'); b: is missing (got None)",'
        + PROBLEMS_JSON
        + "}",
    ),
    "invalid-calendar": (
        422,
        '{"error":"InvalidCalendar","message":"a: is wrong (got \'v\'); b: is missing",'
        + PROBLEMS_JSON
        + "}",
    ),
    "invalid-rules": (
        422,
        '{"error":"InvalidRuleConfig","message":"a: is wrong (got \'v\'); b: is missing",'
        + PROBLEMS_JSON
        + "}",
    ),
    "pydantic": (
        422,
        '{"error":"InvalidInput","message":"the request body is not valid","problems":[{"field":"x",'
        '"problem":"input should be a valid integer, unable to parse string as an integer","got":"nope"}]}',
    ),
}


@pytest.mark.parametrize("kind", sorted(EXCHANGE_BEFORE))
def test_the_exchange_api_answers_every_error_as_it_did(kind: str) -> None:
    assert raised(resolver(errors_http.EXCHANGE), kind) == EXCHANGE_BEFORE[kind]


def test_the_exchange_api_leaves_request_validation_to_powertools() -> None:
    app = resolver(errors_http.EXCHANGE)
    assert answered(app, "POST", "/model", '{"x": "a"}') == (
        422,
        '{"statusCode":422,"detail":[{"loc":["body","x"],"type":"int_parsing"}]}',
    )
    assert answered(app, "GET", "/query", query={"n": "0"}) == (
        422,
        '{"statusCode":422,"detail":[{"loc":["query","n"],"type":"greater_than_equal"}]}',
    )


INVALID_ZH = escaped("请求内容不正确")
PUBLIC_BEFORE = {
    "conflict": (409, '{"error":"Conflict","message":"' + escaped("该投诉正在处理") + '"}'),
    "version-conflict": (409, '{"error":"Conflict","message":"taken"}'),
    "too-many": (429, '{"found":false,"message":"' + escaped("查询过于频繁，请稍后再试") + '"}'),
    "invalid-record": (422, '{"error":"InvalidInput","message":"' + INVALID_ZH + '",' + PROBLEMS_JSON + "}"),
    "pydantic": (
        422,
        '{"error":"InvalidInput","message":"' + INVALID_ZH + '","problems":[{"field":"x",'
        '"problem":"input should be a valid integer, unable to parse string as an integer","got":"nope"}]}',
    ),
}


@pytest.mark.parametrize("kind", sorted(PUBLIC_BEFORE))
def test_the_public_api_answers_every_error_as_it_did(kind: str) -> None:
    assert raised(resolver(errors_http.PUBLIC), kind) == PUBLIC_BEFORE[kind]


def test_the_public_api_answers_request_validation_in_its_own_words() -> None:
    app = resolver(errors_http.PUBLIC)
    assert answered(app, "POST", "/model", '{"x": "a"}') == (
        422,
        '{"error":"InvalidInput","message":"' + INVALID_ZH + '","problems":[{"field":"x",'
        '"problem":"Input should be a valid integer, unable to parse string as an integer","got":"a"}]}',
    )
    assert answered(app, "POST", "/model", "{bad") == (
        422,
        '{"error":"InvalidInput","message":"' + INVALID_ZH + '","problems":[{"field":"1",'
        '"problem":"JSON decode error","got":null}]}',
    )
    assert answered(app, "GET", "/query", query={"n": "0"}) == (
        422,
        '{"error":"InvalidInput","message":"' + INVALID_ZH + '","problems":[{"field":"n",'
        '"problem":"Input should be greater than or equal to 1","got":"0"}]}',
    )


@pytest.mark.parametrize("wording", [errors_http.EXCHANGE, errors_http.PUBLIC])
def test_a_new_error_is_answered_by_its_own_status_without_registering(wording: errors_http.Wording) -> None:
    assert raised(resolver(wording), "teapot") == (418, '{"error":"Teapot","message":"short and stout"}')


@pytest.mark.parametrize("kind", ["unplaced", "calendar-range"])
def test_an_error_without_a_status_is_a_500_that_tells_nothing_of_the_fault(kind: str) -> None:
    status, body = raised(resolver(errors_http.EXCHANGE), kind)
    assert status == 500
    assert json.loads(body) == {"error": RAISED[kind].error, "message": errors_http.FAULT_MESSAGE}


def test_the_status_is_the_errors_whatever_the_api() -> None:
    for kind, error in RAISED.items():
        exchange, public = (
            errors_http.answer(error, errors_http.EXCHANGE),
            errors_http.answer(error, errors_http.PUBLIC),
        )
        assert exchange[0] == public[0] == error.status, kind


def test_one_hierarchy_the_access_errors_are_the_domains() -> None:
    """The use cases import the access errors from sunlight.kernel.access, as they always did."""
    assert principal.NotFound is errors.NotFound and principal.Conflict is errors.Conflict
    assert principal.Forbidden is errors.Forbidden and principal.Unauthorized is errors.Unauthorized
    assert {e.status for e in (errors.Unauthorized, errors.Forbidden, errors.NotFound, errors.Conflict)} == {
        401,
        403,
        404,
        409,
    }
    assert issubclass(TooManyLookups, SunlightError) and TooManyLookups.status == 429
    assert InvalidRecord.code == "InvalidRecord" and InvalidRecord(PROBLEMS).error == "InvalidInput"


# Errors that are faults of ours (or of a provider), answered 500 and logged, on the API's 5XX alarm.
SERVER_FAULTS = {"TextFailed", "ComplaintRefused", "CalendarRangeError"}


def test_every_error_of_the_package_says_its_status_or_is_a_known_server_fault() -> None:
    """A new error class must say how it is answered: a 4xx status, or a place on the faults list."""
    for found in pkgutil.walk_packages(sunlight.__path__, "sunlight."):
        if ".devtools" not in found.name:
            importlib.import_module(found.name)

    def descendants(kind: type[SunlightError]) -> list[type[SunlightError]]:
        return [d for sub in kind.__subclasses__() for d in (sub, *descendants(sub))]

    ours = [kind for kind in descendants(SunlightError) if kind.__module__.startswith("sunlight.")]
    faults = {kind.__name__ for kind in ours if kind.status >= 500}
    assert faults == SERVER_FAULTS
