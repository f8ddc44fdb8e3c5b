"""Each default rule fires where the law says and stays silent where it must not."""

from __future__ import annotations

import pytest
from sunlight.approval.domain.config import KNOWN_RULES, RuleConfig
from sunlight.approval.domain.records import Limit
from sunlight.approval.domain.rules import RULES
from sunlight.kernel.calendar import WorkCalendar

from tests.unit.cases import ITEM, Case, at

pytestmark = pytest.mark.unit

FREE_ITEM = ITEM
PAID_ITEM = ITEM.model_copy(update={"item_code": "330100-JS-002", "fee_standard": "120.00"})


def test_every_rule_of_the_domain_reference_is_implemented_and_known_to_the_configuration() -> None:
    assert (
        set(RULES)
        == set(KNOWN_RULES)
        == {
            "T-WARN",
            "T-YELLOW",
            "T-RED",
            "T-ACCEPT",
            "T-STAGE",
            "T-SPECIAL",
            "P-ORDER",
            "P-SUPP-AFTER-ACCEPT",
            "P-SUPP-REPEAT",
            "P-REFUSE-NO-REASON",
            "P-OFFLINE",
            "F-FEE",
            "L-TIMING",
            "L-LATE-REPORT",
            "L-LIMIT",
        }
    )


def test_a_case_concluded_on_time_raises_nothing(calendar: WorkCalendar) -> None:
    assert Case().full().alerts(calendar, "2026-11-30 09:00") == []


# -- T-WARN / T-YELLOW / T-RED: accepted Mon 2026-11-02, committed 7 G (due 11-11 17:30) --------


def _open_case() -> Case:
    return Case().apply().accept().stage("undertake", "2026-11-03 15:30")


def test_warning_two_working_days_before_the_committed_limit(calendar: WorkCalendar) -> None:
    alert = _open_case().active(calendar, "2026-11-10 09:00")["T-WARN"]
    assert alert.raised_at == at("2026-11-09 17:30")
    assert alert.level == "warning"
    assert alert.facts["clock"]["committed_due"] == "2026-11-11T17:30:00+08:00"
    assert "预警" in alert.message and "2026-11-11 17:30" in alert.message


def test_no_warning_before_its_moment_or_once_concluded(calendar: WorkCalendar) -> None:
    assert "T-WARN" not in _open_case().active(calendar, "2026-11-09 17:00")
    done = _open_case().stages("2026-11-03 15:30", "2026-11-04 10:00", "2026-11-05 10:00")
    assert done.conclude("2026-11-09 12:00").alerts(calendar, "2026-11-20 09:00") == []


def test_yellow_card_after_the_committed_limit_withdraws_the_warning(calendar: WorkCalendar) -> None:
    alerts = {a.rule: a for a in _open_case().alerts(calendar, "2026-11-12 09:00")}
    assert alerts["T-YELLOW"].level == "yellow_card" and alerts["T-YELLOW"].status == "active"
    assert alerts["T-YELLOW"].raised_at == at("2026-11-11 17:30")
    assert alerts["T-WARN"].status == "withdrawn"
    assert alerts["T-WARN"].withdrawn_by == "T-YELLOW:case"


def test_no_yellow_card_when_concluded_before_the_committed_limit(calendar: WorkCalendar) -> None:
    case = _open_case().stage("review", "2026-11-10 10:00").stage("approve", "2026-11-11 10:00")
    active = case.conclude("2026-11-11 17:00").active(calendar, "2026-11-30 09:00")
    assert "T-YELLOW" not in active
    assert "T-WARN" in active  # it was raised while the case was open, and stays on record


def test_red_card_when_the_yellow_card_is_not_cured_in_three_working_days(calendar: WorkCalendar) -> None:
    alerts = {a.rule: a for a in _open_case().alerts(calendar, "2026-11-17 09:00")}
    red = alerts["T-RED"]
    assert red.level == "red_card" and red.raised_at == at("2026-11-16 17:30")
    assert red.facts["clock"]["red_reason"] == "yellow_not_cured"
    assert alerts["T-YELLOW"].status == "withdrawn" and alerts["T-WARN"].status == "withdrawn"


