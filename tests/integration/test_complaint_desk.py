"""A complaint end to end on moto: filed on the portal, moved at the desk, followed and rated."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends
from sunlight.app.sweep import sweep

from tests.integration.conftest import DEPT_A, KEYS, REGION, Cloud, call

pytestmark = pytest.mark.integration
FILING = {
    "kind": "complaint",
    "text": "在市住建局窗口办理施工许可，工作人员要求提供法律没有规定的材料。",
    "anonymous": False,
    "name": "王小明",
    "phone": "13812345678",
    "about": {"dept_code": DEPT_A, "window": "3号窗口", "case_no": "C2026-000001"},
}


def texts() -> list[tuple[str, str]]:
    return [(m[0], m[1]) for m in sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values()]


def file(cloud: Cloud, body: dict[str, Any] | None = None) -> dict[str, Any]:
    status, answer = call(cloud, "POST", "/public/complaints", body=body or FILING)
    assert status == 201, answer
    return answer


def desk(cloud: Cloud, number: str, key: str, **body: Any) -> tuple[int, Any]:
    return call(cloud, "POST", f"/v1/complaints/{number}/steps", KEYS[key], body)


def status_of(cloud: Cloud, number: str, code: str) -> Any:
    return call(
        cloud, "POST", "/public/complaints/status", body={"complaint_no": number, "query_code": code}
    )[1]


def test_a_complaint_goes_from_the_portal_through_the_desk_to_the_citizens_rating(cloud: Cloud) -> None:
    filed = file(cloud)
    number, code = filed["complaint_no"], filed["query_code"]
    assert number == "TS2026112000001" and len(code) == 6 and filed["kind"] == "complaint"
    assert filed["due"] == "2026-12-09T17:30:00+08:00"  # 13 working days after Fri 11-20
    ((phone, text),) = texts()
    assert phone == "+8613812345678" and number in text and code in text

    status = status_of(cloud, number, code)
    assert status["found"] is True and status["complaint"]["state"] == "received"
    assert status["complaint"]["state_zh"] == "已收到" and status["complaint"]["can_rate"] is False

    assert desk(cloud, number, "a", step="accept")[0] == 403  # a department may not accept
    assert desk(cloud, number, "office", step="verify")[0] == 409  # nothing to verify yet
    assert desk(cloud, number, "office", step="accept")[0] == 200
    cloud.set_now("2026-11-20T10:00:00+08:00")
    code_, moved = desk(cloud, number, "office", step="direct", dept_code=DEPT_A, due_days=3)
    assert code_ == 200 and moved["state"] == "directed" and moved["dept_due"] == "2026-11-25T17:30:00+08:00"
    assert moved["next_due"] == "2026-11-24T17:30:01+08:00"

    assert call(cloud, "GET", f"/v1/complaints/{number}", KEYS["b"])[0] == 404  # not directed to B
    listed = call(cloud, "GET", "/v1/complaints", KEYS["a"])[1]["complaints"]
    assert [c["complaint_no"] for c in listed] == [number]
    seen = call(cloud, "GET", f"/v1/complaints/{number}", KEYS["a"])[1]
    assert seen["steps"] == ["reply"] and seen["contact"] == {"name": "王**", "phone": "138****5678"}
    assert seen["about"]["window"] == "3号窗口" and seen["region_code"] == "330100"

    cloud.set_now("2026-11-23T15:00:00+08:00")
    reply = "经核查，窗口工作人员要求不当，已批评教育并改正，向您致歉。"
    assert desk(cloud, number, "office", step="reply", reply=reply)[0] == 403  # the department holds it
    assert desk(cloud, number, "a", step="reply", reply=reply)[0] == 200
    assert desk(cloud, number, "a", step="reply", reply=reply)[0] == 409

    status = status_of(cloud, number, code)["complaint"]
    assert status["state"] == "replied" and status["reply"] == reply and status["can_rate"] is True

    assert desk(cloud, number, "office", step="verify", reason="电话回访，投诉人认可")[0] == 200
    rating = {"complaint_no": number, "query_code": code.lower(), "rating": 5, "comment": "处理及时"}
    assert call(cloud, "POST", "/public/complaints/rating", body=rating) == (200, {"ok": True})
    assert call(cloud, "POST", "/public/complaints/rating", body=rating)[0] == 409  # rated once
    assert desk(cloud, number, "office", step="close")[0] == 200

    status = status_of(cloud, number, code)["complaint"]
    assert [h["state"] for h in status["history"]] == [
        "received", "accepted", "directed", "replied", "verified", "closed",
    ]  # fmt: skip
    assert [h["state_zh"] for h in status["history"]][-2:] == ["已核实", "已办结"]
    assert status["rating"] == 5 and status["can_rate"] is False
    assert all(set(h) == {"at", "state", "state_zh", "note"} for h in status["history"])
    # The complainant heard of each public step by text: receipt, accepted, replied, closed.
    sent = [text for phone, text in texts() if phone == "+8613812345678"]
    assert (
        len(sent) == 4
        and [s for s in sent[1:] if "已受理" in s or "已答复" in s or "已办结" in s] == sent[1:]
    )


def test_a_rating_before_the_reply_is_409_and_a_wrong_code_is_not_found(cloud: Cloud) -> None:
    filed = file(cloud)
    rating = {"complaint_no": filed["complaint_no"], "query_code": filed["query_code"], "rating": 3}
    assert call(cloud, "POST", "/public/complaints/rating", body=rating)[0] == 409
    wrong = status_of(cloud, filed["complaint_no"], "ZZZZZZ")
    unknown = status_of(cloud, "TS2026112099999", filed["query_code"])
    assert wrong == unknown == {"found": False, "message": "未找到该投诉，或查询密码不正确"}
    rating["query_code"] = "ZZZZZZ"
    assert call(cloud, "POST", "/public/complaints/rating", body=rating)[1] == wrong


def test_personal_data_and_the_code_are_never_stored_in_clear(cloud: Cloud) -> None:
    filed = file(cloud)
    raw = json.dumps(
        boto3.client("dynamodb", region_name=REGION).scan(TableName="sunlight-test-complaints")["Items"],
        ensure_ascii=False,
    )
    for secret in ("13812345678", "王小明", filed["query_code"]):
        assert secret not in raw


def test_an_anonymous_enquiry_keeps_no_contact_and_the_office_lists_it(cloud: Cloud) -> None:
    body = {
        "kind": "enquiry",
        "text": "办理施工许可需要哪些材料？",
        "anonymous": True,
        "phone": "13900001111",
    }
    filed = file(cloud, body)
    assert filed["due"] == "2026-11-25T17:30:00+08:00"  # 3 working days
    assert any(p == "+8613900001111" for p, _ in texts())
    listed = call(cloud, "GET", "/v1/complaints", KEYS["office"], query={"state": "received"})[1]
    assert [c["complaint_no"] for c in listed["complaints"]] == [filed["complaint_no"]]
    seen = call(cloud, "GET", f"/v1/complaints/{filed['complaint_no']}", KEYS["office"])[1]
    assert seen["anonymous"] is True and seen["contact"] is None
    assert seen["steps"] == ["accept", "reject"]


def test_a_bad_filing_is_422_with_problems(cloud: Cloud) -> None:
    bad = {**FILING, "kind": "praise", "phone": "12345", "about": {"dept_code": "11330100MB0000000Y"}}
    status, error = call(cloud, "POST", "/public/complaints", body=bad)
    assert status == 422 and sorted(p["field"] for p in error["problems"]) == ["kind", "phone"]
    unknown_dept = {**FILING, "about": {"dept_code": "11330100MB0000000Y"}}
    status, error = call(cloud, "POST", "/public/complaints", body=unknown_dept)
    assert status == 422 and error["problems"][0]["field"] == "about.dept_code"
    status, error = call(cloud, "POST", "/v1/complaints/TS1/steps", KEYS["office"], {"step": "fly"})
    assert status == 422


def test_the_sweep_cards_a_directed_complaint_once_from_the_due_index(cloud: Cloud) -> None:
    number = file(cloud)["complaint_no"]
    desk(cloud, number, "office", step="accept")
    desk(cloud, number, "office", step="direct", dept_code=DEPT_A, due_days=1)  # due Mon 11-23 17:30
    cloud.set_now("2026-11-23T17:31:00+08:00")
    report = sweep(cloud.services)
    assert report.failed == [] and report.checked == 1
    statuses = cloud.services.alerts.statuses(number)
    assert statuses == {f"{number}:C-WARN:directed": "withdrawn", f"{number}:C-YELLOW:directed": "active"}
    again = sweep(cloud.services)
    assert again.read == 0 and again.changed == 0  # next moment: the red card, three working days on
    office = call(cloud, "GET", "/v1/alerts", KEYS["a"], query={"rule": "C-YELLOW"})[1]["alerts"]
    assert [a["alert_id"] for a in office] == [f"{number}:C-YELLOW:directed"]
    seen = call(cloud, "GET", f"/v1/complaints/{number}", KEYS["office"])[1]
    assert seen["next_due"] == "2026-11-26T17:30:01+08:00"
    assert [a["rule"] for a in seen["alerts"]] == ["C-WARN", "C-YELLOW"]
