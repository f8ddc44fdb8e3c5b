"""Text alerts: who is texted about which alert, what the text says, and when it may go."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from pydantic import ValidationError
from sunlight.alerts.domain.notices import (
    NoticeSettings,
    PlannedText,
    StaffMember,
    compose,
    digest,
    due,
    plan,
    recipients,
    send_at,
    sms_length,
)
from sunlight.approval.domain.catalog import Item
from sunlight.approval.domain.config import RuleConfig
from sunlight.approval.domain.rules import RULES, Alert
from sunlight.kernel.calendar import WorkCalendar

from tests.unit.cases import ITEM, Case, at

pytestmark = pytest.mark.unit

SETTINGS = NoticeSettings()
HANDLER = StaffMember(
    dept_code=ITEM.dept_code,
    handler_id="JS017",
    name="王敏",
    role="handler",
    phone="13800001234",
    leader_id="JS001",
)
LEADER = StaffMember(
    dept_code=ITEM.dept_code, handler_id="JS001", name="李强", role="leader", phone="13900005678"
)
# The longest item name of the sample city, and a case number as the sample city makes them.
LONG_NAME = "文物保护单位保护范围内其他建设工程或者爆破、钻探、挖掘作业审批"
CASE_NO = "SL20261102-000123"


def _alerts_of_every_rule(calendar: WorkCalendar, item: Item = ITEM, case_no: str = CASE_NO) -> list[Alert]:
    """Real alerts of every rule (every level a rule can take), made by the domain's rules."""
    paid = item.model_copy(update={"item_code": "330100-JS-002", "fee_standard": "120.00"})

    def case(it: Item = item) -> Case:
        return Case(it, case_no)

    def open_case() -> Case:
        return case().apply().accept().stage("undertake", "2026-11-03 15:30")

    out = open_case().alerts(calendar, "2026-11-10 09:00")  # T-WARN
    out += open_case().alerts(calendar, "2026-11-12 09:00")  # T-YELLOW
    out += open_case().alerts(calendar, "2026-11-17 09:00")  # T-RED, yellow card not cured
    out += open_case().alerts(calendar, "2026-11-24 09:00", RuleConfig(yellow_cure_days=10))  # statutory
    out += case().apply("2026-11-02 09:12").alerts(calendar, "2026-11-10 09:00")  # T-ACCEPT
    out += case().apply().accept().stage("undertake", "2026-11-05 09:00").alerts(calendar, "2026-11-05 10:00")
    hearing = open_case().add(
        "special_start", "2026-11-03 16:00", special_no=1, kind="hearing", planned={"value": 5, "unit": "G"}
    )
    out += hearing.alerts(calendar, "2026-11-09 09:00") + hearing.alerts(calendar, "2026-11-11 09:00")
    skipped = (
        case().apply().accept().stage("undertake", "2026-11-03 10:00").stage("approve", "2026-11-04 10:00")
    )
    out += skipped.conclude("2026-11-05 10:00").alerts(calendar, "2026-11-06 09:00")  # P-ORDER
    out += case().apply().conclude("2026-11-03 10:00").alerts(calendar, "2026-11-04 09:00")
    late_notice = case().apply().accept()
    late_notice.add("supplement_notice", "2026-11-03 10:00", reason="补图纸", materials=["图纸"])
    out += late_notice.alerts(calendar, "2026-11-03 11:00")  # P-SUPP-AFTER-ACCEPT
    twice = case().apply().add("pre_accept", "2026-11-02 10:00", result="supplement", reason="缺身份证明")
    twice.add("supplement_notice", "2026-11-03 10:00", reason="缺图纸", materials=["图纸"])
    out += twice.alerts(calendar, "2026-11-03 11:00")  # P-SUPP-REPEAT
    out += case().apply().refuse("2026-11-02 11:00", "无").alerts(calendar, "2026-11-03 09:00")
    later = "2026-11-06 17:00"
    offline = case().apply().accept(received=later)
    for stage, when in (
        ("undertake", "2026-11-03 10:00"),
        ("review", "2026-11-04 10:00"),
        ("approve", "2026-11-05 10:00"),
    ):
        offline.add("stage", when, received=later, stage=stage, action="pass")
    offline.add("conclude", "2026-11-06 16:00", received=later, outcome="issued", fee_charged="0")
    out += offline.alerts(calendar, "2026-11-06 18:00")  # P-OFFLINE, L-LATE-REPORT
    free = case()
    free.deliveries = case().full().deliveries[:-1]
    out += free.conclude("2026-11-06 16:00", fee="50").alerts(calendar, "2026-11-07 09:00")  # F-FEE red
    charged = case(paid).apply().accept().stages("2026-11-03 10:00", "2026-11-04 10:00", "2026-11-05 10:00")
    out += charged.conclude("2026-11-05 15:00", fee="180").alerts(calendar, "2026-11-06 09:00")  # yellow
    hasty = case().apply().accept().stage("undertake", "2026-11-03 10:00")
    out += hasty.stage("review", "2026-11-03 10:00:20").alerts(calendar, "2026-11-03 11:00")  # L-TIMING
    longer = case().apply().accept(committed_limit={"value": 10, "unit": "G"})
    out += longer.alerts(calendar, "2026-11-03 09:00")  # L-LIMIT
    return out


