"""Typed domain errors: each maps once to an HTTP status or a named Step Functions error."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class SunlightError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "SunlightError"


class CalendarRangeError(SunlightError):
    code = "CalendarRange"


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

    def __str__(self) -> str:
        return "; ".join(f"{p.field}: {p.problem} (got {p.got!r})" for p in self.problems)


def describe(problems: list[Problem]) -> str:
    """Problems as one line, first problem first: `field: problem (got value)`."""
    return "; ".join(
        (f"{p.field}: " if p.field else "") + p.problem + (f" (got {p.got!r})" if p.got is not None else "")
        for p in problems
    )


@dataclass
class InvalidCalendar(SunlightError):
    """A calendar document that does not validate; one problem per fault, each naming its field."""

    problems: list[Problem]
    code = "InvalidCalendar"

    def __str__(self) -> str:
        return describe(self.problems)


@dataclass
class InvalidRuleConfig(SunlightError):
    """A rule configuration that does not validate; one problem per fault, each naming its field."""

    problems: list[Problem]
    code = "InvalidRuleConfig"

    def __str__(self) -> str:
        return describe(self.problems)


@dataclass
class ConflictingRecord(SunlightError):
    """Same identity (case_no, type, seq) as a stored record, different content."""

    case_no: str
    type: str
    seq: int
    differences: list[str]
    code = "ConflictingRecord"

    def __str__(self) -> str:
        return (
            f"record ({self.case_no}, {self.type}, seq {self.seq}) conflicts with the one already "
            f"received: {', '.join(self.differences)} differ; nothing overwritten"
        )


@dataclass
class UnknownItem(SunlightError):
    item_code: str
    code = "UnknownItem"

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

    def __str__(self) -> str:
        return (
            f"case {self.case_no}: {self.field_name} {self.got!r} differs from the case's {self.expected!r}"
        )
