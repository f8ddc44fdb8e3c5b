"""The exchange-record models and the item catalogue, against docs/exchange-format.md."""

from __future__ import annotations

import json
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sunlight.approval.domain.catalog import Catalog, Item
from sunlight.approval.domain.records import (
    MODELS,
    RECORD_TYPES,
    Accept,
    Apply,
    Collect,
    Limit,
    RecordBase,
    SpecialKind,
    SpecialStart,
    content_of,
    mask,
    masked,
    parse_record,
    personal_fields,
    to_exchange_json,
)
from sunlight.kernel.errors import InvalidRecord, Problem, UnknownItem

from tests.unit.record_factory import DROP, TYPES, record

pytestmark = pytest.mark.unit

# The example case of exchange-format.md, verbatim.
EXAMPLE_CASE = """\
{"type":"apply","case_no":"C2026-000001","item_code":"330100-JS-001","dept_code":"11330100MB1234567X","region_code":"330100","seq":1,"occurred_at":"2026-11-02T09:12:00+08:00","applicant_type":"organisation","applicant_name":"杭州某建设有限公司","applicant_id_type":"credit_code","applicant_id_no":"91330100MA2XXXXXX1","contact_phone":"13800000000","channel":"window","project_name":"某小区二期","materials":["申请表","施工合同"]}
{"type":"accept","case_no":"C2026-000001","item_code":"330100-JS-001","dept_code":"11330100MB1234567X","region_code":"330100","seq":2,"occurred_at":"2026-11-02T10:00:00+08:00","handler_name":"王敏","handler_id":"JS017","result":"accept","receipt_no":"SL-0001","query_code":"8F3K2Q","statutory_limit":{"value":15,"unit":"G"},"committed_limit":{"value":7,"unit":"G"},"fee_standard":"0","materials":["申请表","施工合同"]}
{"type":"stage","case_no":"C2026-000001","item_code":"330100-JS-001","dept_code":"11330100MB1234567X","region_code":"330100","seq":3,"occurred_at":"2026-11-03T15:30:00+08:00","handler_name":"王敏","handler_id":"JS017","stage":"undertake","action":"pass","opinion":"材料齐全"}
{"type":"stage","case_no":"C2026-000001","item_code":"330100-JS-001","dept_code":"11330100MB1234567X","region_code":"330100","seq":4,"occurred_at":"2026-11-05T11:00:00+08:00","handler_name":"李强","handler_id":"JS003","stage":"review","action":"pass","opinion":"同意"}
{"type":"stage","case_no":"C2026-000001","item_code":"330100-JS-001","dept_code":"11330100MB1234567X","region_code":"330100","seq":5,"occurred_at":"2026-11-06T16:00:00+08:00","handler_name":"赵刚","handler_id":"JS001","stage":"approve","action":"pass","opinion":"准予许可"}
{"type":"conclude","case_no":"C2026-000001","item_code":"330100-JS-001","dept_code":"11330100MB1234567X","region_code":"330100","seq":6,"occurred_at":"2026-11-09T09:30:00+08:00","handler_name":"王敏","handler_id":"JS017","outcome":"issued","certificate_name":"建筑工程施工许可证","certificate_no":"330100202611090101","valid_until":"2027-11-08","fee_charged":"0"}
"""

# The catalogue entry example of exchange-format.md.
CATALOG_ENTRY: dict[str, Any] = {
    "item_code": "330100-JS-001",
    "name": "建筑工程施工许可",
    "dept_code": "11330100MB1234567X",
    "legal_basis": "《建筑法》第八条",
    "statutory_limit": {"value": 15, "unit": "G"},
    "committed_limit": {"value": 7, "unit": "G"},
    "stages": ["undertake", "review", "approve"],
    "fee_standard": "0",
    "online_required": True,
    "specials_allowed": ["expert_review", "extension"],
}

ALIASES = {
    "SBLSH": "case_no",
    "SXBM": "item_code",
    "ZZJGDM": "dept_code",
    "XZQHDM": "region_code",
    "SJBBH": "seq",
    "BLRXM": "handler_name",
    "BLRGH": "handler_id",
    "BZ": "note",
    "CXMM": "query_code",
}
OTHER_TYPES = (
    "pre_accept",
    "supplement_notice",
    "supplement_received",
    "special_start",
    "special_end",
    "collect",
)
DECISION_TYPES = ("pre_accept", "accept", "stage", "conclude")


