"""The alerts kernel serves every line: a case's T-* card and a complaint's C-* card are stored by the
same sync and set things in motion through the same announcer, each as its `Line` says."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from sunlight.alerts import service as alerts
from sunlight.alerts.adapters.sns import MemoryTexts
from sunlight.alerts.domain.notices import StaffMember
from sunlight.app.sweep import sweep
from sunlight.approval.service.intake import submit
from sunlight.complaints import service as complaints
from sunlight.kernel.access import Principal
from sunlight.kernel.instants import normalised

from tests.fakes import MemoryAlerts, MemoryStaff
from tests.service.simulation import Simulation
from tests.unit.cases import DEPT, ITEM, Case

OFFICE = Principal("office", "330100", "", "市监察局效能室")
SENDER = Principal("department", "330100", DEPT, "市住房和城乡建设局")


class Topics:
    def __init__(self) -> None:
        self.published: list[str] = []

    def publish(self, alert: Any) -> str | None:
        self.published.append(alert["alert_id"])
        return "message-1"


class Kernel:
    """In-memory services whose kernel calls are recorded as they pass through `sunlight.alerts`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        simulation = Simulation(
            [ITEM], dt.datetime.fromisoformat("2026-11-02T09:00:00+08:00"), dt.timedelta()
        )
        self.clock, self.services = simulation.clock, simulation.services
        self.alerts = cast(MemoryAlerts, self.services.alerts)
        self.texts, self.topics = MemoryTexts(), Topics()
        self.services.texts, self.services.topics = self.texts, self.topics
        handler = StaffMember(
            dept_code=DEPT, handler_id="JS017", name="王敏", role="handler", phone="13900001111"
        )
        self.services.staff = MemoryStaff([handler])
        self.synced: list[tuple[str, str]] = []
        self.announced: list[tuple[str, str]] = []
        apply, announce = alerts.apply, alerts.announce

        def recorded_apply(
            store: Any, subject: str, derived: Any, now: Any, concluded: Any, line: Any
        ) -> Any:
            self.synced.append((subject, line.name))
            return apply(store, subject, derived, now, concluded, line)

        def recorded_announce(created: list[dict[str, Any]], services: Any, now: Any, line: Any) -> None:
            self.announced += [(a["alert_id"], line.name) for a in created]
            announce(created, services, now, line)

        monkeypatch.setattr(alerts, "apply", recorded_apply)
        monkeypatch.setattr(alerts, "announce", recorded_announce)

    def at(self, text: str) -> None:
        self.clock[0] = normalised(dt.datetime.fromisoformat(text))


@pytest.fixture
def kernel(monkeypatch: pytest.MonkeyPatch) -> Kernel:
    return Kernel(monkeypatch)


def test_a_cases_yellow_card_is_synced_and_announced_by_the_kernel_as_the_approval_line(
    kernel: Kernel,
) -> None:
    case = Case().apply().accept().stage("undertake", "2026-11-03 15:30")
    submit(
        [d.record.model_dump(mode="json", exclude_none=True) for d in case.deliveries],
        SENDER,
        kernel.services,
    )
    kernel.at("2026-11-13T09:00:00+08:00")  # past the 7 working days committed
    assert sweep(kernel.services).failed == []

    yellow = "C2026-000001:T-YELLOW:case"
    assert ("C2026-000001", "approval") in kernel.synced
    assert (yellow, "approval") in kernel.announced
    stored = kernel.alerts.items[yellow]
    assert kernel.alerts.items[yellow]["history"][0]["by"] == "rule check"
    assert stored["status"] == "active" and yellow in kernel.topics.published
    # The approval line texts the card's handler (and files a directive).
    assert [(t["phone"], t["state"]) for t in stored["texts"]] == [("13900001111", "sent")]
    assert ("13900001111", stored["texts"][0]["text"]) in kernel.texts.sent


def test_a_complaints_yellow_card_is_synced_and_announced_by_the_same_kernel_as_the_complaints_line(
    kernel: Kernel,
) -> None:
    kernel.at("2026-11-23T09:00:00+08:00")
    filing = complaints.Filing(kind="complaint", text="窗口要求提供法律没有规定的材料。", phone="13812345678")
    number = complaints.file(filing, kernel.services)["complaint_no"]
    for step in (
        complaints.StepRequest(step="accept"),
        complaints.StepRequest(step="direct", dept_code=DEPT, due_days=2),
    ):
        complaints.step(number, step, OFFICE, kernel.services)
    receipts = len(kernel.texts.sent)
    kernel.at("2026-11-26T09:00:00+08:00")  # past the directed reply's due moment (Wed 11-25 17:30)
    assert sweep(kernel.services).failed == []

    yellow = f"{number}:C-YELLOW:directed"
    assert (number, "complaints") in kernel.synced
    assert (yellow, "complaints") in kernel.announced
    assert kernel.alerts.items[yellow]["history"][0]["by"] == "complaint check"
    assert yellow in kernel.topics.published
    # As its Line says: no text to staff and no written directive for a complaint's card.
    assert len(kernel.texts.sent) == receipts
    assert "document" not in kernel.alerts.items[yellow]