def test_red_card_at_the_statutory_limit_when_the_cure_period_is_longer(calendar: WorkCalendar) -> None:
    config = RuleConfig(yellow_cure_days=20)
    assert "T-RED" not in _open_case().active(calendar, "2026-11-23 17:00", config)
    red = _open_case().active(calendar, "2026-11-24 09:00", config)["T-RED"]
    assert red.raised_at == at("2026-11-23 17:30")
    assert red.facts["clock"]["red_reason"] == "statutory_limit"
    assert "法定时限" in red.message


def test_a_type_b_special_procedure_pauses_the_clock(calendar: WorkCalendar) -> None:
    case = _open_case().add(
        "special_start",
        "2026-11-04 09:00",
        special_no=1,
        kind="expert_review",
        planned={"value": 10, "unit": "G"},
    )
    case.add("special_end", "2026-11-11 09:00", special_no=1, result="通过")
    assert "T-YELLOW" not in case.active(calendar, "2026-11-12 09:00")
    clock = case.active(calendar, "2026-11-17 09:00")["T-WARN"].facts["clock"]
    assert clock["committed_due"] == "2026-11-18T17:30:00+08:00"  # 5 working days paused
    assert clock["paused_working_days"] == 5


def test_an_extension_decided_in_time_moves_the_limits(calendar: WorkCalendar) -> None:
    case = _open_case().add(
        "special_start",
        "2026-11-05 09:00",
        special_no=1,
        kind="extension",
        planned={"value": 10, "unit": "G"},
    )
    clock = case.active(calendar, "2026-11-24 09:00")["T-WARN"].facts["clock"]
    assert clock["committed_due"] == "2026-11-25T17:30:00+08:00"
    assert clock["statutory_due"] == "2026-12-07T17:30:00+08:00"


def test_an_extension_decided_after_the_limit_passed_does_not_cure_it(calendar: WorkCalendar) -> None:
    case = _open_case().add(
        "special_start",
        "2026-11-12 09:00",
        special_no=1,
        kind="extension",
        planned={"value": 10, "unit": "G"},
    )
    assert "T-YELLOW" in case.active(calendar, "2026-11-12 10:00")


# -- T-ACCEPT ------------------------------------------------------------------------------


def test_yellow_card_when_no_acceptance_decision_within_five_working_days(calendar: WorkCalendar) -> None:
    alert = Case().apply("2026-11-02 09:12").active(calendar, "2026-11-10 09:00")["T-ACCEPT"]
    assert alert.level == "yellow_card" and alert.raised_at == at("2026-11-09 17:30")


def test_a_supplement_notice_within_five_days_is_an_acceptance_decision(calendar: WorkCalendar) -> None:
    case = Case().apply().add("supplement_notice", "2026-11-04 10:00", reason="缺材料", materials=["图纸"])
    assert "T-ACCEPT" not in case.active(calendar, "2026-11-20 09:00")
    assert "T-ACCEPT" not in Case().apply().active(calendar, "2026-11-09 17:00")


# -- T-STAGE (undertake limited to 2 working days) ------------------------------------------


def test_warning_when_a_stage_exceeds_its_stage_limit(calendar: WorkCalendar) -> None:
    case = Case().apply().accept().stage("undertake", "2026-11-05 09:00")
    alert = case.active(calendar, "2026-11-05 10:00")["T-STAGE"]
    assert alert.facts["stage"] == "undertake" and alert.raised_at == at("2026-11-04 17:30")


def test_warning_when_the_pending_stage_runs_past_its_limit(calendar: WorkCalendar) -> None:
    case = Case().apply().accept()
    assert "T-STAGE" not in case.active(calendar, "2026-11-04 17:00")
    assert case.active(calendar, "2026-11-05 09:00")["T-STAGE"].facts["stage_done_at"] is None


def test_no_stage_warning_within_the_stage_limit(calendar: WorkCalendar) -> None:
    assert "T-STAGE" not in Case().apply().accept().stage("undertake", "2026-11-04 17:00").active(
        calendar, "2026-11-06 09:00"
    )


# -- T-SPECIAL -----------------------------------------------------------------------------


def _hearing(end: str | None = None) -> Case:
    case = _open_case().add(
        "special_start", "2026-11-03 16:00", special_no=1, kind="hearing", planned={"value": 5, "unit": "G"}
    )
    return case.add("special_end", end, special_no=1, result="听证结束") if end else case


