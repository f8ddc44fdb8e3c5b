"""The exchange format v1: the records departments send, as typed models.

Owns the contract in `docs/exchange-format.md`: one model per record type, both snake_case names and
the standard's upper-case codes accepted, personal data fields marked for protection and masking,
and bad input turned into one `Problem` per fault (field path, problem, value got).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from sunlight.kernel.errors import InvalidRecord, Problem
from sunlight.kernel.instants import normalised

RecordType = Literal[
    "apply",
    "pre_accept",
    "accept",
    "stage",
    "supplement_notice",
    "supplement_received",
    "special_start",
    "special_end",
    "conclude",
    "collect",
]
RECORD_TYPES: tuple[str, ...] = RecordType.__args__  # type: ignore[attr-defined]
StageName = Literal["undertake", "review", "approve"]
STAGES: tuple[str, ...] = StageName.__args__  # type: ignore[attr-defined]
SpecialKind = Literal[
    "extension",
    "hearing",
    "tender",
    "auction",
    "inspection",
    "testing",
    "quarantine",
    "appraisal",
    "expert_review",
]
Outcome = Literal[
    "issued", "denied", "returned", "voided", "deleted", "forwarded", "supplement_timeout", "concluded"
]


def _not_a_number(value: Any) -> Any:
    if isinstance(value, int | float):
        raise PydanticCustomError("datetime_type", "must be an ISO 8601 date-time with a UTC offset")
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(_not_a_number), AfterValidator(normalised)]
Money = Annotated[str, Field(pattern=r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
ShortText = Annotated[str, Field(max_length=2000)]


def personal(kind: str, **kwargs: Any) -> Any:
    """A field holding personal data: stored protected, shown masked (`kind` picks the mask)."""
    return Field(json_schema_extra={"personal": kind}, **kwargs)


class Limit(BaseModel):
    """A time limit: a value in working days (G) or natural days (Z)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    value: int = Field(ge=0, le=3650)
    unit: Literal["G", "Z"]


