"""Complaints in the pure domain: deadlines in working days, the desk's steps per role, C-* alerts."""

from __future__ import annotations

import datetime as dt

import pytest
from sunlight.complaints.domain import (
    OFFICE,
    Actor,
    Complaint,
    ComplaintConfig,
    DoesNotFit,
    NotAllowed,
    allowed_steps,
    can_rate,
    citizen_view,
    complaint_alerts,
    complaint_number,
    file_complaint,
    next_due,
    rate,
    take_step,
)
from sunlight.kernel.calendar import WorkCalendar
from sunlight.kernel.errors import InvalidRecord

from tests.unit.cases import at

pytestmark = pytest.mark.unit

CONFIG = ComplaintConfig()
OFFICER = Actor("office", name="市监察局效能室")
DEPT_A = Actor("department", "11330100MB1234567X", "市住房和城乡建设局")
DEPT_B = Actor("department", "11330100MB7654321X", "市市场监督管理局")


def filed(calendar: WorkCalendar, when: str = "2026-09-29 10:00", kind: str = "complaint") -> Complaint:
    return file_complaint(
        "TS2026092900001",
        kind,  # type: ignore[arg-type]
        "窗口工作人员要求提供法律没有规定的材料。",
        query_hash="h",
        region_code="330100",
        now=at(when),
        calendar=calendar,
        config=CONFIG,
    )


def step(c: Complaint, name: str, actor: Actor, when: str, calendar: WorkCalendar, **kw: object) -> Complaint:
    return take_step(c, name, actor, at(when), calendar, CONFIG, **kw)  # type: ignore[arg-type]


def directed(calendar: WorkCalendar, days: int = 2) -> Complaint:
    c = step(filed(calendar), "accept", OFFICER, "2026-09-29 11:00", calendar)
    return step(c, "direct", OFFICER, "2026-09-30 10:00", calendar, dept_code=DEPT_A.dept_code, due_days=days)


def alerts_at(c: Complaint, when: str, calendar: WorkCalendar) -> dict[str, tuple[str, str]]:
    return {
        a["alert_id"]: (a["status"], a["raised_at"]) for a in complaint_alerts(c, calendar, CONFIG, at(when))
    }


def test_the_number_is_ts_the_date_and_the_days_serial() -> None:
    assert complaint_number(dt.date(2026, 11, 23), 1) == "TS2026112300001"
    with pytest.raises(ValueError):
        complaint_number(dt.date(2026, 11, 23), 0)


def test_an_enquiry_is_due_in_3_working_days_and_a_complaint_in_13_across_national_day(
    calendar: WorkCalendar,
) -> None:
    # Filed Tue 09-29: 09-30, the National Day break, 10-08, 10-09, the make-up Saturday 10-10 ...
    assert filed(calendar, kind="enquiry").due == at("2026-10-09 17:30")
    assert filed(calendar).due == at("2026-10-22 17:30")
    config = ComplaintConfig(days={"enquiry": 1, "complaint": 5})
    c = file_complaint(
        "TS1", "enquiry", "咨询办理材料。", query_hash="h", region_code="330100", now=at("2026-09-29 10:00"),
        calendar=calendar, config=config,
    )  # fmt: skip
    assert c.due == at("2026-09-30 17:30") and c.config_version == config.version


def test_a_new_complaint_is_received_with_a_chinese_history_entry(calendar: WorkCalendar) -> None:
    c = filed(calendar)
    assert c.state == "received" and [h.state_zh for h in c.history] == ["已收到"]
    assert c.history[0].note == "已收到您的投诉，将于2026-10-22 17:30前答复。"


def test_the_whole_path_from_received_to_closed_records_each_move(calendar: WorkCalendar) -> None:
    c = directed(calendar)
    assert c.state == "directed" and c.dept_code == DEPT_A.dept_code
    assert c.dept_due == at("2026-10-09 17:30")  # 2 working days from 09-30: 10-08, 10-09
    c = step(c, "reply", DEPT_A, "2026-10-08 15:00", calendar, reply="已责令窗口改正，并向投诉人致歉。")
    c = step(c, "verify", OFFICER, "2026-10-09 09:00", calendar, reason="电话回访属实")
    c = step(c, "close", OFFICER, "2026-10-09 10:00", calendar)
    assert [h.state for h in c.history] == [
        "received",
        "accepted",
        "directed",
        "replied",
        "verified",
        "closed",
    ]
    assert [h.state_zh for h in c.history][2:4] == ["办理中（已督办责任部门）", "已答复"]
    assert c.history[2].note == "已转11330100MB1234567X办理，限2个工作日内（2026-10-09 17:30前）答复。"
    assert c.history[3].by == "市住房和城乡建设局" and c.reply == "已责令窗口改正，并向投诉人致歉。"
    assert c.next_due is None


