"""The exchange API end to end in-process: handlers, authorizer, DynamoDB on moto, the case workflow."""

from __future__ import annotations

import json
import random

import boto3
import pytest
from sunlight.approval.service.casework import check_case

from tests.integration.conftest import DEPT_A, KEYS, REGION, Cloud, call, example_records, push_live

pytestmark = pytest.mark.integration


def test_a_department_pushes_a_full_case_and_reads_it_back(cloud: Cloud) -> None:
    answers = push_live(cloud, KEYS["a"], example_records())
    assert [a["stored"] for a in answers] == [1] * 6
    status, case = call(cloud, "GET", "/v1/cases/C2026-000001", KEYS["a"])
    assert status == 200
    assert [e["type"] for e in case["timeline"]] == ["apply", "accept", "stage", "stage", "stage", "conclude"]
    assert case["stage"] == "concluded" and case["outcome"] == "issued"
    assert case["clock"]["committed_due"] == "2026-11-11T17:30:00+08:00"
    assert case["clock"]["elapsed_working_days"] == pytest.approx(4.111)  # 11-03..11-06 and 09:30 of 11-09
    assert case["alerts"] == []
    assert case["log"] == {"records": 6, "chain_intact": True, "head": case["log"]["head"]}
    assert cloud.workflow.started == ["C2026-000001"]


def test_a_case_that_skips_review_gets_the_p_order_yellow_card(cloud: Cloud) -> None:
    push_live(cloud, KEYS["a"], example_records("C2026-000002", skip="review"))
    _, case = call(cloud, "GET", "/v1/cases/C2026-000002", KEYS["a"])
    # The card was raised while the case ran; the case has concluded, so it is closed, not deleted.
    alerts = [(a["rule"], a["level"], a["status"]) for a in case["alerts"]]
    assert alerts == [("P-ORDER", "yellow_card", "closed")]
    history = case["alerts"][0]["history"]
    assert [h["status"] for h in history] == ["active", "closed"]
    assert history[1]["reason"] == "case concluded at 2026-11-09T09:30:00+08:00"


def test_the_same_batch_twice_stores_nothing_new(cloud: Cloud) -> None:
    call(cloud, "POST", "/v1/records", KEYS["a"], {"records": example_records()})
    status, again = call(cloud, "POST", "/v1/records", KEYS["a"], {"records": example_records()})
    assert status == 200 and again["stored"] == 0 and again["duplicate"] == 6
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName="sunlight-test-records")["Items"]
    assert len(items) == 6


def test_shuffled_records_arrive_at_the_same_case_view_and_alerts(cloud: Cloud) -> None:
    records = example_records("C2026-000003", skip="review")
    call(cloud, "POST", "/v1/records", KEYS["a"], {"records": records})
    shuffled = [dict(r, case_no="C2026-000004") for r in records]
    random.Random(4).shuffle(shuffled)
    for record in shuffled:  # one at a time, out of order
        call(cloud, "POST", "/v1/records", KEYS["a"], {"records": [record]})
    _, first = call(cloud, "GET", "/v1/cases/C2026-000003", KEYS["a"])
    _, second = call(cloud, "GET", "/v1/cases/C2026-000004", KEYS["a"])

    def comparable(view: dict) -> str:
        keep = {k: view[k] for k in ("stage", "outcome", "clock", "missing_seqs")}
        keep["timeline"] = [
            {k: v for k, v in e.items() if k not in ("received_at", "case_no")} for e in view["timeline"]
        ]
        keep["alerts"] = [(a["rule"], a["level"], a["status"], a["raised_at"]) for a in view["alerts"]]
        return json.dumps(keep, sort_keys=True, ensure_ascii=False)

    assert comparable(first) == comparable(second)


def test_another_department_can_neither_read_nor_write_the_case(cloud: Cloud) -> None:
    call(cloud, "POST", "/v1/records", KEYS["a"], {"records": example_records()})
    status, _ = call(cloud, "GET", "/v1/cases/C2026-000001", KEYS["b"])
    assert status == 404
    forged = [dict(r, case_no="C2026-000009") for r in example_records()]
    status, answer = call(cloud, "POST", "/v1/records", KEYS["b"], {"records": forged})
    assert status == 200 and answer["rejected"] == 6
    assert answer["results"][0]["errors"][0]["field"] == "dept_code"
    status, _ = call(cloud, "GET", "/v1/cases/C2026-000009", KEYS["office"])
    assert status == 404  # nothing of a rejected record is stored
    status, _ = call(cloud, "GET", "/v1/alerts", KEYS["b"], query={"dept_code": DEPT_A})
    assert status == 403