def _alert(calendar: WorkCalendar, level: str) -> Alert:
    now = {"warning": "2026-11-10 09:00", "yellow_card": "2026-11-12 09:00", "red_card": "2026-11-17 09:00"}
    alerts = Case(ITEM, "C2026-000001").apply().accept().stage("undertake", "2026-11-03 15:30")
    return next(a for a in alerts.alerts(calendar, now[level]) if a.status == "active")


# -- the staff registry and settings -----------------------------------------------------------


def test_a_staff_phone_is_kept_as_eleven_digits() -> None:
    member = StaffMember.model_validate({**HANDLER.model_dump(), "phone": "+86 138-0000-1234"})
    assert member.phone == "13800001234"


@pytest.mark.parametrize("phone", ["12800001234", "1380000123", "138000012345", "0571-8888888", ""])
def test_a_number_that_is_not_a_mainland_mobile_is_refused(phone: str) -> None:
    with pytest.raises(ValidationError):
        StaffMember.model_validate({**HANDLER.model_dump(), "phone": phone})


def test_a_sender_id_needs_a_letter_and_at_most_eleven_characters() -> None:
    assert NoticeSettings(sender_id="HZ12345").sender_id == "HZ12345"
    for bad in ("12345", "SUNLIGHTXXXX", "阳光"):
        with pytest.raises(ValidationError):
            NoticeSettings(sender_id=bad)


# -- recipients ----------------------------------------------------------------------------------


def test_a_warning_texts_the_handler(calendar: WorkCalendar) -> None:
    assert recipients(_alert(calendar, "warning"), HANDLER, LEADER, SETTINGS) == [HANDLER]


def test_a_yellow_card_texts_the_handler_and_the_leader(calendar: WorkCalendar) -> None:
    assert recipients(_alert(calendar, "yellow_card"), HANDLER, LEADER, SETTINGS) == [HANDLER, LEADER]


def test_a_red_card_texts_the_leader(calendar: WorkCalendar) -> None:
    assert recipients(_alert(calendar, "red_card"), HANDLER, LEADER, SETTINGS) == [LEADER]


def test_a_red_card_with_no_leader_on_file_falls_back_to_the_handler(calendar: WorkCalendar) -> None:
    red = _alert(calendar, "red_card")
    gone = LEADER.model_copy(update={"active": False})
    assert recipients(red, HANDLER, None, SETTINGS) == [HANDLER]
    assert recipients(red, HANDLER, gone, SETTINGS) == [HANDLER]


