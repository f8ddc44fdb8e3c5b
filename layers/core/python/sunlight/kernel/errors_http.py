"""HTTP answers for errors: one mapping from error to status, for both APIs.

Every `SunlightError` carries its status and public code (`sunlight.kernel.errors`); `answer` turns
any of them into (status, body) from those alone, and `register` installs it once on a Powertools
resolver, with the validation errors pydantic and Powertools raise. Nothing here names an error
class, so a new one is answered with its own status without anyone registering it.

The APIs differ in wording only, never in status (`Wording`): the exchange API says what is wrong in
English; the citizens' API answers every invalid input with one Chinese sentence, and answers
Powertools' own request validation in the same shape (the exchange API leaves that to Powertools).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import ValidationError

from sunlight.kernel.errors import InvalidRecord, Problem, SunlightError, UnreadableBody
from sunlight.kernel.observability import child_logger

logger = child_logger()

INVALID_INPUT = InvalidRecord.public_code or InvalidRecord.code
FAULT_MESSAGE = "the request could not be completed; the fault is logged"


@dataclass(frozen=True)
class Wording:
    """How one API words its error answers (the status is the error's, whatever the API)."""

    invalid_message: str | None = None
    """The message of every InvalidInput answer; None: the error's own."""
    invalid_body_message: str = "the request body is not valid"
    """The message of a body pydantic refused (if `invalid_message` is None)."""
    request_validation: bool = False
    """Whether Powertools' request validation is answered as InvalidInput too (else Powertools'
    own 422)."""


EXCHANGE = Wording()
PUBLIC = Wording(invalid_message="请求内容不正确", request_validation=True)


def answer(
    exc: SunlightError, wording: Wording = EXCHANGE, message: str | None = None
) -> tuple[int, dict[str, Any]]:
    """The error's status and the body that says it: `error`, `message` (`str(exc)` unless given),
    and the error's details. A 5xx says nothing of the fault (it is logged); an InvalidInput takes the
    API's wording."""
    if exc.fixed_body is not None:
        return exc.status, dict(exc.fixed_body)
    if exc.status >= 500:
        message = FAULT_MESSAGE
    elif exc.error == INVALID_INPUT and wording.invalid_message is not None:
        message = wording.invalid_message
    said = str(exc) if message is None else message
    return exc.status, {"error": exc.error, "message": said, **exc.details()}


def request_problems(exc: RequestValidationError) -> list[Problem]:
    """Powertools' request validation as problems: the field without its `body`/`query` prefix, the
    value got only when it is a plain string or number."""
    problems = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        field = ".".join(loc[1:] if loc[:1] in (["body"], ["query"]) else loc) or "body"
        got = err.get("input")
        problems.append(
            Problem(field, str(err.get("msg", "is not valid")), got if isinstance(got, str | int) else None)
        )
    return problems


def register(
    app: ApiGatewayResolver,
    problems_of: Callable[[ValidationError], list[Problem]],
    wording: Wording = EXCHANGE,
) -> None:
    """Answer every SunlightError and every refused body on `app` through `answer`; `problems_of` names
    a refused body's faults in the API's own field names (the exchange format's, for both APIs)."""

    def respond(status: int, body: dict[str, Any]) -> Response[dict[str, Any]]:
        return Response(status, content_types.APPLICATION_JSON, body)

    def sunlight_error(exc: SunlightError) -> Response[dict[str, Any]]:
        if exc.status >= 500:
            logger.exception("request failed", exc_info=exc, extra={"error": exc.error})
        return respond(*answer(exc, wording))

    def invalid_body(exc: ValidationError) -> Response[dict[str, Any]]:
        invalid = InvalidRecord(problems_of(exc))
        return respond(*answer(invalid, wording, message=wording.invalid_body_message))

    def unreadable_body(exc: Exception) -> Response[dict[str, Any]]:
        why = _unreadable(exc)
        if why is None:
            raise exc  # a fault of ours, not of the body: answered as any other
        logger.warning("unreadable body", extra={"why": why})
        return respond(*answer(UnreadableBody(why), wording))

    def invalid_request(exc: RequestValidationError) -> Response[dict[str, Any]]:
        return respond(*answer(InvalidRecord(request_problems(exc)), wording))

    app.exception_handler(SunlightError)(sunlight_error)
    app.exception_handler([UnicodeDecodeError, RecursionError, ValueError])(unreadable_body)
    app.exception_handler(ValidationError)(invalid_body)
    if wording.request_validation:
        app.exception_handler(RequestValidationError)(invalid_request)


def _unreadable(exc: Exception) -> str | None:
    """Why the body could not be read, for the errors the JSON parser raises on a body no schema could
    take (the malformed ones it reports itself are answered by the request validation); None for any
    other error of these types."""
    if isinstance(exc, UnicodeDecodeError):
        return "the body is not UTF-8"
    if isinstance(exc, RecursionError):
        return "the body nests too deeply"
    if isinstance(exc, ValueError) and "integer string conversion" in str(exc):
        return "a number in the body has too many digits"
    return None