def problems(data: Any) -> list[Problem]:
    with pytest.raises(InvalidRecord) as caught:
        parse_record(data)
    return caught.value.problems


def with_aliases(data: dict[str, Any], *aliases: str) -> dict[str, Any]:
    """`data` with each named field renamed to its upper-case alias."""
    out = dict(data)
    for alias in aliases:
        out[alias] = out.pop(ALIASES[alias])
    return out


@pytest.fixture
def example_case() -> list[dict[str, Any]]:
    return [json.loads(line) for line in EXAMPLE_CASE.splitlines()]


# -- valid records ---------------------------------------------------------------------------


def test_every_record_of_the_example_case_parses_with_its_identity(
    example_case: list[dict[str, Any]],
) -> None:
    parsed = [parse_record(raw) for raw in example_case]

    assert [type(r).__name__ for r in parsed] == ["Apply", "Accept", "Stage", "Stage", "Stage", "Conclude"]
    assert [r.identity for r in parsed] == [
        ("C2026-000001", t, n)
        for n, t in enumerate(["apply", "accept", "stage", "stage", "stage", "conclude"], start=1)
    ]
    accept = parsed[1]
    assert isinstance(accept, Accept)
    assert accept.statutory_limit == Limit(value=15, unit="G")
    assert accept.committed_limit == Limit(value=7, unit="G")
    assert parsed[0].occurred_at.utcoffset().total_seconds() == 8 * 3600  # type: ignore[union-attr]


def test_example_case_records_serialise_back_to_what_was_sent(example_case: list[dict[str, Any]]) -> None:
    for raw in example_case:
        assert to_exchange_json(parse_record(raw)) == raw


def test_the_factory_builds_every_record_type() -> None:
    assert sorted(TYPES) == sorted(RECORD_TYPES)


@pytest.mark.parametrize("type_", OTHER_TYPES)
def test_a_valid_record_of_each_other_type_parses(type_: str) -> None:
    raw = record(type_)

    parsed = parse_record(raw)

    assert type(parsed) is MODELS[type_]
    assert parsed.identity == (raw["case_no"], type_, raw["seq"])
    assert to_exchange_json(parsed) == raw


@pytest.mark.parametrize("type_", TYPES)
def test_parsing_what_was_serialised_gives_the_same_record(type_: str) -> None:
    parsed = parse_record(record(type_))

    assert parse_record(to_exchange_json(parsed)) == parsed


# -- aliases ---------------------------------------------------------------------------------


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_each_upper_case_alias_gives_the_same_model_as_its_name(alias: str) -> None:
    named = record("accept", note="加急")

    via_alias = parse_record(with_aliases(named, alias))

    assert via_alias == parse_record(named)
    assert getattr(via_alias, ALIASES[alias]) == named[ALIASES[alias]]


def test_a_record_sent_entirely_with_aliases_equals_the_named_one() -> None:
    named = record("accept", note="加急")

    assert parse_record(with_aliases(named, *ALIASES)) == parse_record(named)


def test_aliases_and_names_can_be_mixed_in_one_record() -> None:
    named = record("stage", note="同意")
    mixed = with_aliases(named, "SBLSH", "XZQHDM", "BLRGH", "BZ")

    parsed = parse_record(mixed)

    assert "case_no" not in mixed and "item_code" in mixed
    assert parsed == parse_record(named)
    assert (parsed.case_no, parsed.region_code, parsed.handler_id, parsed.note) == (
        "C2026-000001",
        "330100",
        "JS017",
        "同意",
    )


# -- problems --------------------------------------------------------------------------------


def test_a_bad_limit_unit_gives_the_documented_problem() -> None:
    found = problems(record("accept", committed_limit={"value": 7, "unit": "X"}))

    assert found == [Problem("committed_limit.unit", "must be G or Z", "X")]
    assert found[0].as_dict() == {"field": "committed_limit.unit", "problem": "must be G or Z", "got": "X"}


