"""The `sunlight` command: checking records, readable errors, and the sample city's ground truth."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from sunlight.cli import main
from sunlight.sample.city import write_sample

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
        (["missing.jsonl", "--catalog", "catalog.json"], "No such file"),
        (["example_case.jsonl", "--catalog", "example_case.jsonl"], "sunlight:"),
    ],
)
def test_unreadable_files_exit_2_with_a_readable_message(args: list[str], message: str) -> None:
    code, _, err = run("check", *[str(EXAMPLE / a) if not a.startswith("-") else a for a in args])
    assert code == 2 and message in err and "Traceback" not in err


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


def test_a_bad_city_calendar_file_exits_2(tmp_path: Path) -> None:
    calendar = tmp_path / "city.json"
    calendar.write_text(json.dumps({"years": {"2027": {"holidays": ["2026-10-01"]}}}), encoding="utf-8")
    code, _, err = run(
        "check",
        str(EXAMPLE / "example_case.jsonl"),
        "--catalog",
        str(EXAMPLE / "catalog.json"),
        "--calendar",
        str(calendar),
    )
    assert code == 2 and "another year" in err