def test_special_procedure_warning_two_days_before_its_planned_end(calendar: WorkCalendar) -> None:
    alert = _hearing().active(calendar, "2026-11-09 09:00")["T-SPECIAL"]
    assert alert.level == "warning" and alert.raised_at == at("2026-11-06 17:30")


def test_special_procedure_overrun_is_a_yellow_card_that_withdraws_its_warning(
    calendar: WorkCalendar,
) -> None:
    alerts = [a for a in _hearing().alerts(calendar, "2026-11-11 09:00") if a.rule == "T-SPECIAL"]
    assert {(a.level, a.status) for a in alerts} == {("warning", "withdrawn"), ("yellow_card", "active")}


def test_special_procedure_ended_in_time_raises_nothing(calendar: WorkCalendar) -> None:
    assert "T-SPECIAL" not in _hearing("2026-11-05 10:00").active(calendar, "2026-11-20 09:00")


# -- P-ORDER -------------------------------------------------------------------------------


def test_yellow_card_when_review_is_skipped(calendar: WorkCalendar) -> None:
    case = Case().apply().accept().stage("undertake", "2026-11-03 10:00").stage("approve", "2026-11-04 10:00")
    alert = case.conclude("2026-11-05 10:00").active(calendar, "2026-11-06 09:00")["P-ORDER"]
    assert alert.level == "yellow_card"
    assert "review" in alert.message and alert.facts["findings"][0]["seq"] == 4


def test_conclusion_before_acceptance_breaks_the_order(calendar: WorkCalendar) -> None:
    case = Case().apply().conclude("2026-11-03 10:00")
    assert "concluded before acceptance" in case.active(calendar, "2026-11-04 09:00")["P-ORDER"].message


def test_a_return_and_a_second_pass_keep_the_order(calendar: WorkCalendar) -> None:
    case = Case().apply().accept().stages("2026-11-03 10:00", "2026-11-03 14:00")
    case.stage("review", "2026-11-04 09:00", action="return", opinion="补充意见").stage(
        "review", "2026-11-04 15:00"
    )
    case.stage("approve", "2026-11-05 10:00").conclude("2026-11-05 15:00")
    assert "P-ORDER" not in case.active(calendar, "2026-11-06 09:00")


def test_a_missing_record_in_transit_is_not_a_skipped_stage(calendar: WorkCalendar) -> None:
    case = Case().apply().accept().stages("2026-11-03 10:00", "2026-11-04 10:00", "2026-11-05 10:00")
    case.conclude("2026-11-05 15:00")
    del case.deliveries[3]  # review (seq 4) has not arrived yet
    assert "P-ORDER" not in case.active(calendar, "2026-11-05 16:00")
    assert "P-ORDER" in case.active(calendar, "2026-11-09 09:00")  # still missing after the grace


# -- supplements ---------------------------------------------------------------------------


def test_supplement_notice_after_acceptance_is_a_warning(calendar: WorkCalendar) -> None:
    case = (
        Case()
        .apply()
        .accept()
        .add("supplement_notice", "2026-11-03 10:00", reason="补图纸", materials=["图纸"])
    )
    assert case.active(calendar, "2026-11-03 11:00")["P-SUPP-AFTER-ACCEPT"].level == "warning"


def test_supplement_notice_before_acceptance_is_lawful(calendar: WorkCalendar) -> None:
    case = Case().apply().add("supplement_notice", "2026-11-02 11:00", reason="补图纸", materials=["图纸"])
    active = case.accept("2026-11-03 10:00").active(calendar, "2026-11-03 11:00")
    assert "P-SUPP-AFTER-ACCEPT" not in active and "P-SUPP-REPEAT" not in active


def test_a_second_supplement_request_breaks_the_one_notice_rule(calendar: WorkCalendar) -> None:
    case = Case().apply().add("pre_accept", "2026-11-02 10:00", result="supplement", reason="缺身份证明")
    case.add("supplement_notice", "2026-11-03 10:00", reason="缺图纸", materials=["图纸"])
    alert = case.active(calendar, "2026-11-03 11:00")["P-SUPP-REPEAT"]
    assert len(alert.facts["requests"]) == 2 and alert.raised_at == at("2026-11-03 10:01")