def test_the_office_may_handle_a_complaint_itself_and_reply(calendar: WorkCalendar) -> None:
    c = step(filed(calendar), "accept", OFFICER, "2026-09-29 11:00", calendar)
    c = step(c, "handle", OFFICER, "2026-09-29 12:00", calendar)
    assert allowed_steps(c, OFFICER) == ["reply"] and allowed_steps(c, DEPT_A) == []
    c = step(c, "reply", OFFICER, "2026-09-30 12:00", calendar, reply="经查，窗口已改正。")
    assert c.state == "replied" and c.history[-1].state_zh == "已答复"


def test_a_department_may_not_take_the_offices_steps(calendar: WorkCalendar) -> None:
    c = filed(calendar)
    for name in ("accept", "reject", "handle", "direct", "verify", "close"):
        with pytest.raises(NotAllowed):
            step(c, name, DEPT_A, "2026-09-29 11:00", calendar)


def test_only_the_department_holding_a_directed_complaint_replies(calendar: WorkCalendar) -> None:
    c = directed(calendar)
    with pytest.raises(NotAllowed):
        step(c, "reply", OFFICER, "2026-10-08 09:00", calendar, reply="答复")
    with pytest.raises(NotAllowed):
        step(c, "reply", DEPT_B, "2026-10-08 09:00", calendar, reply="答复")
    assert allowed_steps(c, DEPT_A) == ["reply"] and allowed_steps(c, OFFICER) == []


def test_a_step_that_does_not_fit_the_state_is_refused(calendar: WorkCalendar) -> None:
    c = filed(calendar)
    for name in ("handle", "direct", "verify", "close"):
        with pytest.raises(DoesNotFit):
            step(c, name, OFFICER, "2026-09-29 11:00", calendar, dept_code=DEPT_A.dept_code)
    rejected = step(c, "reject", OFFICER, "2026-09-29 11:00", calendar, reason="不属于受理范围")
    assert rejected.state == "rejected" and rejected.history[-1].note == "不属于受理范围"
    with pytest.raises(DoesNotFit):
        step(rejected, "accept", OFFICER, "2026-09-29 12:00", calendar)


def test_a_step_without_the_field_it_needs_is_invalid(calendar: WorkCalendar) -> None:
    c = filed(calendar)
    with pytest.raises(InvalidRecord):
        step(c, "reject", OFFICER, "2026-09-29 11:00", calendar, reason=" ")
    accepted = step(c, "accept", OFFICER, "2026-09-29 11:00", calendar)
    with pytest.raises(InvalidRecord):
        step(accepted, "direct", OFFICER, "2026-09-29 12:00", calendar)
    with pytest.raises(InvalidRecord):
        step(accepted, "direct", OFFICER, "2026-09-29 12:00", calendar, dept_code="X", due_days=61)


def test_a_step_leaves_the_complaint_it_was_given_unchanged(calendar: WorkCalendar) -> None:
    c = filed(calendar)
    step(c, "accept", OFFICER, "2026-09-29 11:00", calendar)
    assert c.state == "received" and len(c.history) == 1


def test_a_reply_is_rated_once_and_only_after_it_was_given(calendar: WorkCalendar) -> None:
    c = directed(calendar)
    assert not can_rate(c)
    with pytest.raises(DoesNotFit):
        rate(c, 5, None, at("2026-10-08 09:00"))
    c = step(c, "reply", DEPT_A, "2026-10-08 15:00", calendar, reply="已改正。")
    assert can_rate(c)
    rated = rate(c, 4, "答复及时", at("2026-10-08 16:00"))
    assert rated.rating == 4 and not can_rate(rated)
    with pytest.raises(DoesNotFit):
        rate(rated, 5, None, at("2026-10-08 17:00"))
    with pytest.raises(InvalidRecord):
        rate(c, 6, None, at("2026-10-08 17:00"))


def test_the_citizen_view_has_labels_notes_and_no_officers(calendar: WorkCalendar) -> None:
    view = citizen_view(directed(calendar))
    assert set(view) == {
        "complaint_no", "kind", "state", "state_zh", "filed_at", "due",
        "history", "reply", "rating", "can_rate",
    }  # fmt: skip
    assert view["state_zh"] == "办理中（已督办责任部门）" and view["due"] == "2026-10-22T17:30:00+08:00"
    assert all(set(h) == {"at", "state", "state_zh", "note"} for h in view["history"])