def test_no_key_or_an_unknown_key_is_401(cloud: Cloud) -> None:
    assert call(cloud, "GET", "/v1/items")[0] == 401
    assert call(cloud, "GET", "/v1/items", "not-a-key")[0] == 401
    assert call(cloud, "POST", "/v1/records", None, {"records": example_records()})[0] == 401


def test_a_malformed_batch_is_422_and_bad_records_are_rejected_field_by_field(cloud: Cloud) -> None:
    assert call(cloud, "POST", "/v1/records", KEYS["a"], "{not json")[0] == 422
    assert call(cloud, "POST", "/v1/records", KEYS["a"], {"records": []})[0] == 422
    assert call(cloud, "POST", "/v1/records", KEYS["a"], {"records": [{}] * 501})[0] == 422
    records = example_records("C2026-000005")
    records[1] = {**records[1], "committed_limit": {"value": 7, "unit": "X"}, "handler_id": None}
    records[2] = {**records[2], "occurred_at": "yesterday"}
    status, answer = call(cloud, "POST", "/v1/records", KEYS["a"], {"records": records})
    assert status == 200 and answer["stored"] == 4 and answer["rejected"] == 2
    fields = {r["index"]: sorted(e["field"] for e in r.get("errors", [])) for r in answer["results"]}
    assert fields[1] == ["committed_limit.unit", "handler_id"] and fields[2] == ["occurred_at"]
    _, case = call(cloud, "GET", "/v1/cases/C2026-000005", KEYS["a"])
    assert [e["seq"] for e in case["timeline"]] == [1, 4, 5, 6]
    assert case["missing_seqs"] == [2, 3]


def test_personal_data_is_sealed_at_rest_and_masked_in_answers(cloud: Cloud) -> None:
    records = example_records()
    records[0] = {
        **records[0],
        "applicant_type": "person",
        "applicant_name": "王小明",
        "applicant_id_no": "330102199001011234",
        "contact_phone": "13812345678",
    }
    call(cloud, "POST", "/v1/records", KEYS["a"], {"records": records})
    raw = json.dumps(
        boto3.client("dynamodb", region_name=REGION).scan(TableName="sunlight-test-records")["Items"],
        ensure_ascii=False,
    )
    for secret in ("330102199001011234", "13812345678", "王小明", "8F3K2Q"):
        assert secret not in raw
    _, case = call(cloud, "GET", "/v1/cases/C2026-000001", KEYS["office"])
    apply = case["timeline"][0]
    assert apply["applicant_id_no"] == "330***********1234" and apply["contact_phone"] == "138****5678"
    assert "query_code" not in case["timeline"][1]


def test_the_supervision_office_reads_its_region_and_keeps_the_catalogue(cloud: Cloud) -> None:
    call(cloud, "POST", "/v1/records", KEYS["a"], {"records": example_records("C2026-000002", skip="review")})
    assert call(cloud, "GET", "/v1/cases/C2026-000002", KEYS["office"])[0] == 200
    status, items = call(cloud, "GET", "/v1/items", KEYS["b"])
    assert status == 200 and [i["item_code"] for i in items["items"]] == ["330100-JS-001"]
    new_item = {**items["items"][0], "name": "建筑工程施工许可（新）"}
    assert call(cloud, "PUT", "/v1/items/330100-JS-001", KEYS["a"], new_item)[0] == 403
    status, saved = call(cloud, "PUT", "/v1/items/330100-JS-001", KEYS["office"], new_item)
    assert status == 200 and saved["name"] == "建筑工程施工许可（新）"
    bad = {**new_item, "statutory_limit": {"value": 15, "unit": "X"}}
    status, error = call(cloud, "PUT", "/v1/items/330100-JS-001", KEYS["office"], bad)
    assert status == 422 and error["problems"][0]["field"] == "statutory_limit.unit"