class RecordBase(BaseModel):
    """Fields every record carries."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_by_name=True, validate_by_alias=True)

    case_no: str = Field(alias="SBLSH", min_length=1, max_length=50, pattern=r"^[0-9A-Za-z-]+$")
    item_code: str = Field(alias="SXBM", min_length=1, max_length=24)
    dept_code: str = Field(alias="ZZJGDM", pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")
    region_code: str = Field(alias="XZQHDM", pattern=r"^([0-9]{6}|[0-9]{9}|[0-9]{12})$")
    seq: int = Field(alias="SJBBH", ge=1)
    occurred_at: Instant
    handler_name: str | None = Field(default=None, alias="BLRXM", max_length=50)
    handler_id: str | None = Field(default=None, alias="BLRGH", max_length=50)
    note: ShortText | None = Field(default=None, alias="BZ")

    # Decision records must say who decided; subclasses switch this on.
    DECISION: ClassVar[bool] = False

    @model_validator(mode="after")
    def _cross_field_rules(self) -> RecordBase:
        found = self.rule_problems(self.__dict__)
        if found:
            raise problems_error(found)
        return self

    @classmethod
    def rule_problems(cls, v: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
        """Problems that involve more than one field (conditional requirements).

        `v` maps field names to values, parsed or raw, so that the same checks also run on a
        record whose single fields failed (every problem is reported at once).
        """
        if not cls.DECISION:
            return []
        return [
            (n, "is required for a decision record", None)
            for n in ("handler_name", "handler_id")
            if not v.get(n)
        ]

    @property
    def identity(self) -> tuple[str, str, int]:
        return (self.case_no, self.type, self.seq)  # type: ignore[attr-defined]


class Apply(RecordBase):
    type: Literal["apply"]
    applicant_type: Literal["person", "organisation"]
    applicant_name: str = personal("name", min_length=1, max_length=200)
    applicant_id_type: str = Field(min_length=1, max_length=30)
    applicant_id_no: str = personal("id", min_length=1, max_length=50)
    contact_phone: str | None = personal("phone", default=None, max_length=30)
    channel: Literal["window", "online"]
    project_name: str | None = Field(default=None, max_length=500)
    materials: list[str] = Field(default_factory=list)


class PreAccept(RecordBase):
    type: Literal["pre_accept"]
    DECISION = True
    result: Literal["pass", "refuse", "supplement"]
    reason: ShortText | None = None

    @classmethod
    def rule_problems(cls, v: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
        found = super().rule_problems(v)
        if v.get("result") in ("refuse", "supplement") and v.get("reason") is None:
            found.append(("reason", f"is required when result is {v['result']}", None))
        return found


class Accept(RecordBase):
    type: Literal["accept"]
    DECISION = True
    result: Literal["accept", "refuse"]
    reason: ShortText | None = None
    receipt_no: str | None = Field(default=None, max_length=50)
    query_code: str | None = Field(default=None, alias="CXMM", min_length=4, max_length=12)
    statutory_limit: Limit | None = None
    committed_limit: Limit | None = None
    fee_standard: Money | None = None
    materials: list[str] = Field(default_factory=list)

    @classmethod
    def rule_problems(cls, v: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
        found = super().rule_problems(v)
        if v.get("result") == "refuse" and v.get("reason") is None:
            found.append(("reason", "is required when result is refuse", None))
        if v.get("result") == "accept":
            for name in ("query_code", "statutory_limit", "committed_limit"):
                if v.get(name) is None:
                    found.append((name, "is required when result is accept", None))
        s, c = _limit_parts(v.get("statutory_limit")), _limit_parts(v.get("committed_limit"))
        if s and c and s[1] == c[1] and c[0] > s[0]:
            found.append(("committed_limit.value", "must not exceed statutory_limit.value", c[0]))
        return found


class Stage(RecordBase):
    type: Literal["stage"]
    DECISION = True
    stage: StageName
    action: Literal["pass", "return", "deny"]
    opinion: ShortText | None = None
    reason: ShortText | None = None
    handler_position: str | None = Field(default=None, max_length=50)

    @classmethod
    def rule_problems(cls, v: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
        found = super().rule_problems(v)
        if v.get("action") == "deny" and v.get("reason") is None:
            found.append(("reason", "is required when action is deny", None))
        return found


class SupplementNotice(RecordBase):
    type: Literal["supplement_notice"]
    reason: ShortText | None = None
    materials: list[str] = Field(min_length=1)


class SupplementReceived(RecordBase):
    type: Literal["supplement_received"]
    materials: list[str] = Field(default_factory=list)


class SpecialStart(RecordBase):
    type: Literal["special_start"]
    special_no: int = Field(ge=1)
    kind: SpecialKind
    reason: ShortText | None = None
    approver: str | None = Field(default=None, max_length=50)
    planned: Limit

    @property
    def pauses_clock(self) -> bool:
        """Type B (every kind but extension) stops the clock; type A extends the limits."""
        return self.kind != "extension"


class SpecialEnd(RecordBase):
    type: Literal["special_end"]
    special_no: int = Field(ge=1)
    result: str | None = Field(default=None, max_length=200)
    fee: Money | None = None


class Conclude(RecordBase):
    type: Literal["conclude"]
    DECISION = True
    outcome: Outcome
    reason: ShortText | None = None
    certificate_name: str | None = Field(default=None, max_length=200)
    certificate_no: str | None = Field(default=None, max_length=100)
    valid_until: dt.date | None = None
    fee_charged: Money | None = None

    @classmethod
    def rule_problems(cls, v: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
        found = super().rule_problems(v)
        if v.get("outcome") == "denied" and v.get("reason") is None:
            found.append(("reason", "is required when outcome is denied", None))
        return found


class Collect(RecordBase):
    type: Literal["collect"]
    collector_name: str | None = personal("name", default=None, max_length=200)
    method: str | None = Field(default=None, max_length=50)


ExchangeRecord = Annotated[
    Apply
    | PreAccept
    | Accept
    | Stage
    | SupplementNotice
    | SupplementReceived
    | SpecialStart
    | SpecialEnd
    | Conclude
    | Collect,
    Field(discriminator="type"),
]
MODELS: dict[str, type[RecordBase]] = {
    m.model_fields["type"].annotation.__args__[0]: m  # type: ignore[union-attr]
    for m in (
        Apply,
        PreAccept,
        Accept,
        Stage,
        SupplementNotice,
        SupplementReceived,
        SpecialStart,
        SpecialEnd,
        Conclude,
        Collect,
    )
}
_ADAPTER: TypeAdapter[ExchangeRecord] = TypeAdapter(ExchangeRecord)
_ALIAS_TO_NAME = {
    info.alias: name for m in MODELS.values() for name, info in m.model_fields.items() if info.alias
}


def parse_record(data: Any) -> ExchangeRecord:
    """Validate one record; raise `InvalidRecord` with one problem per fault."""
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as exc:
        problems = problems_of(exc)
        seen = {p.field for p in problems}
        tag = data.get("type") if isinstance(data, dict) else None
        model = MODELS.get(tag) if isinstance(tag, str) else None
        if model is not None:
            named = {_ALIAS_TO_NAME.get(k, k): value for k, value in data.items()}
            problems += [Problem(f, p, g) for f, p, g in model.rule_problems(named) if f not in seen]
        raise InvalidRecord(problems, identity_of(data)) from None


def _limit_parts(limit: Any) -> tuple[Any, Any] | None:
    """(value, unit) of a parsed or raw limit; None when it is absent or not comparable."""
    if isinstance(limit, Limit):
        return limit.value, limit.unit
    if isinstance(limit, dict) and isinstance(limit.get("value"), int) and limit.get("unit") in ("G", "Z"):
        return limit["value"], limit["unit"]
    return None


def identity_of(data: Any) -> dict[str, Any]:
    """The identity fields of a raw record, as far as they can be read (for error answers)."""
    if not isinstance(data, dict):
        return {}
    out = {}
    for name, alias in (("case_no", "SBLSH"), ("type", "type"), ("seq", "SJBBH")):
        value = data.get(name, data.get(alias))
        if value is not None:
            out[name] = value
    return out


def content_of(record: RecordBase) -> dict[str, Any]:
    """The record's content in canonical form: what decides duplicate versus conflict."""
    return record.model_dump(mode="json", exclude_none=True)