def test_a_directed_complaint_warns_a_day_before_its_deadline_then_yellow_then_red_across_the_holiday(
    calendar: WorkCalendar,
) -> None:
    c = directed(calendar)  # directed 09-30 10:00, 2 working days: due 10-09 17:30
    key = "TS2026092900001:{}:directed"
    assert alerts_at(c, "2026-10-08 17:30", calendar) == {}  # the moment itself: not yet passed
    assert alerts_at(c, "2026-10-08 17:31", calendar) == {
        key.format("C-WARN"): ("active", "2026-10-08T17:30:00+08:00")
    }
    assert alerts_at(c, "2026-10-09 17:31", calendar) == {
        key.format("C-WARN"): ("withdrawn", "2026-10-08T17:30:00+08:00"),
        key.format("C-YELLOW"): ("active", "2026-10-09T17:30:00+08:00"),
    }
    # Another 3 working days: the make-up Saturday 10-10, 10-12, 10-13.
    red = complaint_alerts(c, calendar, CONFIG, at("2026-10-13 17:31"))
    assert [(a["rule"], a["level"], a["status"]) for a in red] == [
        ("C-WARN", "warning", "withdrawn"),
        ("C-YELLOW", "yellow_card", "withdrawn"),
        ("C-RED", "red_card", "active"),
    ]
    assert red[2]["raised_at"] == "2026-10-13T17:30:00+08:00"
    assert red[0]["withdrawn_by"] == "C-RED:directed"
    assert {a["dept_code"] for a in red} == {DEPT_A.dept_code} and red[2]["region_code"] == "330100"
    assert red[2]["message"].startswith("【红牌】投诉TS2026092900001超过督办时限")
    assert red[2]["facts"]["deadline"] == "2026-10-09T17:30:00+08:00"


def test_the_next_due_moment_is_the_second_after_the_next_limit(calendar: WorkCalendar) -> None:
    c = directed(calendar)
    assert c.next_due == at("2026-10-08 17:30:01")
    assert next_due(c, calendar, CONFIG, at("2026-10-08 17:30:01")) == at("2026-10-09 17:30:01")
    assert next_due(c, calendar, CONFIG, at("2026-10-13 17:30:01")) is None


def test_leaving_a_state_closes_its_standing_alert_and_the_next_state_does_not_repeat_it(
    calendar: WorkCalendar,
) -> None:
    config = ComplaintConfig(days={"enquiry": 1, "complaint": 13})
    c = file_complaint(
        "TS2", "enquiry", "咨询办理材料。", query_hash="h", region_code="330100", now=at("2026-11-02 09:00"),
        calendar=calendar, config=config,
    )  # fmt: skip
    assert c.due == at("2026-11-03 17:30") and c.next_due == at("2026-11-02 17:30:01")
    found = complaint_alerts(c, calendar, config, at("2026-11-03 09:00"))
    assert [(a["alert_id"], a["dept_code"], a["status"]) for a in found] == [
        ("TS2:C-WARN:received", OFFICE, "active")
    ]
    c = take_step(c, "accept", OFFICER, at("2026-11-03 10:00"), calendar, config)
    found = complaint_alerts(c, calendar, config, at("2026-11-03 18:00"))
    assert [(a["alert_id"], a["status"]) for a in found] == [
        ("TS2:C-WARN:received", "closed"),
        ("TS2:C-YELLOW:accepted", "active"),
    ]
    assert found[0]["closed_reason"] == "complaint moved on from received at 2026-11-03T10:00:00+08:00"


def test_a_replied_complaint_has_no_deadline_left_and_its_cards_stay_closed(calendar: WorkCalendar) -> None:
    c = directed(calendar)
    c = step(c, "reply", DEPT_A, "2026-10-12 09:00", calendar, reply="已处理。")  # after the yellow card
    found = complaint_alerts(c, calendar, CONFIG, at("2026-10-20 09:00"))
    assert [(a["rule"], a["status"]) for a in found] == [("C-WARN", "withdrawn"), ("C-YELLOW", "closed")]
    assert c.next_due is None


def test_the_complaint_round_trips_through_json(calendar: WorkCalendar) -> None:
    c = directed(calendar)
    again = Complaint.model_validate_json(c.model_dump_json())
    assert again == c and again.history[2].due == at("2026-10-09 17:30")
