"""Complaint deadlines through the use cases on in-memory adapters, with a clock the test moves.

The sweep fires every five minutes of simulated time, as the schedule would: a directed complaint the
department does not answer gets its warning, its yellow card and its red card, each once, at its moment.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest
from sunlight.alerts.adapters.sns import MemoryTexts
from sunlight.app.sweep import sweep
from sunlight.complaints import service as complaints
from sunlight.kernel.access import Conflict, Forbidden, Principal
from sunlight.kernel.instants import normalised

from tests.fakes import MemoryAlerts
from tests.service.simulation import Simulation
from tests.unit.cases import DEPT, ITEM

OFFICE = Principal("office", "330100", "", "市监察局效能室")
DEPT_A = Principal("department", "330100", DEPT, "市住房和城乡建设局")
SWEEP = dt.timedelta(minutes=5)


class Desk:
    """The in-memory services of a simulation, swept by hand every five minutes."""

    def __init__(self, start: str) -> None:
        simulation = Simulation([ITEM], dt.datetime.fromisoformat(start), SWEEP)
        self.clock, self.services = simulation.clock, simulation.services
        self.alerts = cast(MemoryAlerts, self.services.alerts)
        self.texts = MemoryTexts()
        self.services.texts = self.texts

    def at(self, text: str) -> None:
        self.clock[0] = normalised(dt.datetime.fromisoformat(text))

    def run_until(self, text: str) -> list[tuple[str, str]]:
        """Sweep every five minutes up to `text`; returns (alert_id, sweep time) as each appeared."""
        end = normalised(dt.datetime.fromisoformat(text))
        seen: list[tuple[str, str]] = []
        while self.clock[0] < end:
            self.clock[0] = min(self.clock[0] + SWEEP, end)
            before = len(self.alerts.created)
            assert sweep(self.services).failed == []
            seen += [(a, self.clock[0].isoformat()) for a in self.alerts.created[before:]]
        return seen


@pytest.fixture
def desk() -> Desk:
    return Desk("2026-11-23T09:00:00+08:00")


def directed_complaint(desk: Desk, due_days: int = 2) -> str:
    filing = complaints.Filing(kind="complaint", text="窗口要求提供法律没有规定的材料。", phone="13812345678")
    number = complaints.file(filing, desk.services)["complaint_no"]
    desk.at("2026-11-23T10:00:00+08:00")
    complaints.step(number, complaints.StepRequest(step="accept"), OFFICE, desk.services)
    body = complaints.StepRequest(step="direct", dept_code=DEPT, due_days=due_days)
    complaints.step(number, body, OFFICE, desk.services)
    return str(number)


def test_a_directed_complaint_not_replied_gets_warning_yellow_and_red_once_each(desk: Desk) -> None:
    number = directed_complaint(desk)  # directed Mon 11-23 10:00 for 2 working days: due Wed 11-25 17:30
    assert number == "TS2026112300001"
    seen = desk.run_until("2026-12-02T09:00:00+08:00")
    assert seen == [
        (f"{number}:C-WARN:directed", "2026-11-24T17:35:00+08:00"),
        (f"{number}:C-YELLOW:directed", "2026-11-25T17:35:00+08:00"),
        (f"{number}:C-RED:directed", "2026-11-30T17:35:00+08:00"),  # 11-26, 11-27, then Mon 11-30
    ]
    assert len(desk.alerts.created) == len(set(desk.alerts.created)) == 3
    stored = {a: desk.alerts.items[a] for a in desk.alerts.created}
    assert [(a["rule"], a["status"], a["raised_at"]) for a in stored.values()] == [
        ("C-WARN", "withdrawn", "2026-11-24T17:30:00+08:00"),
        ("C-YELLOW", "withdrawn", "2026-11-25T17:30:00+08:00"),
        ("C-RED", "active", "2026-11-30T17:30:00+08:00"),
    ]
    assert all(a["dept_code"] == DEPT and a["case_no"] == number for a in stored.values())
    assert [h["status"] for h in stored[f"{number}:C-WARN:directed"]["history"]] == ["active", "withdrawn"]
    complaint = desk.services.complaints.get(number)
    assert complaint.next_due is None and desk.services.complaints.due(desk.clock[0]) == []


def test_a_reply_closes_the_standing_card_and_ends_the_sweeps_interest(desk: Desk) -> None:
    number = directed_complaint(desk)
    desk.run_until("2026-11-26T09:00:00+08:00")  # the yellow card stands
    reply = complaints.StepRequest(step="reply", reply="已责令窗口改正，并向投诉人致歉。")
    view = complaints.step(number, reply, DEPT_A, desk.services)
    assert view["state"] == "replied" and view["next_due"] is None
    card = desk.alerts.items[f"{number}:C-YELLOW:directed"]
    assert card["status"] == "closed"
    assert card["history"][-1]["reason"] == "complaint moved on from directed at 2026-11-26T09:00:00+08:00"
    assert desk.run_until("2026-12-10T09:00:00+08:00") == []  # no red card for a replied complaint


def test_the_office_answers_for_the_complaints_own_due_while_it_holds_it(desk: Desk) -> None:
    filing = complaints.Filing(kind="enquiry", text="办理施工许可需要哪些材料？", anonymous=True)
    answer = complaints.file(filing, desk.services)
    assert answer["due"] == "2026-11-26T17:30:00+08:00"  # 3 working days
    number = answer["complaint_no"]
    seen = desk.run_until("2026-11-27T09:00:00+08:00")
    assert [a for a, _ in seen] == [f"{number}:C-WARN:received", f"{number}:C-YELLOW:received"]
    assert {desk.alerts.items[a]["dept_code"] for a, _ in seen} == {"office"}


def test_the_receipt_is_texted_with_the_number_and_the_code(desk: Desk) -> None:
    filing = complaints.Filing(
        kind="complaint", text="窗口要求提供法律没有规定的材料。", phone="138 1234 5678"
    )
    answer = complaints.file(filing, desk.services)
    ((phone, text),) = desk.texts.sent
    assert phone == "13812345678" and answer["complaint_no"] in text and answer["query_code"] in text
    assert len(text) <= 70


def test_a_department_may_not_accept_and_a_wrong_step_conflicts(desk: Desk) -> None:
    filing = complaints.Filing(kind="complaint", text="窗口要求提供法律没有规定的材料。")
    number = complaints.file(filing, desk.services)["complaint_no"]
    complaints.step(number, complaints.StepRequest(step="accept"), OFFICE, desk.services)
    complaints.step(number, complaints.StepRequest(step="direct", dept_code=DEPT), OFFICE, desk.services)
    with pytest.raises(Forbidden):
        complaints.step(number, complaints.StepRequest(step="verify"), DEPT_A, desk.services)
    with pytest.raises(Conflict):
        complaints.step(number, complaints.StepRequest(step="accept"), OFFICE, desk.services)