def test_a_yellow_card_skips_an_inactive_leader_without_texting_the_handler_twice(
    calendar: WorkCalendar,
) -> None:
    gone = LEADER.model_copy(update={"active": False})
    assert recipients(_alert(calendar, "yellow_card"), HANDLER, gone, SETTINGS) == [HANDLER]


def test_a_warning_whose_handler_has_left_goes_to_the_leader(calendar: WorkCalendar) -> None:
    gone = HANDLER.model_copy(update={"active": False})
    assert recipients(_alert(calendar, "warning"), gone, LEADER, SETTINGS) == [LEADER]
    assert recipients(_alert(calendar, "warning"), None, None, SETTINGS) == []


def test_a_leader_who_handles_the_case_is_texted_once(calendar: WorkCalendar) -> None:
    assert recipients(_alert(calendar, "yellow_card"), LEADER, LEADER, SETTINGS) == [LEADER]
    same_phone = LEADER.model_copy(update={"handler_id": "JS002"})
    assert recipients(_alert(calendar, "yellow_card"), LEADER, same_phone, SETTINGS) == [LEADER]


def test_a_level_the_settings_do_not_text_texts_nobody(calendar: WorkCalendar) -> None:
    quiet = NoticeSettings(levels_to_handler=frozenset({"yellow_card"}))
    assert recipients(_alert(calendar, "warning"), HANDLER, LEADER, quiet) == []


def test_a_stored_alert_is_addressed_like_a_fresh_one(calendar: WorkCalendar) -> None:
    stored = _alert(calendar, "yellow_card").to_json()
    assert recipients(stored, HANDLER, LEADER, SETTINGS) == [HANDLER, LEADER]


# -- compose -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [ITEM.name, LONG_NAME])
def test_every_rule_fits_one_sms_with_its_level_and_case_number(calendar: WorkCalendar, name: str) -> None:
    alerts = _alerts_of_every_rule(calendar, ITEM.model_copy(update={"name": name}))
    assert {a.rule for a in alerts} == set(RULES)
    assert {(a.rule, a.level) for a in alerts} >= {("F-FEE", "red_card"), ("T-SPECIAL", "yellow_card")}
    for alert in alerts:
        text = compose(alert, SETTINGS)
        assert sms_length(text) <= 70, text
        assert text.startswith(alert.message[:4] + "办件" + CASE_NO), text


def test_the_due_moment_survives_in_every_time_rule_text(calendar: WorkCalendar) -> None:
    item = ITEM.model_copy(update={"name": LONG_NAME})
    for alert in _alerts_of_every_rule(calendar, item):
        moment = re.search(r"\d{4}-(\d{2})-(\d{2}) (\d{2}:\d{2})", alert.message)
        if moment:
            text = compose(alert, SETTINGS)
            short = f"{int(moment[1])}月{int(moment[2])}日{moment[3]}"
            assert moment[0] in text or short in text, text


def test_a_message_that_fits_is_sent_as_it_is_with_the_signature(calendar: WorkCalendar) -> None:
    alert = (
        Case(ITEM, "C1")
        .apply()
        .accept()
        .add("supplement_notice", "2026-11-03 10:00", reason="补图纸", materials=["图纸"])
    )
    found = alert.active(calendar, "2026-11-03 11:00")["P-SUPP-AFTER-ACCEPT"]
    assert compose(found, SETTINGS) == found.message + "（阳光监察）"


def test_a_long_item_name_is_shortened_before_anything_else_is_dropped(calendar: WorkCalendar) -> None:
    item = ITEM.model_copy(update={"name": LONG_NAME})
    case = Case(item, CASE_NO).apply().accept().stage("undertake", "2026-11-03 15:30")
    warning = case.active(calendar, "2026-11-10 09:00")["T-WARN"]
    text = compose(warning, SETTINGS)
    assert "（文物保护单位保护…）" in text and "请抓紧办理" in text and "11月11日17:30到期" in text


