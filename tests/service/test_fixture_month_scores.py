"""A fixture month of three departments (October 2026), scored by hand.

The departments' cases run through the use cases on in-memory adapters with a clock the test moves:
records arrive at their receipt times, the sweep runs every 15 simulated minutes, an appeal is upheld,
a complaint is substantiated, a sanction is entered, bad records are rejected. The scores are then
checked against the arithmetic written out below, line by line, under the default standard
(domain-6.1) and under a city's second version; the month closed under the first keeps it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sunlight.alerts.domain.notices import StaffMember
from sunlight.alerts.service import desk as alert_desk
from sunlight.approval.domain.catalog import Item
from sunlight.approval.domain.records import to_exchange_json
from sunlight.approval.service.intake import submit
from sunlight.complaints import service as complaints
from sunlight.evaluation.domain.standard import DEFAULT_STANDARD
from sunlight.evaluation.service import scores as evaluation
from sunlight.kernel.access import Principal
from sunlight.kernel.instants import normalised

from tests.fakes import MemoryStaff
from tests.service.simulation import Simulation
from tests.unit.cases import DEPT, ITEM, Case, at

pytestmark = pytest.mark.slow

A, B, C = DEPT, "11330100MB2345678Y", "11330100MB3456789X"
ITEM_A = ITEM  # committed 7, statutory 15 working days; undertake within 2
ITEM_B = ITEM.model_copy(
    update={
        "item_code": "330100-SC-002",
        "name": "食品经营许可",
        "dept_code": B,
        "dept_name": "市市场监督管理局",
        "statutory_limit": ITEM.statutory_limit.model_copy(update={"value": 10}),
        "committed_limit": ITEM.committed_limit.model_copy(update={"value": 5}),
        "stage_limits": {},
    }
)
ITEM_C = ITEM.model_copy(
    update={
        "item_code": "330100-WS-003",
        "name": "公共场所卫生许可",
        "dept_code": C,
        "dept_name": "市卫生健康委员会",
        "statutory_limit": ITEM.statutory_limit.model_copy(update={"value": 20}),
        "committed_limit": ITEM.committed_limit.model_copy(update={"value": 18}),
        "stage_limits": {},
    }
)
OFFICE = Principal("office", "330100", "", "市监察局效能室")
SECOND = {
    "version": "hz-2027.1",
    "yellow_card_points": 8,
    "red_card_points": 15,
    "warning_streak": 2,
    "warning_streak_points": 2,
    "complaint_points": 4,
    "reporting_points_per_percent": 0.1,
    "reporting_max_points": 3,
    "early_completion": {"start": 0.5, "points": 2, "step": 0.25, "step_points": 1},
    "min_cases": 6,
}


def dept(code: str) -> Principal:
    return Principal("department", "330100", code)


def case(item: Item, no: str, stages: tuple[str, ...], conclude: str, received: str | None = None) -> Case:
    """apply 09:00 and accept 10:00 on Mon 12 October, the stages, conclude; every record received a
    minute after it happened, or all at `received`."""
    c = Case(item, no)
    limits = {
        "statutory_limit": item.statutory_limit.model_dump(),
        "committed_limit": item.committed_limit.model_dump(),
    }
    c.apply("2026-10-12 09:00", received=received)
    c.accept("2026-10-12 10:00", received=received, **limits)
    for stage, when in stages_of(item, stages):
        c.stage(stage, when, received=received)
    return c.conclude(conclude, received=received)


def stages_of(item: Item, whens: tuple[str, ...]) -> list[tuple[str, str]]:
    named = [w.split("=") for w in whens]
    return [(s, w) for s, w in named]


FAST = ("undertake=2026-10-13 09:30", "review=2026-10-13 14:00", "approve=2026-10-14 10:00")


def fixture_cases() -> list[Case]:
    a = [case(ITEM_A, f"A-{n:02d}", FAST, "2026-10-14 16:00") for n in range(1, 6)]
    # A-06 skips the review stage: P-ORDER, a yellow card.
    a.append(case(ITEM_A, "A-06", (FAST[0], FAST[2]), "2026-10-14 16:00"))
    slow_a = ("undertake=2026-10-13 10:00", "review=2026-10-19 10:00", "approve=2026-10-21 10:00")
    a += [case(ITEM_A, f"A-{n:02d}", slow_a, "2026-10-21 16:00") for n in range(7, 11)]
    b = [case(ITEM_B, f"B-{n:02d}", FAST, "2026-10-14 16:00") for n in range(1, 4)]
    late_b = ("undertake=2026-10-13 10:00", "review=2026-10-16 10:00", "approve=2026-10-20 10:00")
    b += [case(ITEM_B, f"B-{n:02d}", late_b, "2026-10-21 16:00") for n in (4, 5)]
    red_b = ("undertake=2026-10-13 10:00", "review=2026-10-16 10:00", "approve=2026-10-26 10:00")
    b.append(case(ITEM_B, "B-06", red_b, "2026-10-27 10:00"))
    c = [case(ITEM_C, f"C-{n:02d}", FAST, "2026-10-16 16:00", received="2026-10-21 09:00") for n in (1, 2)]
    c += [case(ITEM_C, f"C-{n:02d}", FAST, "2026-10-16 16:00") for n in (3, 4, 5)]
    return a + b + c


class Month(Simulation):
    """October 2026 from Monday the 12th, the sweep every 15 minutes; times as Beijing-time text."""

    def __init__(self) -> None:
        super().__init__([ITEM_A, ITEM_B, ITEM_C], at("2026-10-12 00:00"), dt.timedelta(minutes=15))

    def at(self, when: str | dt.datetime, action: Callable[[], Any]) -> None:  # type: ignore[override]
        super().at(at(when) if isinstance(when, str) else when, action)

    def run_until(self, when: str | dt.datetime) -> None:  # type: ignore[override]
        super().run_until(at(when) if isinstance(when, str) else when)


def deliver(month: Month, c: Case) -> None:
    for d in c.deliveries:
        record = to_exchange_json(d.record)
        code = d.record.dept_code

        def push(record: dict[str, Any] = record, code: str = code) -> None:
            answer = submit([record], dept(code), month.services)
            assert answer["stored"] + answer["duplicate"] == 1, answer

        assert d.received_at is not None
        month.at(
            d.received_at.astimezone(at("2026-10-12 00:00").tzinfo).strftime("%Y-%m-%d %H:%M:%S")[:16], push
        )


def complaint_about_c(month: Month) -> None:
    s, box = month.services, {}

    def file() -> None:
        body = complaints.Filing(
            kind="complaint", text="窗口人员推诿，材料一次不告知", about={"dept_code": C}
        )
        box["no"] = complaints.file(body, s)["complaint_no"]

    def step(name: str, who: Principal, **kw: Any) -> Callable[[], Any]:
        return lambda: complaints.step(box["no"], complaints.StepRequest(step=name, **kw), who, s)

    month.at("2026-10-13 10:00", file)
    month.at("2026-10-13 11:00", step("accept", OFFICE))
    month.at("2026-10-13 11:30", step("direct", OFFICE, dept_code=C, due_days=5))
    month.at("2026-10-15 10:00", step("reply", dept(C), reply="已约谈窗口人员并整改，向投诉人致歉。"))
    month.at(
        "2026-10-19 10:00", step("verify", OFFICE, substantiated=True, reason="经调取视频核实，投诉属实")
    )
    month.at("2026-10-19 11:00", step("close", OFFICE))


@pytest.fixture(scope="module")
def october() -> Month:
    month = Month()
    for c in fixture_cases():
        deliver(month, c)
    s = month.services
    appeal = alert_desk.Appeal(reason="B-04复核环节因系统故障延迟，附故障记录", evidence=["故障记录.pdf"])
    decision = alert_desk.Decision(decision="upheld", reason="经核实系统故障属实，申诉成立")
    month.at("2026-10-20 10:00", lambda: alert_desk.appeal("B-04:T-YELLOW:case", appeal, dept(B), s))
    month.at("2026-10-20 11:00", lambda: alert_desk.decide("B-04:T-YELLOW:case", decision, OFFICE, s))
    bad = {"type": "accept", "case_no": "C-99", "item_code": ITEM_C.item_code, "dept_code": C}
    month.at(
        "2026-10-14 12:00",
        lambda: submit([bad, {**bad, "case_no": "C-98"}, {**bad, "case_no": "C-97"}], dept(C), s),
    )
    sanction = evaluation.Adjustment(
        kind="sanction",
        dept_code=C,
        points=10,
        decided_on=dt.date(2026, 10, 20),
        reason="窗口负责人受党纪处分",
    )
    month.at("2026-10-20 15:00", lambda: evaluation.adjust(sanction, OFFICE, s))
    complaint_about_c(month)
    month.run_until("2026-11-06 09:00")
    evaluation.score_open_months(s)  # October closes: final, under the default standard
    return month


def scores(month: Month, version: str | None = None) -> dict[str, dict[str, Any]]:
    ranked = evaluation.ranking("dept", "2026-10", month.services, OFFICE, version)
    found = {u["dept_code"]: u for u in ranked["units"]}
    for code in (A, B, C):
        if code not in found:
            found[code] = {"hidden": True}
    return found


def arithmetic(month: Month, code: str, version: str | None = None) -> list[tuple[str, str | None, float]]:
    explained = evaluation.explain(f"dept#{code}", "2026-10", OFFICE, month.services, version)
    return sorted(
        (line["kind"], line.get("rule") or line["section"], line["points"])
        for line in explained["arithmetic"]
    )


def test_department_a_by_hand(october: Month) -> None:
    # 10 cases concluded on time; A-01..A-06 in 2 working days of 7 (early), A-07..A-10 on the 7th.
    # A-07..A-10 were open at their T-WARN moment (2 days before the limit): 4 warnings, time limits.
    # A-06 skipped review: P-ORDER, a yellow card, procedure.
    assert arithmetic(october, A) == sorted(
        [
            ("warning_streak", "time_limits", -3.0),  # 4 warnings: one streak of 3, -3
            ("yellow_card", "P-ORDER", -5.0),  # procedure 14 -> 9
            ("early_completion", None, 6.0),  # 6/10 early = 60%: +1 at 10%, +1 per further 10% -> +6
            ("limit_cut", None, 5.0),  # 7 of 15 days promised: cut 53.3%: +3 at 30%, +1 at 40%, 50%
        ]
    )
    a = scores(october)[A]
    assert a["total"] == 100 - 3 - 5 + 6 + 5 == 103
    assert a["sections"]["procedure"] == 9 and a["sections"]["time_limits"] == 11
    assert a["standard_version"] == DEFAULT_STANDARD.version
    assert a["figures"]["on_time_rate"] == 1.0 and a["figures"]["early_rate"] == 0.6


def test_department_b_by_hand(october: Month) -> None:
    # B-01..B-03 concluded early (2 of 5 days). B-04, B-05 concluded late on 21 Oct: each a T-WARN
    # (15 Oct), withdrawn by its T-YELLOW (19 Oct); B-04's yellow appealed and upheld: it does not
    # count. B-06 open past the cure period (22 Oct): T-RED, which withdraws its own T-YELLOW (and
    # that its T-WARN). So no warning counts, one yellow (B-05) and one red (B-06) do.
    assert arithmetic(october, B) == sorted(
        [
            ("yellow_card", "T-YELLOW", -5.0),  # B-05's
            ("red_card", "T-RED", -10.0),  # B-06
            ("floor", "time_limits", 1.0),  # 14 - 5 - 10 = -1: no section below 0
            ("early_completion", None, 5.0),  # 3/6 = 50% -> +5
            ("limit_cut", None, 5.0),  # 5 of 10 days: cut 50% -> +5
        ]
    )
    b = scores(october)[B]
    assert b["sections"]["time_limits"] == 0
    assert b["total"] == 86 + 5 + 5 == 96
    assert b["figures"]["on_time_rate"] == 0.5 and b["figures"]["red_cards"] == 1
    assert b["figures"]["warnings"] == 0 and b["figures"]["yellow_cards"] == 1


def test_department_c_by_hand(october: Month) -> None:
    # 5 cases concluded in 4 of 18 days (early, 100%). C-01 and C-02 reported all their 12 records on
    # 21 Oct, 3 working days late: each an L-LATE-REPORT warning (supervision) and a P-OFFLINE warning
    # (procedure handled off-system: recorded after the decision): 2 warnings per section, no streak
    # of 3. Their apply arrived before their accept, so T-ACCEPT fired and was retracted by the accept
    # a moment later: it costs nothing. 3 records were rejected at intake.
    # Reporting: 12 late + 3 rejected of 33 = 45.5% missing -> 45 x 1, at most 5.
    # A complaint substantiated: -2. A sanction of 10 comes off the total. Limits cut 10%: no bonus.
    assert arithmetic(october, C) == sorted(
        [
            ("reporting", "transparency", -5.0),
            ("complaint", "satisfaction", -2.0),
            ("sanction", None, -10.0),
            ("early_completion", None, 10.0),  # 100%: +1, then +1 for each of 9 further steps
        ]
    )
    c = scores(october)[C]
    assert c["total"] == 100 - 5 - 2 - 10 + 10 == 93
    assert c["figures"]["reporting_completeness"] == round(1 - 15 / 33, 4)


def test_the_ranking_and_the_evidence(october: Month) -> None:
    ranked = evaluation.ranking("dept", "2026-10", october.services, OFFICE)
    assert [(u["dept_code"], u["rank"]) for u in ranked["units"]] == [(A, 1), (B, 2), (C, 3)]
    assert ranked["final"] and ranked["cut_off"] == "2026-10-31"
    assert ranked["average"] == round((103 + 96 + 93) / 3, 2)
    explained = evaluation.explain(f"dept#{A}", "2026-10", OFFICE, october.services)
    yellow = next(x for x in explained["arithmetic"] if x["kind"] == "yellow_card")
    assert yellow["evidence"] == ["A-06:P-ORDER:case"]
    streak = next(x for x in explained["arithmetic"] if x["kind"] == "warning_streak")
    assert sorted(streak["evidence"]) == [f"A-{n:02d}:T-WARN:case" for n in range(7, 11)]


def test_staff_are_scored_the_same_way_on_their_own_cases(october: Month) -> None:
    october.services.staff = MemoryStaff(
        [StaffMember(dept_code=A, handler_id="JS017", name="王敏", role="handler", phone="13800001234")]
    )
    ranked = evaluation.ranking("staff", "2026-10", october.services, OFFICE)
    handler_a = next(u for u in ranked["units"] if u["dept_code"] == A)
    assert (handler_a["handler_id"], handler_a["name"]) == ("JS017", "王敏")
    october.services.staff = None
    assert (
        handler_a["total"] == 103 - 5
    )  # the same cases and alerts, but no limit-cut bonus: it is the department's


def test_a_second_version_changes_the_scores_as_expected_and_october_keeps_its_version(
    october: Month,
) -> None:
    s = october.services
    evaluation.load_standard(SECOND, OFFICE, s)
    assert scores(october)[A]["standard_version"] == DEFAULT_STANDARD.version  # final: kept
    assert scores(october)[A]["total"] == 103
    # A under hz-2027.1: 4 warnings = 2 streaks of 2 x 2 = -4; yellow -8; early 60%: +2 at 50%, no
    # further 25% step; limit cut unchanged +5.
    second = scores(october, "hz-2027.1")
    assert second[A]["total"] == 100 - 4 - 8 + 2 + 5 == 95
    # B: yellow -8, red -15: time limits 14 - 23 < 0 -> 0; early 50%: +2; cut +5.
    assert second[B]["total"] == 86 + 2 + 5 == 93
    # C: only 5 cases concluded, below the second version's minimum of 6: not ranked.
    assert second[C] == {"hidden": True}
    assert arithmetic(october, C, "hz-2027.1") == sorted(
        [
            ("warning_streak", "procedure", -2.0),  # 2 P-OFFLINE: one streak of 2
            ("warning_streak", "supervision", -2.0),  # 2 L-LATE-REPORT: one streak of 2
            ("reporting", "transparency", -3.0),  # 45% x 0.1 = 4.5, at most 3
            ("complaint", "satisfaction", -4.0),
            ("sanction", None, -10.0),
            ("early_completion", None, 4.0),  # 100%: +2 at 50%, +1 at 75%, +1 at 100%
        ]
    )
    explained = evaluation.explain(f"dept#{C}", "2026-10", OFFICE, s, "hz-2027.1")
    assert explained["total"] == 100 - 2 - 2 - 3 - 4 + 4 - 10 == 83
    october.clock[0] = normalised(at("2026-11-20 09:00"))
    done = evaluation.score_open_months(s)
    assert [(d["period"], d["version"]) for d in done] == [("2026-11", "hz-2027.1")]
    assert scores(october)[A]["standard_version"] == DEFAULT_STANDARD.version