def test_several_faults_in_one_record_give_one_problem_each() -> None:
    found = problems(record("apply", region_code="33010", seq=0, channel="fax", applicant_type="robot"))

    assert sorted((p.field, p.got) for p in found) == [
        ("applicant_type", "robot"),
        ("channel", "fax"),
        ("region_code", "33010"),
        ("seq", 0),
    ]
    assert next(p for p in found if p.field == "channel").problem == "must be window or online"
    assert next(p for p in found if p.field == "seq").problem == "must be at least 1"


@pytest.mark.parametrize(
    ("type_", "name"),
    [("apply", "occurred_at"), ("apply", "applicant_name"), ("apply", "channel"), ("stage", "stage")],
)
def test_a_missing_required_field_is_named(type_: str, name: str) -> None:
    assert problems(record(type_, **{name: DROP})) == [Problem(name, "is required", None)]


def test_a_missing_aliased_field_is_named_by_its_name() -> None:
    assert problems(record("apply", case_no=DROP)) == [Problem("case_no", "is required", None)]


def test_an_unknown_field_is_reported() -> None:
    assert problems(record("apply", colour="red")) == [
        Problem("colour", "is not a field of this record type", "red")
    ]


def test_a_field_of_another_record_type_is_reported_as_unknown() -> None:
    found = problems(record("supplement_received", outcome="issued"))

    assert [(p.field, p.got) for p in found] == [("outcome", "issued")]


def test_an_unknown_type_is_reported_as_field_type() -> None:
    found = problems(record("apply", type="approve"))

    assert len(found) == 1
    assert (found[0].field, found[0].got) == ("type", "approve")
    assert "accept" in found[0].problem


def test_a_missing_type_is_reported_as_field_type() -> None:
    found = problems(record("apply", type=DROP))

    assert len(found) == 1
    assert found[0].field == "type"
    assert found[0].problem.startswith("is required")


@pytest.mark.parametrize(
    "value", ["2026-11-02T09:12:00", "2026-11-02 09:12:00", "2026-11-02", "yesterday", "", None]
)
def test_an_occurred_at_without_offset_or_not_a_date_time_is_rejected(value: Any) -> None:
    found = problems(record("apply", occurred_at=value))

    assert [(p.field, p.got) for p in found] == [("occurred_at", value)]


@pytest.mark.parametrize(
    "value", ["2026-11-02T09:12:00Z", "2026-11-02T01:12:00+00:00", "2026-11-02T09:12:00+08:00"]
)
def test_an_occurred_at_with_an_offset_is_accepted(value: str) -> None:
    assert parse_record(record("apply", occurred_at=value)).occurred_at.utcoffset() is not None


def test_an_occurred_at_given_as_a_number_is_rejected() -> None:
    assert [p.field for p in problems(record("apply", occurred_at=1793582000))] == ["occurred_at"]


BAD_VALUES = [
    ("apply", "case_no", "C2026 000001"),
    ("apply", "case_no", "C2026_000001"),
    ("apply", "case_no", "案件1"),
    ("apply", "case_no", "C2026-000001\n"),
    ("apply", "case_no", ""),
    ("apply", "case_no", "C" * 51),
    ("apply", "item_code", ""),
    ("apply", "item_code", "X" * 25),
    ("apply", "region_code", "33010"),
    ("apply", "region_code", "3301000"),
    ("apply", "region_code", "3301000000"),
    ("apply", "region_code", "3301000000001"),
    ("apply", "region_code", "33010a"),
    ("apply", "region_code", 330100),
    ("apply", "dept_code", "11330100MB1234567"),
    ("apply", "dept_code", "11330100MB1234567XX"),
    ("apply", "seq", 0),
    ("apply", "seq", -1),
    ("apply", "seq", "first"),
    ("accept", "fee_standard", "12.345"),
    ("accept", "fee_standard", "abc"),
    ("accept", "fee_standard", "-1"),
    ("special_end", "fee", "12.345"),
    ("special_end", "fee", "abc"),
    ("special_end", "fee", "1e3"),
    ("conclude", "fee_charged", "12.345"),
    ("conclude", "fee_charged", "abc"),
    ("accept", "query_code", "8F3"),
    ("accept", "query_code", "8F3K2Q8F3K2Q8"),
    ("special_start", "kind", "holiday"),
    ("special_start", "special_no", 0),
    ("stage", "stage", "sign"),
    ("conclude", "outcome", "approved"),
    ("apply", "note", "备" * 2001),
]


