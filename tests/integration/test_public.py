"""The citizens' public API in-process on moto: the guide, a case's progress, throttling, rankings."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from public.handler import handler as public
from sunlight.approval.domain.catalog import Item

from tests.integration.conftest import (
    DEPT_A,
    DEPT_B,
    KEYS,
    Cloud,
    FakeContext,
    call,
    example_records,
    push_live,
)
from tests.unit.cases import ITEM

pytestmark = pytest.mark.integration
NOT_FOUND = {"found": False, "message": "未找到该办件，或查询密码不正确"}


def raw_post(cloud: Cloud, path: str, body: Any) -> tuple[int, bytes]:
    """The public handler's answer as bytes on the wire (no authorizer: the route is public)."""
    event = {
        "httpMethod": "POST",
        "path": path,
        "resource": path,
        "headers": {"content-type": "application/json"},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "isBase64Encoded": False,
        "body": json.dumps(body, ensure_ascii=False),
        "requestContext": {"requestId": "r1", "stage": "test", "resourcePath": path, "httpMethod": "POST"},
    }
    answer = public(event, FakeContext(), services=cloud.services)
    return answer["statusCode"], answer["body"].encode()


def with_expert_review(case_no: str) -> list[dict[str, Any]]:
    """The example case with an expert review (3-5 Nov) between undertaking and review."""
    records = example_records(case_no)
    base = {k: records[0][k] for k in ("case_no", "item_code", "dept_code", "region_code")}
    start = {
        **base,
        "type": "special_start",
        "occurred_at": "2026-11-03T16:00:00+08:00",
        "special_no": 1,
        "kind": "expert_review",
        "planned": {"value": 5, "unit": "G"},
        "reason": "技术方案需专家论证",
    }
    end = {**base, "type": "special_end", "occurred_at": "2026-11-05T10:00:00+08:00", "special_no": 1}
    ordered = [*records[:3], start, end, *records[3:]]
    for seq, record in enumerate(ordered, start=1):
        record["seq"] = seq
    ordered[5]["occurred_at"] = "2026-11-05T11:00:00+08:00"  # review after the experts
    return ordered


def test_the_guide_lists_items_with_limits_and_the_departments(cloud: Cloud) -> None:
    status, guide = call(cloud, "GET", "/public/items")
    assert status == 200
    (item,) = guide["items"]
    assert item["item_code"] == "330100-JS-001" and item["dept_name"] == DEPT_A  # no name in the catalogue
    assert item["statutory_limit"] == {"value": 15, "unit": "G"}
    assert item["committed_limit"] == {"value": 7, "unit": "G"}
    assert item["stages"] == ["undertake", "review", "approve"] and item["online_required"] is True
    assert item["on_time_rate"] is None and item["cases_concluded"] == 0
    assert guide["departments"] == [{"dept_code": DEPT_A, "dept_name": DEPT_A}]
    assert call(cloud, "GET", "/public/items", query={"q": "施工 许可"})[1]["items"] != []
    assert call(cloud, "GET", "/public/items", query={"q": "户籍"})[1]["items"] == []
    assert call(cloud, "GET", "/public/items", query={"dept_code": DEPT_B})[1]["items"] == []


def test_the_applicant_follows_a_case_with_its_query_code(cloud: Cloud) -> None:
    push_live(cloud, KEYS["a"], example_records())
    status, answer = call(
        cloud, "POST", "/public/progress", body={"case_no": "C2026-000001", "query_code": "8F3K2Q"}
    )
    assert status == 200 and answer["found"] is True
    case = answer["case"]
    assert case["item_name"] == "建筑工程施工许可" and case["stage"] == "concluded"
    assert case["stage_zh"] == "已办结" and case["outcome"] == "issued"
    assert case["accepted_at"] == "2026-11-02T10:00:00+08:00"
    assert case["committed_due"] == "2026-11-11T17:30:00+08:00"
    assert case["statutory_due"] == "2026-11-23T17:30:00+08:00"
    assert case["elapsed_working_days"] == pytest.approx(4.11, abs=0.01)
    assert [(e["seq"], e["label_zh"]) for e in case["timeline"]] == [
        (1, "窗口提交申请"),
        (2, "受理"),
        (3, "承办完成"),
        (4, "审核完成"),
        (5, "批准完成"),
        (6, "办结：准予许可"),
    ]
    assert set(case["timeline"][0]) == {"seq", "type", "label_zh", "occurred_at"}
    assert case["applicant_name"] == "杭州***公司" and case["pauses"] == []
    shown = json.dumps(answer, ensure_ascii=False)
    for secret in ("8F3K2Q", "王敏", "李强", "赵刚", "JS017", "杭州某建设有限公司", "13800000000"):
        assert secret not in shown