def test_alerts_are_filtered_and_paginated(cloud: Cloud) -> None:
    for n in range(5):
        call(
            cloud,
            "POST",
            "/v1/records",
            KEYS["a"],
            {"records": example_records(f"C2026-00010{n}", skip="review")},
        )
    status, page = call(cloud, "GET", "/v1/alerts", KEYS["a"], query={"limit": "2", "rule": "P-ORDER"})
    assert status == 200 and len(page["alerts"]) == 2 and page["cursor"]
    seen = [a["case_no"] for a in page["alerts"]]
    while page["cursor"]:
        query = {"limit": "2", "rule": "P-ORDER", "cursor": page["cursor"]}
        _, page = call(cloud, "GET", "/v1/alerts", KEYS["a"], query=query)
        seen += [a["case_no"] for a in page["alerts"]]
    assert sorted(seen) == [f"C2026-00010{n}" for n in range(5)]
    _, office = call(cloud, "GET", "/v1/alerts", KEYS["office"], query={"rule": "P-ORDER"})
    assert len(office["alerts"]) == 5
    _, none = call(cloud, "GET", "/v1/alerts", KEYS["b"])
    assert none["alerts"] == []


def test_the_openapi_description_is_public(cloud: Cloud) -> None:
    status, doc = call(cloud, "GET", "/v1/openapi.json")
    assert status == 200
    assert {"/v1/records", "/v1/items", "/v1/cases/{case_no}", "/v1/alerts"} <= set(doc["paths"])


def test_an_appeal_upheld_withdraws_the_card_and_both_steps_are_in_its_history(cloud: Cloud) -> None:
    push_live(cloud, KEYS["a"], example_records("C2026-000002", skip="review"))
    alert_id = "C2026-000002:P-ORDER:case"
    month = call(cloud, "GET", f"/v1/alerts/{alert_id}", KEYS["a"])[1]["raised_at"][:7]
    assert card_points(cloud, month) == {alert_id: -5.0}  # the yellow card, in the procedure section
    body = {"reason": "复核环节已线下完成，系统漏报", "evidence": ["复核意见书.pdf"]}
    assert call(cloud, "POST", f"/v1/alerts/{alert_id}/appeal", KEYS["b"], body)[0] == 404
    status, appealed = call(cloud, "POST", f"/v1/alerts/{alert_id}/appeal", KEYS["a"], body)
    assert status == 200 and appealed["status"] == "appealed"
    assert call(cloud, "POST", f"/v1/alerts/{alert_id}/appeal", KEYS["a"], body)[0] == 409
    decision = {"decision": "upheld", "reason": "经核实复核意见书，申诉成立"}
    assert call(cloud, "POST", f"/v1/alerts/{alert_id}/decision", KEYS["a"], decision)[0] == 403
    status, decided = call(cloud, "POST", f"/v1/alerts/{alert_id}/decision", KEYS["office"], decision)
    assert status == 200 and decided["status"] == "upheld"
    _, shown = call(cloud, "GET", f"/v1/alerts/{alert_id}", KEYS["a"])
    assert [h["status"] for h in shown["history"]] == ["active", "closed", "appealed", "upheld"]
    assert shown["history"][2]["evidence"] == ["复核意见书.pdf"]
    cloud.set_now("2026-11-21T09:00:00+08:00")
    call(cloud, "POST", "/v1/records", KEYS["a"], {"records": example_records("C2026-000002", skip="review")})
    check_case("C2026-000002", cloud.services)  # a later check does not bring the card back
    _, active = call(cloud, "GET", "/v1/alerts", KEYS["a"], query={"status": "active"})
    assert alert_id not in [a["alert_id"] for a in active["alerts"]]
    assert call(cloud, "GET", f"/v1/alerts/{alert_id}", KEYS["a"])[1]["status"] == "upheld"
    assert card_points(cloud, month) == {}


def card_points(cloud: Cloud, month: str) -> dict[str, float]:
    """What each card costs department A in its month's score, as the score's arithmetic shows it."""
    query = {"dept_code": DEPT_A, "period": month}
    status, score = call(cloud, "GET", "/v1/scores/explain", KEYS["a"], query=query)
    assert status == 200, score
    cards = [x for x in score["arithmetic"] if x["kind"] in ("yellow_card", "red_card")]
    return {alert: x["points"] for x in cards for alert in x["evidence"]}