@pytest.mark.parametrize(("type_", "name", "value"), BAD_VALUES)
def test_a_bad_value_is_rejected_with_its_field_and_the_value_got(type_: str, name: str, value: Any) -> None:
    found = problems(record(type_, **{name: value}))

    assert len(found) == 1
    assert found[0].field == name
    assert found[0].got == (value if isinstance(value, str | int) else str(value))
    assert found[0].problem


@pytest.mark.parametrize(
    ("type_", "name", "value"),
    [
        ("apply", "case_no", "C" * 50),
        ("apply", "case_no", "a-Z-0"),
        ("apply", "region_code", "330100001"),
        ("apply", "region_code", "330100001001"),
        ("apply", "seq", 1),
        ("accept", "fee_standard", "12.34"),
        ("accept", "fee_standard", "12"),
        ("special_end", "fee", "0.5"),
        ("apply", "note", "备" * 2000),
    ],
)
def test_values_at_the_edge_of_the_format_are_accepted(type_: str, name: str, value: Any) -> None:
    assert getattr(parse_record(record(type_, **{name: value})), name) == value


@pytest.mark.parametrize(
    ("name", "value"), [("region_code", "３３０１００"), ("fee_standard", "１２"), ("region_code", "३३०१००")]
)
def test_non_ascii_digits_are_rejected(name: str, value: str) -> None:
    assert [p.field for p in problems(record("accept", **{name: value}))] == [name]


# -- parse_record never raises anything else -------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
tricky_values = st.sampled_from(
    [*RECORD_TYPES, "", "X", "G", "Z", "0", "12.345", "2026-11-02T09:12:00", "2026-11-02T09:12:00+08:00",
     {"value": 20, "unit": "G"}, {"value": -1, "unit": "Z"}, {"value": 1}, [], {}, 0, -1, 10**30, True]
)  # fmt: skip
field_names = sorted({name for t in TYPES for name in record(t)} | set(ALIASES))


def assert_parses_or_is_invalid(data: Any) -> None:
    try:
        parsed = parse_record(data)
    except InvalidRecord as exc:
        assert exc.problems
        assert all(isinstance(p.field, str) and p.field and p.problem for p in exc.problems)
        assert str(exc)
    else:
        assert isinstance(parsed, RecordBase)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_parse_record_rejects_any_json_like_garbage_with_invalid_record(data: Any) -> None:
    with pytest.raises(InvalidRecord) as caught:
        parse_record(data)
    assert caught.value.problems


@given(
    type_=st.sampled_from(TYPES),
    replacements=st.dictionaries(
        st.sampled_from(field_names) | st.text(max_size=8), json_values | tricky_values, max_size=4
    ),
    drops=st.sets(st.sampled_from(field_names), max_size=3),
)
def test_parse_record_raises_only_invalid_record_for_damaged_records(
    type_: str, replacements: dict[str, Any], drops: set[str]
) -> None:
    data = record(type_, **dict.fromkeys(drops, DROP))
    data.update(replacements)

    assert_parses_or_is_invalid(data)


# -- conditional requirements ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "overrides", "problem"),
    [
        ("accept", {"result": "refuse"}, "is required when result is refuse"),
        ("pre_accept", {"result": "refuse"}, "is required when result is refuse"),
        ("pre_accept", {"result": "supplement"}, "is required when result is supplement"),
        ("stage", {"action": "deny"}, "is required when action is deny"),
        ("conclude", {"outcome": "denied"}, "is required when outcome is denied"),
    ],
)
def test_reason_is_required_for_negative_decisions(
    type_: str, overrides: dict[str, Any], problem: str
) -> None:
    assert problems(record(type_, **overrides)) == [Problem("reason", problem, None)]
    assert parse_record(record(type_, **overrides, reason="材料不符合要求")).reason == "材料不符合要求"


@pytest.mark.parametrize(
    ("type_", "overrides"),
    [
        ("pre_accept", {"result": "pass"}),
        ("accept", {"result": "accept"}),
        ("stage", {"action": "return"}),
        ("conclude", {"outcome": "returned"}),
    ],
)
def test_reason_is_optional_otherwise(type_: str, overrides: dict[str, Any]) -> None:
    assert parse_record(record(type_, **overrides, reason=DROP)).reason is None


