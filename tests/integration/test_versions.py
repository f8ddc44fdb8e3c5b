"""Calendars and rule configurations as versioned data, through the API on moto: load, list, activate,
and every open case re-judged under the activated version (here inline; the local mode and the cloud
run the recompute workflow)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sunlight.app.sweep import sweep
from sunlight.approval.domain.catalog import Item
from sunlight.approval.service.casework import check_case

from tests.integration.conftest import DEPT_A, KEYS, Cloud, call
from tests.unit.cases import ITEM
from tests.year_2027 import CALENDAR_2027, accepted_case

pytestmark = pytest.mark.integration

LONG_ITEM = Item.model_validate(
    {
        **ITEM.model_dump(mode="json"),
        "item_code": "330100-JS-045",
        "name": "建设项目环境影响评价审批",
        "statutory_limit": {"value": 45, "unit": "G"},
        "committed_limit": {"value": 30, "unit": "G"},
        "stage_limits": {},
    }
)


def case_records(case_no: str, committed: int = 30, unit: str = "G") -> list[dict[str, Any]]:
    return accepted_case(case_no, LONG_ITEM.item_code, DEPT_A, committed, unit)


@pytest.fixture
def city(cloud: Cloud) -> Cloud:
    cloud.services.catalog.put(LONG_ITEM)
    cloud.set_now("2026-12-01T10:05:00+08:00")
    return cloud


def submit(cloud: Cloud, records: list[dict[str, Any]]) -> None:
    status, answer = call(cloud, "POST", "/v1/records", KEYS["a"], {"records": records})
    assert status == 200, answer
    assert answer["rejected"] == 0, answer


def clock_of(cloud: Cloud, case_no: str) -> dict[str, Any]:
    status, view = call(cloud, "GET", f"/v1/cases/{case_no}", KEYS["office"])
    assert status == 200, view
    return view


def test_loading_and_activating_a_2027_calendar_moves_an_open_case_and_says_so(city: Cloud) -> None:
    submit(city, case_records("HB2026-000001"))
    before = clock_of(city, "HB2026-000001")
    assert before["clock"]["committed_due"] == "2027-01-12T17:30:00+08:00"
    assert before["clock"]["uncovered_years"] == [2027]
    assert before["clock"]["calendar_version"] == "default"

    status, loaded = call(city, "PUT", "/v1/calendars/hz-2027.1", KEYS["office"], CALENDAR_2027)
    assert status == 201, loaded
    status, activated = call(city, "POST", "/v1/calendars/hz-2027.1/activate", KEYS["office"])
    assert status == 200, activated
    assert activated["generation"] == 1 and activated["previous"] is None

    after = clock_of(city, "HB2026-000001")
    assert after["clock"]["committed_due"] == "2027-01-14T17:30:00+08:00"
    assert after["clock"]["uncovered_years"] == []
    assert after["clock"]["calendar_version"] == "hz-2027.1"
    assert after["judged_under"]["calendar_version"] == "hz-2027.1"
    texts = [n["text"] for n in after["notes"]]
    assert any(
        t.startswith(
            "due instants recomputed under calendar hz-2027.1: "
            "committed due 2027-01-12 17:30 → 2027-01-14 17:30"
        )
        for t in texts
    ), texts
    # The due index moved with it: the next moment is the new warning, not the old one.
    row = city.services.cases.get("HB2026-000001")
    assert row is not None and row.next_due is not None
    assert row.next_due.isoformat() > "2027-01-12"


def test_the_note_is_written_once_however_often_the_case_is_checked_again(city: Cloud) -> None:
    submit(city, case_records("HB2026-000002"))
    call(city, "PUT", "/v1/calendars/hz-2027.1", KEYS["office"], CALENDAR_2027)
    call(city, "POST", "/v1/calendars/hz-2027.1/activate", KEYS["office"])
    check_case("HB2026-000002", city.services)
    check_case("HB2026-000002", city.services)
    notes = [n for n in clock_of(city, "HB2026-000002")["notes"] if n["at"]]
    assert len(notes) == 1


def test_a_version_is_immutable_same_content_200_other_content_409(city: Cloud) -> None:
    assert call(city, "PUT", "/v1/calendars/hz-2027.1", KEYS["office"], CALENDAR_2027)[0] == 201
    assert call(city, "PUT", "/v1/calendars/hz-2027.1", KEYS["office"], CALENDAR_2027)[0] == 200
    # Defaults filled in are the same content: the canonical document is compared, not the text.
    sparse = {"version": "hz-2027.1", "years": CALENDAR_2027["years"]}
    assert call(city, "PUT", "/v1/calendars/hz-2027.1", KEYS["office"], sparse)[0] == 200
    changed = json.loads(json.dumps(CALENDAR_2027))
    changed["years"]["2027"]["holidays"].append("2027-01-05")
    status, answer = call(city, "PUT", "/v1/calendars/hz-2027.1", KEYS["office"], changed)
    assert status == 409, answer
    status, listed = call(city, "GET", "/v1/calendars", KEYS["office"])
    assert status == 200
    assert [v["version"] for v in listed["versions"]] == ["hz-2027.1"]
    assert listed["active"] == "default"
    assert listed["uncovered_years"] == [2027]  # now is 2026-12-01: the next 60 days reach 2027


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**CALENDAR_2027, "holidays": ["2027-01-01"]}, "holidays"),
        ({**CALENDAR_2027, "extra_holidays": ["2027-13-01"]}, "extra_holidays[0]"),
        ({**CALENDAR_2027, "office_hours": ["17:30", "08:30"]}, "office_hours"),
        (
            {**CALENDAR_2027, "years": {"2027": {"holidays": ["2027-01-01"], "workdays": ["2027-01-01"]}}},
            "years.2027.workdays[0]",
        ),
        ({**CALENDAR_2027, "years": {"2027": {"holidays": ["2028-01-01"]}}}, "years.2027.holidays[0]"),
    ],
)
def test_a_malformed_calendar_is_a_422_naming_the_field(
    city: Cloud, body: dict[str, Any], field: str
) -> None:
    status, answer = call(city, "PUT", "/v1/calendars/hz-2027.1", KEYS["office"], body)
    assert status == 422, answer
    assert field in [p["field"] for p in answer["problems"]], answer


def test_a_body_naming_another_version_than_the_path_is_a_422_naming_the_version(city: Cloud) -> None:
    status, answer = call(city, "PUT", "/v1/calendars/hz-2027.2", KEYS["office"], CALENDAR_2027)
    assert status == 422 and [p["field"] for p in answer["problems"]] == ["version"], answer
    assert call(city, "GET", "/v1/calendars/hz-2027.2", KEYS["office"])[0] == 404


def test_departments_read_versions_but_may_not_load_or_activate_them(city: Cloud) -> None:
    assert call(city, "PUT", "/v1/calendars/hz-2027.1", KEYS["a"], CALENDAR_2027)[0] == 403
    assert call(city, "PUT", "/v1/calendars/hz-2027.1", KEYS["office"], CALENDAR_2027)[0] == 201
    assert call(city, "POST", "/v1/calendars/hz-2027.1/activate", KEYS["a"])[0] == 403
    assert call(city, "GET", "/v1/calendars", KEYS["a"])[0] == 200
    assert call(city, "GET", "/v1/calendars/hz-2027.1", KEYS["a"])[0] == 200
    assert call(city, "PUT", "/v1/rules/2027.1", KEYS["a"], {"version": "2027.1"})[0] == 403
    assert call(city, "GET", "/v1/calendars", None)[0] == 401


def test_activating_an_unknown_version_is_a_404(city: Cloud) -> None:
    assert call(city, "POST", "/v1/calendars/nope/activate", KEYS["office"])[0] == 404
    assert call(city, "GET", "/v1/calendars/nope", KEYS["office"])[0] == 404


def test_rule_configuration_versions_load_activate_and_judge_new_alerts(city: Cloud) -> None:
    submit(city, case_records("HB2026-000003"))
    rules = {"version": "2027.1", "warn_days_before": 5, "yellow_cure_days": 2}
    status, answer = call(city, "PUT", "/v1/rules/2027.1", KEYS["office"], rules)
    assert status == 201, answer
    status, answer = call(
        city,
        "PUT",
        "/v1/rules/2027.2",
        KEYS["office"],
        {"version": "2027.2", "levels": {"T-NOPE": "warning"}},
    )
    assert status == 422 and any(p["field"].startswith("levels") for p in answer["problems"]), answer
    status, activated = call(city, "POST", "/v1/rules/2027.1/activate", KEYS["office"])
    assert status == 200 and activated["generation"] == 1, activated
    view = clock_of(city, "HB2026-000003")
    assert view["judged_under"]["rules_version"] == "2027.1"
    assert view["clock"]["warn_lead_days"] == 5
    assert any(
        n["text"].startswith("due instants recomputed under rules 2027.1: warning at") for n in view["notes"]
    )
    # Alerts raised later name the rule and calendar versions they were judged under.
    city.set_now("2027-01-20T09:00:00+08:00")
    sweep(city.services)
    status, listed = call(city, "GET", "/v1/alerts", KEYS["office"], query={"rule": "T-YELLOW"})
    assert status == 200
    (yellow,) = [a for a in listed["alerts"] if a["case_no"] == "HB2026-000003"]
    assert yellow["facts"]["rule_config_version"] == "2027.1"
    assert yellow["facts"]["calendar_version"] == "default"


def test_the_office_sees_an_operational_notice_while_the_calendar_leaves_the_next_60_days_uncovered(
    city: Cloud,
) -> None:
    city.set_now("2026-12-01T10:05:00+08:00")
    status, listed = call(city, "GET", "/v1/alerts", KEYS["office"])
    assert status == 200
    (notice,) = listed["notices"]
    assert notice["kind"] == "calendar_uncovered" and notice["uncovered_years"] == [2027]
    status, dept = call(city, "GET", "/v1/alerts", KEYS["a"])
    assert "notices" not in dept
    call(city, "PUT", "/v1/calendars/hz-2027.1", KEYS["office"], CALENDAR_2027)
    call(city, "POST", "/v1/calendars/hz-2027.1/activate", KEYS["office"])
    assert call(city, "GET", "/v1/alerts", KEYS["office"])[1]["notices"] == []
    # A sweep reports the same coverage (its handler turns it into the alarmed metric).
    assert sweep(city.services).coverage["uncovered_years"] == []


def test_a_version_too_large_to_store_is_a_422_not_a_failure(city: Cloud) -> None:
    body = {"version": "big", "legal_basis": {"T-WARN": "《行政许可法》" * 40_000}}
    status, answer = call(city, "PUT", "/v1/rules/big", KEYS["office"], body)
    assert status == 422 and "at most" in answer["problems"][0]["problem"], answer
    assert call(city, "GET", "/v1/rules/big", KEYS["office"])[0] == 404


def test_an_activation_retracts_a_card_the_new_calendar_no_longer_supports(city: Cloud) -> None:
    submit(city, case_records("HB2026-000004"))
    city.set_now("2027-01-13T09:00:00+08:00")  # past the weekends-only due instant, 2027-01-12 17:30
    sweep(city.services)
    alert_id = "HB2026-000004:T-YELLOW:case"
    yellow = city.services.alerts.get(alert_id)
    assert yellow is not None and yellow["status"] == "active"

    call(city, "PUT", "/v1/calendars/hz-2027.1", KEYS["office"], CALENDAR_2027)
    call(city, "POST", "/v1/calendars/hz-2027.1/activate", KEYS["office"])

    retracted = city.services.alerts.get(alert_id)
    assert retracted is not None and retracted["status"] == "retracted"
    view = clock_of(city, "HB2026-000004")
    assert view["clock"]["committed_due"] == "2027-01-14T17:30:00+08:00"
    standing = {a["rule"] for a in view["alerts"] if a["status"] == "active"}
    assert "T-YELLOW" not in standing and "T-WARN" in standing  # due 14th: within the warning period
