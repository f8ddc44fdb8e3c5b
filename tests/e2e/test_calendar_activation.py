"""The deployed system keeps time right through 2027, end to end on the local embedded mode over HTTP.

A case accepted 2026-12-01 10:00 on an item promising 30 working days (statutory 45) is due
2027-01-12 17:30 while 2027 counts weekends only; the office loads and activates a calendar making
2027-01-01 and 2027-01-04 holidays, the recompute workflow (Step Functions on moto, the real recompute
handler) re-judges the open cases, and the same case then shows 2027-01-14 17:30, the new version
and a note, with nothing restarted. Declared limits on the same item: 5 days bind, 40 do not.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from sunlight.devtools.local.cloud import client
from sunlight.devtools.local.runner import LocalSystem
from sunlight.devtools.sample.city import make_catalog

from tests.e2e.test_local_spine import http, keys
from tests.waiting import wait_for
from tests.year_2027 import CALENDAR_2027, accepted_case

pytestmark = pytest.mark.e2e
ITEM_CODE = "330100-HB-E2E-045"


@pytest.fixture(scope="module")
def dept(system: LocalSystem) -> str:
    """A sample department with an item of 45 working days in law, 30 promised."""
    code = sorted(i.dept_code for i in make_catalog())[0]
    item = {
        "name": "建设项目环境影响报告书审批",
        "dept_code": code,
        "legal_basis": "《环境影响评价法》第二十二条",
        "statutory_limit": {"value": 45, "unit": "G"},
        "committed_limit": {"value": 30, "unit": "G"},
        "stages": ["undertake", "review", "approve"],
        "fee_standard": "0",
    }
    status, answer = http(system, "PUT", f"/v1/items/{ITEM_CODE}", keys(system)["office"], item)
    assert status == 200, answer
    return code


def records(dept: str, case_no: str, committed: int) -> list[dict[str, Any]]:
    return accepted_case(case_no, ITEM_CODE, dept, committed)


def case(system: LocalSystem, case_no: str) -> dict[str, Any]:
    status, view = http(system, "GET", f"/v1/cases/{case_no}", keys(system)["office"])
    assert status == 200, view
    return view


def progress(system: LocalSystem, case_no: str) -> dict[str, Any]:
    """The citizen's view (found once the case's first rule check has stored its query code)."""

    def look() -> Any:
        status, answer = http(
            system, "POST", "/public/progress", None, {"case_no": case_no, "query_code": "8F3K2Q"}
        )
        assert status == 200, answer
        return answer["found"] and answer["case"]

    found: dict[str, Any] = wait_for(look, f"the progress of {case_no} to be found with its query code")
    return found


def recompute_runs(system: LocalSystem) -> list[dict[str, Any]]:
    assert system.provisioned is not None
    arn = system.provisioned.state_machine_arns["recompute"]
    runs: list[dict[str, Any]] = client("stepfunctions").list_executions(stateMachineArn=arn)["executions"]
    return runs


def test_activating_a_2027_calendar_over_http_moves_open_cases_with_a_note(
    system: LocalSystem, dept: str
) -> None:
    key = keys(system)[dept]
    for case_no, committed in (("E2E-CAL-30", 30), ("E2E-CAL-5", 5), ("E2E-CAL-40", 40)):
        status, answer = http(
            system, "POST", "/v1/records", key, {"records": records(dept, case_no, committed)}
        )
        assert status == 200 and answer["stored"] == 2, answer

    before = case(system, "E2E-CAL-30")["clock"]
    assert before["committed_due"] == "2027-01-12T17:30:00+08:00"
    assert before["uncovered_years"] == [2027]
    assert before["calendar_version"] == "default"
    assert progress(system, "E2E-CAL-30")["provisional"]["committed_due"] is True

    # Declared limits: the stricter binds; a longer one is held to the published 30 and flagged.
    five = case(system, "E2E-CAL-5")["clock"]
    assert five["committed_due"] == "2026-12-08T17:30:00+08:00"
    assert five["limits"]["committed"]["binds"] == "declared"
    forty = wait_for(
        lambda: (view := case(system, "E2E-CAL-40"))["alerts"] and view,
        "the rule check of E2E-CAL-40 to store its alerts",
    )
    assert forty["clock"]["committed_due"] == "2027-01-12T17:30:00+08:00"
    assert forty["clock"]["limits"]["committed"]["binds"] == "catalogue"
    (limit,) = [a for a in forty["alerts"] if a["rule"] == "L-LIMIT"]
    assert limit["level"] == "warning" and limit["status"] == "active"
    assert {"declared", "published"} <= set(limit["facts"]["findings"][0])

    office = keys(system)["office"]
    bad = {**CALENDAR_2027, "years": {"2027": {"holidays": ["2027-02-30"]}}}
    status, answer = http(system, "PUT", "/v1/calendars/hz-2027.1", office, bad)
    assert status == 422 and answer["problems"][0]["field"] == "years.2027.holidays[0]", answer
    assert http(system, "PUT", "/v1/calendars/hz-2027.1", key, CALENDAR_2027)[0] == 403
    assert http(system, "PUT", "/v1/calendars/hz-2027.1", office, CALENDAR_2027)[0] == 201
    changed = {**CALENDAR_2027, "extra_holidays": ["2026-12-31"]}
    assert http(system, "PUT", "/v1/calendars/hz-2027.1", office, changed)[0] == 409

    started = time.monotonic()
    status, activated = http(system, "POST", "/v1/calendars/hz-2027.1/activate", office)
    assert status == 200 and activated["changed"] and activated["recompute"]["job"], activated

    def moved() -> dict[str, Any] | None:
        view = case(system, "E2E-CAL-30")
        return (
            view if view["clock"]["committed_due"] == "2027-01-14T17:30:00+08:00" and view["notes"] else None
        )

    after = wait_for(moved, "E2E-CAL-30 to be re-judged under hz-2027.1 with a note")
    elapsed = time.monotonic() - started
    assert after["clock"]["calendar_version"] == "hz-2027.1"
    assert after["clock"]["uncovered_years"] == []
    assert [n["text"] for n in after["notes"] if n["at"]] == [
        "due instants recomputed under calendar hz-2027.1: "
        "committed due 2027-01-12 17:30 → 2027-01-14 17:30; "
        "statutory due 2027-02-02 17:30 → 2027-02-04 17:30; warning at 2027-01-08 17:30 → 2027-01-12 17:30; "
        "red card at 2027-01-15 17:30 → 2027-01-19 17:30"
    ]
    print(f"re-judged under the new calendar {elapsed:.1f} s after the activation")
    assert progress(system, "E2E-CAL-30")["provisional"]["committed_due"] is False

    runs = wait_for(
        lambda: [r for r in recompute_runs(system) if r["status"] != "RUNNING"],
        "the recompute execution to end",
    )
    assert [r["status"] for r in runs] == ["SUCCEEDED"]
    status, listed = http(system, "GET", "/v1/calendars", office)
    assert status == 200 and listed["active"] == "hz-2027.1" and listed["generation"] == 1
    (activation,) = listed["activations"]
    assert activation["recompute"]["checked"] >= 3 and activation["recompute"]["noted"] >= 2