@pytest.mark.parametrize("type_", DECISION_TYPES)
@pytest.mark.parametrize("name", ["handler_name", "handler_id"])
@pytest.mark.parametrize("absent", [DROP, None, ""])
def test_decision_records_need_handler_name_and_id(type_: str, name: str, absent: Any) -> None:
    assert problems(record(type_, **{name: absent})) == [
        Problem(name, "is required for a decision record", None)
    ]


@pytest.mark.parametrize("type_", sorted(set(TYPES) - set(DECISION_TYPES)))
def test_other_records_need_no_handler(type_: str) -> None:
    parsed = parse_record(record(type_, handler_name=DROP, handler_id=DROP))

    assert (parsed.handler_name, parsed.handler_id) == (None, None)


@pytest.mark.parametrize("name", ["query_code", "statutory_limit", "committed_limit"])
def test_an_accepting_accept_needs_query_code_and_limits(name: str) -> None:
    assert problems(record("accept", **{name: DROP})) == [
        Problem(name, "is required when result is accept", None)
    ]


def test_a_refusing_accept_needs_no_query_code_or_limits() -> None:
    parsed = parse_record(
        record("accept", result="refuse", reason="不属于本机关职权", query_code=DROP, statutory_limit=DROP,
               committed_limit=DROP)
    )  # fmt: skip

    assert (parsed.query_code, parsed.statutory_limit, parsed.committed_limit) == (None, None, None)


def test_a_committed_limit_longer_than_the_statutory_one_is_rejected() -> None:
    found = problems(record("accept", committed_limit={"value": 16, "unit": "G"}))

    assert found == [Problem("committed_limit.value", "must not exceed statutory_limit.value", 16)]


@pytest.mark.parametrize(
    ("statutory", "committed"),
    [
        ({"value": 15, "unit": "G"}, {"value": 15, "unit": "G"}),
        ({"value": 15, "unit": "G"}, {"value": 20, "unit": "Z"}),
    ],
)
def test_an_equal_committed_limit_or_one_in_another_unit_is_accepted(
    statutory: dict[str, Any], committed: dict[str, Any]
) -> None:
    parsed = parse_record(record("accept", statutory_limit=statutory, committed_limit=committed))

    assert parsed.committed_limit == Limit(**committed)


def test_conditional_requirements_are_reported_together() -> None:
    found = problems(record("accept", handler_id=DROP, committed_limit={"value": 16, "unit": "G"}))

    assert sorted(p.field for p in found) == ["committed_limit.value", "handler_id"]


def test_every_conditional_requirement_of_an_accept_is_reported_at_once() -> None:
    found = problems(
        record("accept", handler_name=DROP, handler_id=DROP, query_code=DROP, statutory_limit=DROP,
               committed_limit=DROP)
    )  # fmt: skip

    assert sorted(p.field for p in found) == [
        "committed_limit",
        "handler_id",
        "handler_name",
        "query_code",
        "statutory_limit",
    ]


def test_field_faults_and_conditional_faults_are_reported_together() -> None:
    found = problems(record("stage", region_code="33010", handler_id=DROP))

    assert sorted(p.field for p in found) == ["handler_id", "region_code"]


# -- identity of a rejected record -----------------------------------------------------------


def test_invalid_record_carries_the_identity_it_could_read() -> None:
    with pytest.raises(InvalidRecord) as caught:
        parse_record(record("stage", seq=4, stage="sign"))

    assert caught.value.identity == {"case_no": "C2026-000001", "type": "stage", "seq": 4}


def test_invalid_record_reads_the_identity_from_aliases() -> None:
    with pytest.raises(InvalidRecord) as caught:
        parse_record(with_aliases(record("stage", seq=4, stage="sign"), "SBLSH", "SJBBH"))

    assert caught.value.identity == {"case_no": "C2026-000001", "type": "stage", "seq": 4}


