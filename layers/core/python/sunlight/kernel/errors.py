"""Sunlight's one error hierarchy: every error raised on purpose, each with its HTTP status.

Each class says how it is answered: `status`, and the `public_code` an answer names it by (its
`code` unless said otherwise); `details()` adds what an answer carries besides a message (an invalid
document's problems). `sunlight.kernel.errors_http` turns any of them into an HTTP answer from these alone,
so a new error class is answered with its own status the moment it declares one. A handler's uncaught
error reaches Step Functions by its class name (the `errorType` Lambda reports).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar


class SunlightError(Exception):
    """Base of every error Sunlight raises on purpose.

    Its status is 500, not 422: an error raised on purpose that nobody gave a status is a gap in this
    hierarchy, not the caller's mistake. A 500 says so, and counts on the API's 5XX alarm; a 422 would
    blame the request and hide the gap among the callers' own errors.
    """

    code: ClassVar[str] = "SunlightError"
    status: ClassVar[int] = 500
    public_code: ClassVar[str | None] = None
    """The `error` of an HTTP answer; None: `code`."""
    fixed_body: ClassVar[Mapping[str, Any] | None] = None
    """A fixed answer body, for the rare error whose answer is not `error` and `message`."""

    @property
    def error(self) -> str:
        return self.public_code or self.code

    def details(self) -> dict[str, Any]:
        """What an answer carries besides `error` and `message`; nothing by default."""
        return {}


class CalendarRangeError(SunlightError):
    """An instant outside the years the calendar counts (a fault of ours: 500)."""

    code = "CalendarRange"


class Unauthorized(SunlightError):
    """No credential, or one nobody issued (HTTP 401)."""

    code = "Unauthorized"
    status = 401


class Forbidden(SunlightError):
    """A known caller asking for what is not theirs to do (HTTP 403)."""

    code = "Forbidden"
    status = 403


class NotFound(SunlightError):
    """Nothing there, or nothing the caller may know is there (HTTP 404)."""

    code = "NotFound"
    status = 404


class Conflict(SunlightError):
    """The request does not fit the state of the thing it is about (HTTP 409)."""

    code = "Conflict"
    status = 409


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one record: where, what, and the value that was got."""

    field: str
    problem: str
    got: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "problem": self.problem, "got": self.got}


@dataclass
class InvalidRecord(SunlightError):
    """A record that does not meet the exchange format; one problem per fault."""

    problems: list[Problem]
    identity: dict[str, Any] = field(default_factory=dict)
    code = "InvalidRecord"
    status = 422
    public_code = "InvalidInput"

    def __str__(self) -> str:
        return "; ".join(f"{p.field}: {p.problem} (got {p.got!r})" for p in self.problems)

    def details(self) -> dict[str, Any]:
        return {"problems": [p.as_dict() for p in self.problems]}


def describe(problems: list[Problem]) -> str:
    """Problems as one line, first problem first: `field: problem (got value)`."""
    return "; ".join(
        (f"{p.field}: " if p.field else "") + p.problem + (f" (got {p.got!r})" if p.got is not None else "")
        for p in problems
    )


@dataclass
class InvalidDocument(SunlightError):
    """A configuration document that does not validate; one problem per fault, each naming its field."""

    problems: list[Problem]
    status = 422

    def __str__(self) -> str:
        return describe(self.problems)

    def details(self) -> dict[str, Any]:
        return {"problems": [p.as_dict() for p in self.problems]}


class InvalidCalendar(InvalidDocument):
    """A calendar document that does not validate."""

    code = "InvalidCalendar"


class InvalidRuleConfig(InvalidDocument):
    """A rule configuration that does not validate."""

    code = "InvalidRuleConfig"


@dataclass
class ConflictingRecord(SunlightError):
    """Same identity (case_no, type, seq) as a stored record, different content."""

    case_no: str
    type: str
    seq: int
    differences: list[str]
    code = "ConflictingRecord"
    status = 409

    def __str__(self) -> str:
        return (
            f"record ({self.case_no}, {self.type}, seq {self.seq}) conflicts with the one already "
            f"received: {', '.join(self.differences)} differ; nothing overwritten"
        )


@dataclass
class UnknownItem(SunlightError):
    """An item code the catalogue does not hold, named by a record or a document (HTTP 422)."""

    item_code: str
    code = "UnknownItem"
    status = 422

    def __str__(self) -> str:
        return f"item {self.item_code!r} is not in the catalogue"


@dataclass
class CaseMismatch(SunlightError):
    """A record whose case-level fields disagree with the case's earlier records."""

    case_no: str
    field_name: str
    expected: str
    got: str
    code = "CaseMismatch"
    status = 409

    def __str__(self) -> str:
        return (
            f"case {self.case_no}: {self.field_name} {self.got!r} differs from the case's {self.expected!r}"
        )


class UnreadableBody(SunlightError):
    """A request body that cannot be read as JSON at all: not UTF-8, nested past what a parser
    holds, or a number with more digits than any field takes."""

    code = "InvalidBody"
    status = 400
