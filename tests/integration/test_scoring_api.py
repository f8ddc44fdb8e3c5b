"""The performance evaluation through the API on moto: standards, adjustments, scores, reports, charts."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from typing import Any

import openpyxl
import pytest
from sunlight.evaluation.domain.standard import DEFAULT_STANDARD

from tests.integration.conftest import (
    DEPT_A,
    DEPT_B,
    KEYS,
    Cloud,
    body_bytes,
    call,
    example_records,
    push_live,
    respond,
)

pytestmark = pytest.mark.integration


def content_type(response: dict[str, Any]) -> str:
    headers = response.get("headers") or {}
    many = response.get("multiValueHeaders") or {}
    found: str = headers.get("Content-Type") or many.get("Content-Type", [""])[0]
    return found


def five_cases(cloud: Cloud) -> None:
    for n in range(5):
        push_live(cloud, KEYS["a"], example_records(f"C2026-00030{n}"))


def test_only_the_office_loads_a_standard_and_a_version_is_never_edited(cloud: Cloud) -> None:
    body = {"version": "hz-2027.1", "yellow_card_points": 8}
    assert call(cloud, "PUT", "/v1/scoring/standard", KEYS["a"], body)[0] == 403
    status, bad = call(cloud, "PUT", "/v1/scoring/standard", KEYS["office"], {"version": "x", "base": -1})
    assert status == 422 and bad["problems"][0]["field"] == "base"
    status, loaded = call(cloud, "PUT", "/v1/scoring/standard", KEYS["office"], body)
    assert status == 200 and loaded["current"] == "hz-2027.1"
    assert call(cloud, "PUT", "/v1/scoring/standard", KEYS["office"], body)[0] == 200  # the same again: fine
    changed = {**body, "yellow_card_points": 9}
    assert call(cloud, "PUT", "/v1/scoring/standard", KEYS["office"], changed)[0] == 409
    status, shown = call(cloud, "GET", "/v1/scoring/standard", KEYS["b"])
    assert status == 200 and shown["current"] == "hz-2027.1" and shown["standard"]["yellow_card_points"] == 8
    assert [v["version"] for v in shown["versions"]] == [DEFAULT_STANDARD.version, "hz-2027.1"]
    old = call(cloud, "GET", "/v1/scoring/standard", KEYS["b"], query={"version": DEFAULT_STANDARD.version})[
        1
    ]
    assert old["standard"]["yellow_card_points"] == 5


def test_scores_rank_departments_and_a_department_sees_only_its_own_arithmetic(cloud: Cloud) -> None:
    five_cases(cloud)
    status, ranked = call(cloud, "GET", "/v1/scores", KEYS["b"], query={"period": "2026-11"})
    assert status == 200 and [u["dept_code"] for u in ranked["units"]] == [DEPT_A]
    a = ranked["units"][0]
    # 5 cases concluded early (100%: +10), limits cut 7 of 15 (+5), nothing deducted.
    assert a["total"] == 115 and a["standard_version"] == DEFAULT_STANDARD.version and a["rank"] == 1
    query = {"dept_code": DEPT_A, "period": "2026-11"}
    assert call(cloud, "GET", "/v1/scores/explain", KEYS["b"], query=query)[0] == 404
    status, explained = call(cloud, "GET", "/v1/scores/explain", KEYS["a"], query=query)
    assert status == 200 and {x["kind"]: x["points"] for x in explained["arithmetic"]} == {
        "early_completion": 10,
        "limit_cut": 5,
    }
    trend = call(
        cloud,
        "GET",
        "/v1/scores/trend",
        KEYS["a"],
        query={"dept_code": DEPT_A, "from": "2026-10", "to": "2026-11"},
    )
    assert [m["total"] for m in trend[1]["months"]] == [None, 115]


def test_a_sanction_is_once_a_year_and_within_the_standards_range(cloud: Cloud) -> None:
    five_cases(cloud)
    body = {
        "kind": "sanction",
        "dept_code": DEPT_A,
        "points": 5,
        "decided_on": "2026-11-10",
        "reason": "受党纪处分",
    }
    assert call(cloud, "POST", "/v1/scoring/adjustments", KEYS["office"], body)[0] == 422  # below 10
    assert call(cloud, "POST", "/v1/scoring/adjustments", KEYS["a"], {**body, "points": 10})[0] == 403
    assert call(cloud, "POST", "/v1/scoring/adjustments", KEYS["office"], {**body, "points": 10})[0] == 200
    assert call(cloud, "POST", "/v1/scoring/adjustments", KEYS["office"], {**body, "points": 20})[0] == 409
    deduction = {**body, "kind": "deduction", "section": "integrity", "points": 2}
    assert call(cloud, "POST", "/v1/scoring/adjustments", KEYS["office"], deduction)[0] == 200
    units = call(cloud, "GET", "/v1/scores", KEYS["a"], query={"period": "2026-11"})[1]["units"]
    assert units[0]["total"] == 115 - 10 - 2 and units[0]["sections"]["integrity"] == 8


def test_reports_as_json_csv_and_xlsx_and_a_department_gets_no_regions(cloud: Cloud) -> None:
    five_cases(cloud)
    status, report = call(cloud, "GET", "/v1/reports/dept", KEYS["office"], query={"period": "2026-11"})
    assert status == 200
    (row,) = report["rows"]
    assert (row["accepted"], row["concluded"], row["on_time_rate"], row["early_rate"]) == (5, 5, 1.0, 1.0)
    assert row["items"] == 1 and row["score"] == 115 and row["reporting_completeness"] == 1.0
    today = call(cloud, "GET", "/v1/reports/region", KEYS["office"], query={"period": "today"})[1]
    assert {r["code"] for r in today["rows"]} >= {"330000", "330100"}
    assert call(cloud, "GET", "/v1/reports/region", KEYS["a"])[0] == 403
    assert call(cloud, "GET", "/v1/reports/window", KEYS["office"])[0] == 422
    assert call(cloud, "GET", "/v1/reports/dept", KEYS["b"], query={"period": "2026-11"})[1]["rows"] == []
    response = respond(
        cloud, "GET", "/v1/reports/dept", KEYS["office"], query={"period": "2026-11", "format": "csv"}
    )
    assert content_type(response).startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body_bytes(response).decode("utf-8-sig"))))
    assert rows[0][0] == "单位" and rows[1][1] == DEPT_A
    response = respond(
        cloud, "GET", "/v1/reports/dept", KEYS["office"], query={"period": "2026-Q4", "format": "xlsx"}
    )
    book = openpyxl.load_workbook(io.BytesIO(body_bytes(response)))
    values = [c.value for c in next(r for r in book.active.iter_rows() if r[1].value == DEPT_A)]
    assert 5 in values and 1.0 in values


def test_trend_charts_are_svg(cloud: Cloud) -> None:
    five_cases(cloud)
    response = respond(
        cloud, "GET", "/v1/reports/dept/trend", KEYS["office"], query={"metric": "on_time_rate"}
    )
    assert content_type(response).startswith("image/svg+xml")
    assert ET.fromstring(body_bytes(response)).tag.endswith("svg")
    public = respond(cloud, "GET", "/public/trend")
    assert public["statusCode"] == 200 and "按时办结率" in body_bytes(public).decode()


def test_the_scoring_run_keeps_the_months_scores_with_their_version(cloud: Cloud) -> None:
    five_cases(cloud)
    assert call(cloud, "POST", "/v1/scoring/runs", KEYS["a"])[0] == 403
    status, run = call(cloud, "POST", "/v1/scoring/runs", KEYS["office"])
    assert status == 200 and {(d["period"], d["version"], d["final"]) for d in run["scored"]} == {
        ("2026-10", DEFAULT_STANDARD.version, True),
        ("2026-11", DEFAULT_STANDARD.version, False),
    }
    assert cloud.services.scorebook.head("2026-11")["version"] == DEFAULT_STANDARD.version
    assert DEPT_B not in str(cloud.services.scorebook.scores("2026-11", DEFAULT_STANDARD.version))
    # October is closed but ranked no one: the public rankings show November so far.
    status, published = call(cloud, "GET", "/public/rankings")
    assert status == 200 and published["period"] == "2026-11"
    assert [d["dept_code"] for d in published["departments"]] == [DEPT_A]