def test_invalid_record_identity_leaves_out_what_it_cannot_read() -> None:
    with pytest.raises(InvalidRecord) as caught:
        parse_record(record("stage", case_no=DROP, type=DROP))
    assert caught.value.identity == {"seq": 3}

    with pytest.raises(InvalidRecord) as caught:
        parse_record(["not", "a", "record"])
    assert caught.value.identity == {}


# -- special procedures ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", get_args(SpecialKind))
def test_only_an_extension_does_not_pause_the_clock(kind: str) -> None:
    special = parse_record(record("special_start", kind=kind))

    assert isinstance(special, SpecialStart)
    assert special.pauses_clock is (kind != "extension")


# -- personal data ---------------------------------------------------------------------------

PERSON = {
    "applicant_type": "person",
    "applicant_name": "张伟",
    "applicant_id_type": "id_card",
    "applicant_id_no": "110101199003071234",
    "contact_phone": "13800001234",
}


def test_apply_marks_applicant_name_id_number_and_phone_as_personal() -> None:
    assert personal_fields(Apply) == {
        "applicant_name": "name",
        "applicant_id_no": "id",
        "contact_phone": "phone",
    }
    assert personal_fields(Collect) == {"collector_name": "name"}
    assert personal_fields(Accept) == {}


def test_a_masked_apply_never_shows_the_persons_id_phone_or_full_name() -> None:
    parsed = parse_record(record("apply", **PERSON))

    shown = masked(parsed)
    text = json.dumps(shown, ensure_ascii=False)

    for name in ("applicant_name", "applicant_id_no", "contact_phone"):
        assert PERSON[name] not in text
        assert shown[name] != PERSON[name]
    assert {k: v for k, v in shown.items() if k not in personal_fields(Apply)} == {
        k: v for k, v in content_of(parsed).items() if k not in personal_fields(Apply)
    }
    assert parsed.applicant_id_no == PERSON["applicant_id_no"]  # the record itself is untouched


def test_a_masked_collect_hides_the_collectors_name() -> None:
    shown = masked(parse_record(record("collect", collector_name="李小龙")))

    assert shown["collector_name"] == "李**"
    assert shown["method"] == "window"


@given(
    name=st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2, max_size=8),
    id_no=st.text("0123456789X", min_size=6, max_size=18),
    phone=st.text("0123456789", min_size=7, max_size=14),
)
def test_masking_never_reveals_a_whole_name_id_number_or_phone(name: str, id_no: str, phone: str) -> None:
    shown = masked(
        parse_record(
            record(
                "apply",
                applicant_type="person",
                applicant_name=name,
                applicant_id_no=id_no,
                contact_phone=phone,
            )
        )
    )

    assert name not in shown["applicant_name"]
    assert id_no not in shown["applicant_id_no"]
    assert phone not in shown["contact_phone"]
    assert (
        "*" in shown["applicant_name"] and "*" in shown["applicant_id_no"] and "*" in shown["contact_phone"]
    )


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("13800001234", "phone", "138****1234"),
        ("+8613800001234", "phone", "+86****1234"),
        ("12345", "phone", "*****"),
        ("张三", "name", "张*"),
        ("欧阳娜娜", "name", "欧***"),
        ("杭州某建设有限公司", "name", "杭州***公司"),
        ("110101199003071234", "id", "110***********1234"),
        ("91330100MA2XXXXXX1", "id", "913***********XXX1"),
        ("ABCDEFGH", "id", "ABC****H"),
        ("", "id", ""),
    ],
)
def test_mask_keeps_only_recognisable_non_identifying_parts(value: str, kind: str, expected: str) -> None:
    assert mask(value, kind) == expected


@pytest.mark.parametrize(("value", "kind"), [("123", "id"), ("A", "id"), ("王", "name"), ("12", "phone")])
def test_mask_of_a_very_short_value_does_not_contain_it(value: str, kind: str) -> None:
    assert value not in mask(value, kind)


# -- duplicate versus conflict ---------------------------------------------------------------


@pytest.mark.parametrize("type_", ["accept", "stage"])
def test_content_is_the_same_whether_sent_with_aliases_or_names(type_: str) -> None:
    named = record(type_, note="备注")
    aliases = [a for a in ALIASES if ALIASES[a] in named]

    content = content_of(parse_record(with_aliases(named, *aliases)))

    assert content == content_of(parse_record(named))
    assert not set(ALIASES) & set(content)


