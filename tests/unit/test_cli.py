"""The `sunlight` command: checking records, readable errors, and the sample city's ground truth."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from sunlight.devtools.cli import main
from sunlight.devtools.sample.city import write_sample

pytestmark = pytest.mark.unit

EXAMPLE = Path(__file__).parent / "data"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sample")
    write_sample(folder, seed=11, start=dt.date(2026, 9, 1), end=dt.date(2026, 11, 20), cases_per_day=12)
    return folder


def test_help_names_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "check" in text and "sample" in text


def test_check_prints_one_alert_per_line_with_its_explanation(tmp_path: Path) -> None:
    code, out, _ = run(
        "check",
        str(EXAMPLE / "example_case.jsonl"),
        "--catalog",
        str(EXAMPLE / "catalog.json"),
        "--now",
        "2026-11-20T09:00:00+08:00",
    )
    assert code == 0
    alerts = [json.loads(line) for line in out.splitlines()]
    assert alerts == []  # the exchange format's example case is on time and in order
    code, out, _ = run(
        "check",
        str(EXAMPLE / "skipped_review.jsonl"),
        "--catalog",
        str(EXAMPLE / "catalog.json"),
        "--now",
        "2026-11-20T09:00:00+08:00",
    )
    alerts = [json.loads(line) for line in out.splitlines()]
    assert [(a["rule"], a["level"]) for a in alerts] == [("P-ORDER", "yellow_card")]
    assert set(alerts[0]) >= {"case_no", "rule", "level", "legal_basis", "message", "facts"}


def test_bad_records_are_reported_by_line_and_field_and_the_rest_still_checked(tmp_path: Path) -> None:
    lines = (EXAMPLE / "skipped_review.jsonl").read_text(encoding="utf-8").splitlines()
    bad = json.loads(lines[1]) | {"committed_limit": {"value": 7, "unit": "X"}}
    records = tmp_path / "r.jsonl"
    records.write_text(
        "\n".join([lines[0], json.dumps(bad), "{not json", *lines[2:]]) + "\n", encoding="utf-8"
    )
    code, out, err = run(
        "check",
        str(records),
        "--catalog",
        str(EXAMPLE / "catalog.json"),
        "--now",
        "2026-11-20T09:00:00+08:00",
    )
    assert code == 1
    assert (
        "line 2 [case_no=C2026-000002 type=accept seq=2]: committed_limit.unit: must be G or Z (got 'X')"
        in err
    )
    assert "line 3: line: is not valid JSON" in err
    assert "P-ORDER" in out  # the good records were still judged (conclusion before acceptance)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.jsonl", "--catalog", "catalog.json"], "sunlight: RECORDS: no such file: "),
        (
            ["example_case.jsonl", "--catalog", "example_case.jsonl"],
            "example_case.jsonl: is not a JSON document",
        ),
    ],
)
def test_unreadable_files_exit_2_with_a_readable_message(args: list[str], message: str) -> None:
    code, _, err = run("check", *[str(EXAMPLE / a) if not a.startswith("-") else a for a in args])
    assert code == 2 and message in err and "Traceback" not in err


def _check_with(*extra: str) -> tuple[int, str, str]:
    records, catalog = str(EXAMPLE / "example_case.jsonl"), str(EXAMPLE / "catalog.json")
    return run("check", records, "--catalog", catalog, "--now", "2026-11-20T09:00:00+08:00", *extra)


@pytest.mark.parametrize("option", ["--calendar", "--rules", "--catalog"])
def test_a_missing_file_is_named_by_its_option(tmp_path: Path, option: str) -> None:
    missing = tmp_path / "x.json"
    code, out, err = _check_with(option, str(missing))
    assert (code, out) == (2, "")
    assert err == f"sunlight: {option}: no such file: {missing}\n"


def test_a_missing_records_file_is_named_records(tmp_path: Path) -> None:
    missing = tmp_path / "records.jsonl"
    code, _, err = run("check", str(missing), "--catalog", str(EXAMPLE / "catalog.json"))
    assert (code, err) == (2, f"sunlight: RECORDS: no such file: {missing}\n")


def test_a_records_file_given_as_the_calendar_is_not_a_json_document() -> None:
    records = EXAMPLE / "example_case.jsonl"
    code, out, err = _check_with("--calendar", str(records))
    assert (code, out) == (2, "")
    assert err.startswith(f"sunlight: {records}: is not a JSON document (")


def test_one_record_given_as_the_calendar_fails_on_its_first_unknown_key(tmp_path: Path) -> None:
    record = tmp_path / "record.json"
    record.write_text((EXAMPLE / "example_case.jsonl").read_text(encoding="utf-8").splitlines()[0])
    code, _, err = _check_with("--calendar", str(record))
    assert code == 2
    assert err.splitlines()[0] == f"sunlight: {record}: type: is not a calendar field"
    assert f"sunlight: {record}: version: is required" in err.splitlines()


def test_a_rules_file_naming_an_unknown_rule_exits_2_naming_the_field(tmp_path: Path) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"version": "2027.1", "levels": {"T-NOPE": "warning"}}), encoding="utf-8")
    code, out, err = _check_with("--rules", str(rules))
    assert (code, out) == (2, "")
    assert err == f"sunlight: {rules}: levels.T-NOPE: is not a known rule\n"


def test_a_valid_rules_file_is_used(tmp_path: Path) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"version": "2027.1", "enabled": ["T-RED"]}), encoding="utf-8")
    code, out, _ = run(
        "check",
        str(EXAMPLE / "skipped_review.jsonl"),
        "--catalog",
        str(EXAMPLE / "catalog.json"),
        "--now",
        "2026-11-20T09:00:00+08:00",
        "--rules",
        str(rules),
    )
    assert (code, out) == (0, "")  # P-ORDER is switched off


def test_a_bad_now_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["check", "x.jsonl", "--catalog", "c.json", "--now", "2026-11-20T09:00:00"])
    assert done.value.code == 2 and "UTC offset" in capsys.readouterr().err


def test_check_on_the_sample_city_matches_the_generators_ground_truth(sample: Path) -> None:
    truth = json.loads((sample / "truth.json").read_text(encoding="utf-8"))
    code, out, err = run(
        "check",
        str(sample / "records.jsonl"),
        "--catalog",
        str(sample / "catalog.json"),
        "--now",
        truth["as_of"],
    )
    assert code == 0, err
    printed = Counter(json.loads(line)["rule"] for line in out.splitlines())
    expected = Counter(rule for case in truth["cases"].values() for rule in case["standing"])
    assert printed == expected
    assert len(expected) >= 13  # every rule but none is exercised by the sample
    assert sum(expected.values()) > 100


def test_the_sample_city_is_reproducible_and_seeded(tmp_path: Path, sample: Path) -> None:
    again = tmp_path / "again"
    write_sample(again, seed=11, start=dt.date(2026, 9, 1), end=dt.date(2026, 11, 20), cases_per_day=12)
    assert (again / "records.jsonl").read_bytes() == (sample / "records.jsonl").read_bytes()
    other = tmp_path / "other"
    write_sample(other, seed=12, start=dt.date(2026, 9, 1), end=dt.date(2026, 11, 20), cases_per_day=12)
    assert (other / "records.jsonl").read_bytes() != (sample / "records.jsonl").read_bytes()


def test_the_sample_catalogue_is_a_city_sized_catalogue(sample: Path) -> None:
    items = json.loads((sample / "catalog.json").read_text(encoding="utf-8"))["items"]
    assert len(items) >= 300
    assert len({i["dept_code"] for i in items}) >= 40
    assert sum(1 for i in items if i["fee_standard"] != "0") >= 40


def test_a_city_calendar_file_moves_the_limits(tmp_path: Path) -> None:
    calendar = tmp_path / "city.json"
    # The city makes the whole week after acceptance a holiday: the committed limit moves a week.
    holidays = [f"2026-11-{d:02d}" for d in range(3, 10)]
    calendar.write_text(json.dumps({"version": "city-1", "extra_holidays": holidays}), encoding="utf-8")
    lines = (EXAMPLE / "example_case.jsonl").read_text(encoding="utf-8").splitlines()[:2]
    records = tmp_path / "open.jsonl"
    records.write_text("\n".join(lines) + "\n", encoding="utf-8")
    argv = [
        "check",
        str(records),
        "--catalog",
        str(EXAMPLE / "catalog.json"),
        "--now",
        "2026-11-12T09:00:00+08:00",
    ]
    _, official, _ = run(*argv)
    _, city, _ = run(*argv, "--calendar", str(calendar))
    assert [json.loads(line)["rule"] for line in official.splitlines()] == ["T-YELLOW"]
    assert [json.loads(line)["rule"] for line in city.splitlines()] == []


def test_a_bad_city_calendar_file_exits_2_with_one_line_per_problem(tmp_path: Path) -> None:
    calendar = tmp_path / "city.json"
    document = {"version": "city-1", "years": {"2027": {"holidays": ["2026-10-01"]}}, "office_hours": ["9"]}
    calendar.write_text(json.dumps(document), encoding="utf-8")
    code, out, err = _check_with("--calendar", str(calendar))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f'sunlight: {calendar}: office_hours: must be ["HH:MM", "HH:MM"], opening then closing',
        f"sunlight: {calendar}: years.2027.holidays[0]: is not in 2027",
    ]