def test_a_fifty_character_case_number_is_kept_whole_and_the_rest_is_cut(calendar: WorkCalendar) -> None:
    # The exchange format allows 50 characters: tag and number then leave 14 for what happened.
    long_no = "330100-2026-1102-" + "0" * 29 + "1234"
    assert len(long_no) == 50
    for alert in _alerts_of_every_rule(calendar, case_no=long_no):
        text = compose(alert, SETTINGS)
        assert text.startswith(f"{alert.message[:4]}办件{long_no}") and sms_length(text) <= 70, text


def test_the_case_number_is_never_cut_even_past_the_limit(calendar: WorkCalendar) -> None:
    tight = NoticeSettings(max_chars=20)
    assert compose(_alert(calendar, "yellow_card"), tight) == "【黄牌】办件C2026-000001已…"
    case = Case(ITEM, "SL20261102-000123-01").apply().accept().stage("undertake", "2026-11-03 15:30")
    yellow = case.active(calendar, "2026-11-12 09:00")["T-YELLOW"]
    assert compose(yellow, tight) == "【黄牌】办件SL20261102-000123-01"


def test_sms_length_counts_characters_beyond_the_bmp_twice() -> None:
    assert sms_length("阳光") == 2 and sms_length("𠀀") == 2


# -- send_at: quiet hours ------------------------------------------------------------------------


def test_late_friday_before_national_day_waits_for_the_make_up_sunday(calendar: WorkCalendar) -> None:
    # 2025: Sat 27 Sep is a rest day, Sun 28 Sep a make-up working day (调休) before the holiday.
    assert send_at(at("2025-09-26 22:30"), calendar, SETTINGS) == at("2025-09-28 08:30")


def test_late_on_the_eve_of_national_day_waits_for_the_holiday_to_end(calendar: WorkCalendar) -> None:
    assert send_at(at("2026-09-30 22:30"), calendar, SETTINGS) == at("2026-10-08 08:30")


def test_early_on_a_working_day_waits_for_the_office_to_open(calendar: WorkCalendar) -> None:
    assert send_at(at("2026-11-03 07:00"), calendar, SETTINGS) == at("2026-11-03 08:30")


def test_outside_quiet_hours_a_text_goes_now_on_any_day(calendar: WorkCalendar) -> None:
    for now in ("2026-11-03 12:00", "2026-11-07 12:00", "2026-11-03 08:00", "2026-11-03 20:59"):
        assert send_at(at(now), calendar, SETTINGS) == at(now)


def test_quiet_hours_begin_at_their_start(calendar: WorkCalendar) -> None:
    assert send_at(at("2026-11-03 21:00"), calendar, SETTINGS) == at("2026-11-04 08:30")
    assert send_at(at("2026-11-07 07:00"), calendar, SETTINGS) == at("2026-11-09 08:30")  # Saturday


def test_without_office_opening_a_held_text_goes_when_quiet_hours_end(calendar: WorkCalendar) -> None:
    plain = NoticeSettings(deliver_at_office_open=False)
    assert send_at(at("2026-11-06 22:30"), calendar, plain) == at("2026-11-07 08:00")
    assert send_at(at("2026-11-07 06:00"), calendar, plain) == at("2026-11-07 08:00")


def test_equal_quiet_start_and_end_mean_no_quiet_hours(calendar: WorkCalendar) -> None:
    always = NoticeSettings(quiet_start=dt.time(0, 0), quiet_end=dt.time(0, 0))
    assert send_at(at("2026-11-03 03:00"), calendar, always) == at("2026-11-03 03:00")


def test_a_held_text_never_goes_inside_quiet_hours_when_the_office_opens_early(
    calendar: WorkCalendar,
) -> None:
    late_end = NoticeSettings(quiet_end=dt.time(9, 0))
    assert send_at(at("2026-11-03 07:00"), calendar, late_end) == at("2026-11-03 09:00")