def test_content_differs_when_any_value_differs() -> None:
    base = content_of(parse_record(record("stage")))

    assert content_of(parse_record(record("stage", opinion="不同意"))) != base
    assert content_of(parse_record(record("stage", note="补充"))) != base


# -- the item catalogue ----------------------------------------------------------------------


def test_the_documented_catalogue_entry_loads() -> None:
    catalog = Catalog.from_json([CATALOG_ENTRY])

    item = catalog["330100-JS-001"]
    assert len(catalog) == 1 and "330100-JS-001" in catalog
    assert item.statutory_limit == Limit(value=15, unit="G")
    assert item.committed_limit == Limit(value=7, unit="G")
    assert item.stages == ["undertake", "review", "approve"]
    assert item.specials_allowed == ["expert_review", "extension"]
    assert item.online_required is True


@pytest.mark.parametrize(
    "wrap", [lambda items: items, lambda items: {"items": items}], ids=["list", "object"]
)
def test_catalog_from_json_takes_a_list_or_an_items_object(wrap: Any) -> None:
    other = dict(CATALOG_ENTRY, item_code="330100-JS-002", name="建设工程规划许可")

    catalog = Catalog.from_json(wrap([CATALOG_ENTRY, other]))

    assert sorted(i.item_code for i in catalog) == ["330100-JS-001", "330100-JS-002"]


def test_catalog_round_trips_through_to_json() -> None:
    catalog = Catalog.from_json([CATALOG_ENTRY])

    assert list(Catalog.from_json(catalog.to_json())) == list(catalog)


@pytest.mark.parametrize("data", [{"entries": []}, "items", 42, None])
def test_catalog_from_json_rejects_what_is_not_a_list_of_entries(data: Any) -> None:
    with pytest.raises(InvalidRecord) as caught:
        Catalog.from_json(data)

    assert [p.field for p in caught.value.problems] == ["items"]


def test_every_bad_catalogue_entry_is_reported_with_its_path() -> None:
    entries = [
        CATALOG_ENTRY,
        dict(CATALOG_ENTRY, statutory_limit={"value": 15, "unit": "X"}),
        dict(CATALOG_ENTRY, dept_code="short", stages=["undertake", "sign"]),
    ]

    with pytest.raises(InvalidRecord) as caught:
        Catalog.from_json({"items": entries})

    assert [(p.field, p.got) for p in caught.value.problems] == [
        ("items[1].statutory_limit.unit", "X"),
        ("items[2].dept_code", "short"),
        ("items[2].stages.1", "sign"),
    ]
    assert caught.value.problems[0].problem == "must be G or Z"


def test_an_unknown_item_code_raises_unknown_item() -> None:
    catalog = Catalog.from_json([CATALOG_ENTRY])

    with pytest.raises(UnknownItem) as caught:
        catalog["330100-JS-999"]

    assert caught.value.item_code == "330100-JS-999"
    assert "330100-JS-999" not in catalog


def test_stage_limits_for_a_stage_the_item_has_are_accepted() -> None:
    item = Item.model_validate(dict(CATALOG_ENTRY, stage_limits={"review": {"value": 3, "unit": "G"}}))

    assert item.stage_limits == {"review": Limit(value=3, unit="G")}


def test_stage_limits_naming_a_stage_the_item_lacks_are_reported_on_stage_limits() -> None:
    entry = dict(
        CATALOG_ENTRY, stages=["undertake", "review"], stage_limits={"approve": {"value": 1, "unit": "G"}}
    )

    with pytest.raises(InvalidRecord) as caught:
        Catalog.from_json([entry])

    assert [p.as_dict() for p in caught.value.problems] == [
        {
            "field": "items[0].stage_limits.approve",
            "problem": "names a stage the item does not have",
            "got": "approve",
        }
    ]


@pytest.mark.parametrize(
    ("fee", "free"), [("0", True), ("0.00", True), ("0.0", True), ("0.01", False), ("120", False)]
)
def test_an_item_is_free_exactly_when_its_fee_is_zero(fee: str, free: bool) -> None:
    assert Item.model_validate(dict(CATALOG_ENTRY, fee_standard=fee)).is_free is free