def to_exchange_json(record: RecordBase) -> dict[str, Any]:
    return record.model_dump(mode="json", exclude_none=True)


# -- personal data ---------------------------------------------------------------------------


def personal_fields(model: type[BaseModel]) -> dict[str, str]:
    """Field name -> mask kind, for every field marked as personal data."""
    out = {}
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra
        if isinstance(extra, dict) and "personal" in extra:
            out[name] = str(extra["personal"])
    return out


def mask(value: str, kind: str) -> str:
    """Show enough to recognise, never enough to identify (names, ID numbers, phones)."""
    if not value:
        return value
    if len(value) <= 3 and kind != "name":
        return "*" * len(value)
    if kind == "name" and len(value) == 1:
        return "*"
    if kind == "name":
        return value[0] + "*" * max(1, len(value) - 1) if len(value) <= 4 else value[:2] + "***" + value[-2:]
    if kind == "phone":
        return value[:3] + "****" + value[-4:] if len(value) >= 11 else "*" * len(value)
    keep = 4 if len(value) > 8 else 1
    return value[:3] + "*" * max(1, len(value) - 3 - keep) + value[-keep:]


def masked(record: RecordBase) -> dict[str, Any]:
    """The record as JSON with every personal field masked."""
    data = record.model_dump(mode="json", exclude_none=True)
    for name, kind in personal_fields(type(record)).items():
        if isinstance(data.get(name), str):
            data[name] = mask(data[name], kind)
    return data


# -- errors ----------------------------------------------------------------------------------

_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a field of this record type",
    "string_too_short": "is too short",
    "string_too_long": "is too long",
    "timezone_aware": "must be an ISO 8601 date-time with a UTC offset",
    "datetime_from_date_parsing": "must be an ISO 8601 date-time with a UTC offset",
    "datetime_parsing": "must be an ISO 8601 date-time with a UTC offset",
    "datetime_type": "must be an ISO 8601 date-time with a UTC offset",
    "union_tag_invalid": "must be one of: " + ", ".join(RECORD_TYPES),
    "union_tag_not_found": "is required (one of: " + ", ".join(RECORD_TYPES) + ")",
    "model_attributes_type": "must be an object",
    "model_type": "must be an object",
}


def problems_of(exc: ValidationError) -> list[Problem]:
    """One `Problem` per pydantic error, with a field path in the exchange format's names."""
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        ctx = err.get("ctx") or {}
        if "problems" in ctx:
            problems.extend(ctx["problems"])
            continue
        loc = [_ALIAS_TO_NAME.get(str(p), str(p)) for p in err["loc"]]
        if loc and loc[0] in RECORD_TYPES:
            loc = loc[1:]
        path = ".".join(loc) or ("type" if err["type"].startswith("union_tag") else "record")
        problems.append(Problem(path, _problem_text(err), _got(err)))
    return problems


def _problem_text(err: Any) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "literal_error":
        options = [o.strip().strip("'") for o in str(ctx.get("expected", "")).replace(" or ", ",").split(",")]
        options = [o for o in options if o]
        return "must be " + (" or ".join(options) if len(options) <= 2 else "one of: " + ", ".join(options))
    if kind == "string_pattern_mismatch":
        return f"has the wrong format (expected {ctx.get('pattern')})"
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = "at least" if kind == "greater_than_equal" else "at most"
        return f"must be {bound} {ctx.get('ge', ctx.get('le'))}"
    return str(_MESSAGES.get(kind, err["msg"][0].lower() + err["msg"][1:]))


def _got(err: Any) -> Any:
    if err["type"] in ("missing", "union_tag_not_found"):
        return None
    if err["type"] == "union_tag_invalid":
        return (err.get("ctx") or {}).get("tag")
    value = err.get("input")
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)[:200]


def problems_error(found: list[tuple[str, str, Any]]) -> PydanticCustomError:
    """An error pydantic carries through, holding ready-made problems for `problems_of`."""
    problems = [Problem(f, p, g) for f, p, g in found]
    return PydanticCustomError(
        "record_rule", "; ".join(f"{p.field} {p.problem}" for p in problems), {"problems": problems}
    )


def money(value: str | None) -> Decimal | None:
    """A decimal-string amount in yuan as a Decimal (None stays None)."""
    return Decimal(value) if value is not None else None


def sealed_fields() -> dict[str, tuple[str, ...]]:
    """The fields sealed at rest, by record type: the personal ones and the query code."""
    return {kind: (*personal_fields(model), "query_code") for kind, model in MODELS.items()}