# -- plan and due ----------------------------------------------------------------------------------


def test_a_yellow_card_plans_one_text_per_recipient(calendar: WorkCalendar) -> None:
    yellow = _alert(calendar, "yellow_card")
    planned = plan(yellow, HANDLER, LEADER, at("2026-11-11 22:00"), calendar, SETTINGS)
    assert [(p.recipient_id, p.role, p.phone) for p in planned] == [
        ("JS017", "handler", "13800001234"),
        ("JS001", "leader", "13900005678"),
    ]
    assert {p.text for p in planned} == {compose(yellow, SETTINGS)}
    assert {p.send_at for p in planned} == {at("2026-11-12 08:30")}
    assert {p.alert_id for p in planned} == {yellow.alert_id}
    assert len({p.text_id for p in planned}) == 2


def test_a_withdrawn_alert_plans_no_text(calendar: WorkCalendar) -> None:
    case = Case(ITEM, "C1").apply().accept().stage("undertake", "2026-11-03 15:30")
    warning = next(a for a in case.alerts(calendar, "2026-11-12 09:00") if a.rule == "T-WARN")
    assert warning.status == "withdrawn"
    assert plan(warning, HANDLER, LEADER, at("2026-11-12 09:00"), calendar, SETTINGS) == []


def test_a_plan_survives_storage_and_stored_alerts_plan_the_same(calendar: WorkCalendar) -> None:
    red = _alert(calendar, "red_card")
    now = at("2026-11-17 09:00")
    planned = plan(red, HANDLER, LEADER, now, calendar, SETTINGS)
    assert (
        plan({**red.to_json(), "alert_id": red.alert_id}, HANDLER, LEADER, now, calendar, SETTINGS) == planned
    )
    assert [PlannedText.model_validate(p.to_json()) for p in planned] == planned


def test_due_texts_are_those_whose_moment_has_come(calendar: WorkCalendar) -> None:
    night = plan(_alert(calendar, "warning"), HANDLER, LEADER, at("2026-11-09 23:00"), calendar, SETTINGS)
    noon = plan(_alert(calendar, "red_card"), HANDLER, LEADER, at("2026-11-10 12:00"), calendar, SETTINGS)
    every = noon + night
    assert due(every, at("2026-11-10 08:29")) == []
    assert due(every, at("2026-11-10 08:30")) == night
    assert due(every, at("2026-11-10 12:00")) == night + noon


# -- daily digest --------------------------------------------------------------------------------


def test_a_digest_counts_standing_alerts_once_per_level(calendar: WorkCalendar) -> None:
    case = Case(ITEM, "C1").apply().accept().stage("undertake", "2026-11-03 15:30")
    alerts = case.alerts(calendar, "2026-11-17 09:00")  # warning and yellow withdrawn by the red card
    text = digest([*alerts, alerts[-1].to_json()], dt.date(2026, 11, 17))
    assert text == "【监察日报】11月17日预警0条、黄牌0条、红牌1条，办件C1。（阳光监察）"


def test_a_digest_of_many_cases_fits_one_sms_worst_first(calendar: WorkCalendar) -> None:
    alerts: list[Alert] = []
    for n in range(12):
        case = Case(ITEM, f"SL20261102-{n:06d}").apply().accept().stage("undertake", "2026-11-03 15:30")
        alerts += case.alerts(calendar, "2026-11-17 09:00" if n == 7 else "2026-11-10 09:00")
    text = digest(alerts, dt.date(2026, 11, 17))
    assert sms_length(text) <= 70
    assert text.startswith("【监察日报】11月17日预警11条、黄牌0条、红牌1条，办件SL20261102-000007、")
    assert text.endswith("等12件。")


def test_a_quiet_day_has_a_digest_too() -> None:
    assert digest([], dt.date(2026, 11, 17)) == "【监察日报】11月17日预警0条、黄牌0条、红牌0条。（阳光监察）"