# -- P-REFUSE-NO-REASON --------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["无", "  ", "不符合条件", "其他"])
def test_a_refusal_without_a_real_reason_enters_the_focus_list(calendar: WorkCalendar, reason: str) -> None:
    alert = Case().apply().refuse("2026-11-02 11:00", reason).active(calendar, "2026-11-03 09:00")
    assert alert["P-REFUSE-NO-REASON"].facts["focus_list"] is True


def test_a_reasoned_refusal_or_denial_raises_nothing(calendar: WorkCalendar) -> None:
    refused = Case().apply().refuse("2026-11-02 11:00", "申请人不具备法定资格，依法不予受理")
    assert refused.alerts(calendar, "2026-11-30 09:00") == []
    denied = Case().apply().accept().stages("2026-11-03 10:00", "2026-11-04 10:00")
    denied.stage("approve", "2026-11-05 10:00", action="deny", reason="选址不符合控制性详细规划")
    denied.conclude("2026-11-05 15:00", outcome="denied", reason="选址不符合控制性详细规划")
    assert "P-REFUSE-NO-REASON" not in denied.active(calendar, "2026-11-06 09:00")


def test_a_denial_with_an_empty_reason_is_flagged(calendar: WorkCalendar) -> None:
    case = Case().apply().accept().stages("2026-11-03 10:00", "2026-11-04 10:00")
    case.stage("approve", "2026-11-05 10:00", action="deny", reason="略")
    assert "P-REFUSE-NO-REASON" in case.active(calendar, "2026-11-05 11:00")


# -- P-OFFLINE -----------------------------------------------------------------------------


def test_an_online_item_back_filled_after_its_decision_is_flagged(calendar: WorkCalendar) -> None:
    later = "2026-11-06 17:00"
    case = Case().apply().accept(received=later)
    for stage, when in (
        ("undertake", "2026-11-03 10:00"),
        ("review", "2026-11-04 10:00"),
        ("approve", "2026-11-05 10:00"),
    ):
        case.add("stage", when, received=later, stage=stage, action="pass")
    case.add("conclude", "2026-11-06 16:00", received=later, outcome="issued", fee_charged="0")
    alert = case.active(calendar, "2026-11-06 18:00")["P-OFFLINE"]
    assert alert.raised_at == at(later) and len(alert.facts["records"]) == 4


def test_an_online_item_reported_as_it_happens_is_not_offline(calendar: WorkCalendar) -> None:
    assert "P-OFFLINE" not in Case().full().active(calendar, "2026-11-30 09:00")


# -- F-FEE ---------------------------------------------------------------------------------


def test_a_fee_on_a_free_item_is_a_red_card(calendar: WorkCalendar) -> None:
    alert = Case().full().deliveries
    case = Case()
    case.deliveries = alert[:-1]
    case.conclude("2026-11-06 16:00", fee="50")
    fee = case.active(calendar, "2026-11-07 09:00")["F-FEE"]
    assert fee.level == "red_card" and fee.facts["fee_charged"] == "50"


def test_a_fee_different_from_the_standard_is_a_yellow_card(calendar: WorkCalendar) -> None:
    case = Case(PAID_ITEM).apply().accept().stages("2026-11-03 10:00", "2026-11-04 10:00", "2026-11-05 10:00")
    fee = case.conclude("2026-11-05 15:00", fee="180").active(calendar, "2026-11-06 09:00")["F-FEE"]
    assert fee.level == "yellow_card" and fee.facts["fee_standard"] == "120.00"


def test_the_standard_fee_or_one_within_tolerance_raises_nothing(calendar: WorkCalendar) -> None:
    base = Case(PAID_ITEM).apply().accept().stages("2026-11-03 10:00", "2026-11-04 10:00", "2026-11-05 10:00")
    exact = Case(PAID_ITEM)
    exact.deliveries = list(base.deliveries)
    assert "F-FEE" not in exact.conclude("2026-11-05 15:00", fee="120").active(calendar, "2026-11-06 09:00")
    near = Case(PAID_ITEM)
    near.deliveries = list(base.deliveries)
    near.conclude("2026-11-05 15:00", fee="125")
    assert "F-FEE" not in near.active(calendar, "2026-11-06 09:00", RuleConfig(fee_tolerance_yuan=5))
    assert "F-FEE" in near.active(calendar, "2026-11-06 09:00")


