"""The spine end to end on the local embedded mode, through real HTTP on 127.0.0.1.

A sample department pushes whole cases with its own key; each case's Step Functions execution (moto,
executing) runs the real rule-check and park handlers; the answers come back over the gateway.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from sunlight.devtools.local.cloud import client
from sunlight.devtools.local.runner import LocalSystem
from sunlight.devtools.sample.city import make_catalog

from tests.e2e.portal_fixtures import concluded_case
from tests.waiting import wait_for

pytestmark = pytest.mark.e2e
TZ = dt.timezone(dt.timedelta(hours=8))


def http(
    system: LocalSystem, method: str, path: str, key: str | None = None, body: Any = None
) -> tuple[int, Any]:
    assert system.gateway is not None
    data = body.encode() if isinstance(body, str) else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(system.gateway.url + path, data=data, method=method)
    if key:
        request.add_header("x-api-key", key)
    if data is not None:
        request.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def keys(system: LocalSystem) -> dict[str, str]:
    return {k.dept_code or "office": k.key for k in system.keys}


def a_case(case_no: str, skip: str | None = None, dept_index: int = 0) -> tuple[str, list[dict[str, Any]]]:
    """A whole case of a sample item that needs no online handling, each step minutes ago."""
    items = sorted(
        (i for i in make_catalog() if not i.online_required and len(i.stages) == 3), key=lambda i: i.item_code
    )
    item = items[dept_index]
    return item.dept_code, concluded_case(item, case_no, skip=skip, query_code="8F3K2Q")


def execution_status(system: LocalSystem, case_no: str) -> str | None:
    assert system.provisioned is not None
    runs = client("stepfunctions").list_executions(stateMachineArn=system.provisioned.state_machine_arn)
    return next((e["status"] for e in runs["executions"] if e["name"] == case_no), None)


def test_a_department_pushes_a_full_case_its_execution_succeeds_and_it_reads_the_case(
    system: LocalSystem,
) -> None:
    dept, records = a_case("E2E-FULL-1")
    status, answer = http(system, "POST", "/v1/records", keys(system)[dept], {"records": records})
    assert status == 200 and answer["stored"] == 6, answer
    assert wait_for(
        lambda: execution_status(system, "E2E-FULL-1") == "SUCCEEDED", "E2E-FULL-1's execution to succeed"
    )
    status, case = http(system, "GET", "/v1/cases/E2E-FULL-1", keys(system)[dept])
    assert status == 200
    assert [e["type"] for e in case["timeline"]] == ["apply", "accept", "stage", "stage", "stage", "conclude"]
    assert case["stage"] == "concluded" and case["clock"]["committed_due"]
    assert case["timeline"][0]["applicant_id_no"] == "330***********1234"
    assert case["alerts"] == []


def test_a_case_that_skips_review_gets_the_p_order_yellow_card(system: LocalSystem) -> None:
    dept, records = a_case("E2E-SKIP-1", skip="review")
    http(system, "POST", "/v1/records", keys(system)[dept], {"records": records})

    def alerts() -> list[Any]:
        return http(system, "GET", "/v1/cases/E2E-SKIP-1", keys(system)[dept])[1]["alerts"]

    found = wait_for(alerts, "the alerts of E2E-SKIP-1")
    assert [(a["rule"], a["level"]) for a in found] == [("P-ORDER", "yellow_card")]


def test_the_same_batch_twice_stores_nothing_new(system: LocalSystem) -> None:
    dept, records = a_case("E2E-TWICE-1")
    http(system, "POST", "/v1/records", keys(system)[dept], {"records": records})
    status, again = http(system, "POST", "/v1/records", keys(system)[dept], {"records": records})
    assert status == 200 and (again["stored"], again["duplicate"]) == (0, 6)


def test_shuffled_records_arrive_at_the_same_case_view_and_alerts(system: LocalSystem) -> None:
    dept, records = a_case("E2E-ORDER-1", skip="review")
    _, shuffled = a_case("E2E-ORDER-2", skip="review")
    random.Random(3).shuffle(shuffled)
    key = keys(system)[dept]
    http(system, "POST", "/v1/records", key, {"records": records})
    for record in shuffled:
        http(system, "POST", "/v1/records", key, {"records": [record]})

    def view(case_no: str) -> dict[str, Any] | None:
        case = http(system, "GET", f"/v1/cases/{case_no}", key)[1]
        settled = case["stage"] == "concluded" and all(a["status"] == "closed" for a in case["alerts"])
        if not case["alerts"] or len(case["timeline"]) < 5 or not settled:
            return None  # the workflow is still checking the last records
        return {
            "stage": case["stage"],
            "outcome": case["outcome"],
            "types": [(e["seq"], e["type"]) for e in case["timeline"]],
            "alerts": sorted((a["rule"], a["level"], a["status"]) for a in case["alerts"]),
        }

    assert wait_for(lambda: view("E2E-ORDER-1"), "E2E-ORDER-1's view") == wait_for(
        lambda: view("E2E-ORDER-2"), "E2E-ORDER-2's view"
    )


def test_another_department_cannot_read_or_write_the_case_and_no_key_is_401(system: LocalSystem) -> None:
    dept, records = a_case("E2E-OWN-1")
    _, other_records = a_case("E2E-OWN-1", dept_index=40)
    other = other_records[0]["dept_code"]
    assert other != dept
    http(system, "POST", "/v1/records", keys(system)[dept], {"records": records})
    assert http(system, "GET", "/v1/cases/E2E-OWN-1", keys(system)[other])[0] == 404
    status, answer = http(system, "POST", "/v1/records", keys(system)[other], {"records": records})
    assert status == 200 and answer["rejected"] == 6
    assert http(system, "GET", "/v1/cases/E2E-OWN-1")[0] == 401
    assert http(system, "GET", "/v1/cases/E2E-OWN-1", "sl_not_a_key")[0] == 401
    assert http(system, "GET", "/v1/cases/E2E-OWN-1", keys(system)["office"])[0] == 200


def test_a_malformed_batch_is_422_or_rejected_field_by_field(system: LocalSystem) -> None:
    dept, records = a_case("E2E-BAD-1")
    key = keys(system)[dept]
    assert http(system, "POST", "/v1/records", key, "{oops")[0] == 422
    records[1]["committed_limit"] = {"value": 1, "unit": "X"}
    status, answer = http(system, "POST", "/v1/records", key, {"records": records})
    assert status == 200 and answer["rejected"] == 1
    assert answer["results"][1]["errors"][0]["field"] == "committed_limit.unit"


def test_the_openapi_description_is_served_publicly(system: LocalSystem) -> None:
    status, doc = http(system, "GET", "/v1/openapi.json")
    assert status == 200 and "/v1/records" in doc["paths"]


def test_keys_file_is_what_the_banner_promises(system: LocalSystem) -> None:
    saved = json.loads(Path(system.data / "keys.json").read_text(encoding="utf-8"))
    assert len(saved["keys"]) == len(system.keys) >= 43


def test_the_readme_walkthrough_works(system: LocalSystem) -> None:
    """README "Try it": the forestry bureau pushes a case that skipped review, weeks after the fact."""
    body = json.loads((Path(__file__).parent / "data" / "readme_case.json").read_text(encoding="utf-8"))
    key = keys(system)["11330100MB0000018D"]
    status, answer = http(system, "POST", "/v1/records", key, body)
    assert status == 200 and answer["stored"] == 5

    def rules() -> set[str]:
        return {a["rule"] for a in http(system, "GET", "/v1/cases/LY2026-000001", key)[1]["alerts"]}

    assert wait_for(lambda: {"P-ORDER", "L-LATE-REPORT"} <= rules(), "P-ORDER and L-LATE-REPORT on the case")


def test_the_local_scheduler_fires_the_sweep(system: LocalSystem) -> None:
    assert system.provisioned is not None and system._invoker is not None
    report = system._invoker.invoke(system.provisioned.functions["sweep"], {"source": "aws.events"})
    assert set(report) >= {"read", "checked", "failed"} and report["failed"] == []