def test_a_pause_is_explained_to_the_applicant(cloud: Cloud) -> None:
    push_live(cloud, KEYS["a"], with_expert_review("C2026-000011"))
    query = {"case_no": "C2026-000011", "query_code": "8F3K2Q"}
    case = call(cloud, "POST", "/public/progress", body=query)[1]["case"]
    (pause,) = case["pauses"]
    assert pause["kind"] == "expert_review" and pause["kind_zh"] == "专家评审"
    assert pause["from"] == "2026-11-03T16:00:00+08:00" and pause["to"] == "2026-11-05T10:00:00+08:00"
    assert pause["working_days"] == pytest.approx(1.33, abs=0.01)  # 1.5 h + 9 h + 1.5 h of 9-hour days
    assert pause["explanation_zh"].startswith("专家评审期间不计入办理时限")
    assert [e["label_zh"] for e in case["timeline"]][3:5] == ["专家评审开始", "特别程序结束"]
    assert case["committed_due"] == "2026-11-13T11:30:00+08:00"  # 11-11 17:30 plus the 12 hours paused


def test_an_unknown_case_and_a_wrong_code_get_the_same_bytes(cloud: Cloud) -> None:
    push_live(cloud, KEYS["a"], example_records())
    wrong = raw_post(cloud, "/public/progress", {"case_no": "C2026-000001", "query_code": "8F3K2X"})
    unknown = raw_post(cloud, "/public/progress", {"case_no": "C2026-999999", "query_code": "8F3K2Q"})
    assert wrong == unknown
    assert wrong[0] == 200 and json.loads(wrong[1]) == NOT_FOUND


def test_the_21st_failure_in_a_minute_is_429_for_that_case_number_only(cloud: Cloud) -> None:
    push_live(cloud, KEYS["a"], example_records())
    cloud.set_now("2026-11-20T09:00:05+08:00")
    guess = {"case_no": "C2026-000001", "query_code": "AAAAAA"}
    answers = [call(cloud, "POST", "/public/progress", body=guess) for _ in range(20)]
    assert answers == [(200, NOT_FOUND)] * 20
    too_many = (429, {"found": False, "message": "查询过于频繁，请稍后再试"})
    assert call(cloud, "POST", "/public/progress", body=guess) == too_many
    right = {"case_no": "C2026-000001", "query_code": "8F3K2Q"}
    assert call(cloud, "POST", "/public/progress", body=right) == too_many  # even the right code
    other = {"case_no": "C2026-000002", "query_code": "AAAAAA"}
    assert call(cloud, "POST", "/public/progress", body=other) == (200, NOT_FOUND)
    cloud.set_now("2026-11-20T09:01:00+08:00")  # the next minute
    assert call(cloud, "POST", "/public/progress", body=right)[1]["found"] is True


def test_a_malformed_look_up_is_422_with_problems(cloud: Cloud) -> None:
    status, error = call(cloud, "POST", "/public/progress", body={"case_no": "C 1", "query_code": ""})
    assert status == 422 and error["error"] == "InvalidInput"
    assert sorted(p["field"] for p in error["problems"]) == ["case_no", "query_code"]
    assert call(cloud, "POST", "/public/progress", body="{not json")[0] == 422


def test_the_rankings_show_departments_with_enough_cases_and_count_the_others(cloud: Cloud) -> None:
    other = Item.model_validate({**ITEM.model_dump(), "item_code": "330100-SC-001", "dept_code": DEPT_B})
    cloud.services.catalog.put(other)
    for n in range(5):
        push_live(cloud, KEYS["a"], example_records(f"C2026-00020{n}"))
    late = example_records("C2026-000210")
    late[-1] = {**late[-1], "occurred_at": "2026-11-12T10:00:00+08:00"}  # after the committed 11-11 17:30
    push_live(cloud, KEYS["a"], late)
    status, ranking = call(cloud, "GET", "/public/rankings")
    assert status == 200 and ranking["min_cases"] == 5 and ranking["hidden"] == 1  # DEPT_B: no cases
    assert ranking["departments"] == [
        {
            "dept_code": DEPT_A,
            "dept_name": DEPT_A,
            "concluded": 6,
            "on_time": 5,
            "on_time_rate": pytest.approx(0.8333, abs=1e-4),
            "early_rate": pytest.approx(0.8333, abs=1e-4),
            "warnings": 0,  # the late case's warning was withdrawn by its yellow card
            "yellow_cards": 1,
            "red_cards": 0,
            "rank": 1,
            # 100, the yellow card -5 (time limits), 5 of 6 early = 83%: +8, limits cut 7/15: +5
            "total": 108.0,
            "standard_version": "domain-6.1",
            "change": None,
        }
    ]
    assert ranking["period"] == "2026-11" and ranking["cut_off"] == "2026-11-12" and not ranking["final"]
    assert ranking["standard_versions"] == ["domain-6.1"]
    assert dt.datetime.fromisoformat(ranking["as_of"]) == cloud.services.now()
    (item,) = call(cloud, "GET", "/public/items", query={"dept_code": DEPT_A})[1]["items"]
    assert item["on_time_rate"] == pytest.approx(0.8333, abs=1e-4) and item["cases_concluded"] == 6