# -- L-TIMING and L-LATE-REPORT ------------------------------------------------------------


def test_a_review_done_in_seconds_is_a_data_quality_warning(calendar: WorkCalendar) -> None:
    case = (
        Case().apply().accept().stage("undertake", "2026-11-03 10:00").stage("review", "2026-11-03 10:00:20")
    )
    alert = case.active(calendar, "2026-11-03 11:00")["L-TIMING"]
    assert "20 s" in alert.facts["findings"][0]["problem"]


def test_a_stage_dated_before_acceptance_and_a_future_time_are_flagged(calendar: WorkCalendar) -> None:
    case = Case().apply().accept("2026-11-03 10:00").stage("undertake", "2026-11-02 15:00")
    case.stage("review", "2026-12-01 10:00", received="2026-11-03 11:00")
    problems = [f["problem"] for f in case.active(calendar, "2026-11-03 12:00")["L-TIMING"].facts["findings"]]
    assert any("before acceptance" in p for p in problems) and any("future" in p for p in problems)


def test_plausible_timing_raises_no_data_quality_warning(calendar: WorkCalendar) -> None:
    assert "L-TIMING" not in Case().full().active(calendar, "2026-11-30 09:00")


def test_an_event_reported_more_than_a_working_day_late_is_flagged(calendar: WorkCalendar) -> None:
    case = Case().apply().accept().stage("undertake", "2026-11-03 10:00", received="2026-11-05 11:00")
    alert = case.active(calendar, "2026-11-05 12:00")["L-LATE-REPORT"]
    assert alert.facts["records"][0]["lag_working_days"] == pytest.approx(2.11, abs=0.01)


def test_an_event_reported_within_a_working_day_is_on_time(calendar: WorkCalendar) -> None:
    case = Case().apply().accept().stage("undertake", "2026-11-03 16:00", received="2026-11-04 15:00")
    assert "L-LATE-REPORT" not in case.active(calendar, "2026-11-05 12:00")


# -- what every alert carries --------------------------------------------------------------


def test_every_alert_explains_itself(calendar: WorkCalendar) -> None:
    case = Case().apply("2026-11-02 09:12", channel="window").accept().stage("undertake", "2026-11-03 10:00")
    case.stage("approve", "2026-11-03 10:00:30")
    alerts = case.alerts(calendar, "2026-11-20 09:00")
    assert {a.rule for a in alerts} >= {"T-WARN", "T-YELLOW", "T-RED", "P-ORDER", "L-TIMING"}
    for alert in alerts:
        data = alert.to_json()
        assert data["legal_basis"] == RuleConfig().basis(alert.rule) != ""
        assert data["message"].startswith("【") and alert.case_no in data["message"]
        assert data["facts"]["rule_config_version"] == "2026.1"
        assert data["facts"]["calendar_version"] == calendar.version
        assert data["facts"]["now"] == "2026-11-20T09:00:00+08:00"


def test_a_disabled_rule_stays_silent(calendar: WorkCalendar) -> None:
    config = RuleConfig(enabled=frozenset(RULES) - {"T-YELLOW", "T-RED", "T-WARN"})
    assert not {"T-WARN", "T-YELLOW", "T-RED"} & set(
        _open_case().active(calendar, "2026-11-20 09:00", config)
    )


def test_a_limit_shorter_than_the_warning_period_warns_halfway_not_on_acceptance(
    calendar: WorkCalendar,
) -> None:
    one_day = ITEM.model_copy(update={"committed_limit": Limit(value=1, unit="G"), "stage_limits": {}})
    case = Case(one_day).apply().accept("2026-11-02 10:00")
    assert "T-WARN" not in case.active(calendar, "2026-11-03 12:59")
    warning = case.active(calendar, "2026-11-03 13:01")["T-WARN"]
    assert warning.raised_at == at("2026-11-03 13:00")
    assert warning.facts["clock"]["warn_lead_days"] == 0.5
    whole = case.active(calendar, "2026-11-02 17:31", RuleConfig(warn_max_share=1.0))["T-WARN"]
    assert whole.raised_at == at("2026-11-02 17:30")  # the whole one-day limit ahead: warned at once
