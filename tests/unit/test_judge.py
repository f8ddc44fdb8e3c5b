"""`judge`: the one domain call that folds a case and reads its clock, verdicts and next due moment."""

from __future__ import annotations

import pytest
from sunlight.approval.domain.config import RuleConfig
from sunlight.approval.domain.lifecycle import case_clock, fold
from sunlight.approval.domain.rules import evaluate, judge, next_due
from sunlight.kernel.calendar import WorkCalendar

from tests.unit.cases import ITEM, Case, at

pytestmark = pytest.mark.unit


def test_judge_answers_as_the_separate_steps_do_for_a_late_case(calendar: WorkCalendar) -> None:
    case = Case().apply().accept().stage("undertake", "2026-11-03 15:30")
    config, now = RuleConfig(), at("2026-11-13 09:00")
    state = fold(case.deliveries, tuple(ITEM.stages))
    clock = case_clock(state, ITEM, calendar, config, now)

    judged = judge(case.deliveries, ITEM, calendar, config, now)

    assert judged.state.current_stage == state.current_stage == "review"
    assert judged.clock == clock and clock is not None
    assert judged.alerts == evaluate(state, ITEM, calendar, config, now, clock)
    assert {a.rule for a in judged.alerts} >= {"T-WARN", "T-YELLOW"}
    assert judged.next_due == next_due(state, ITEM, calendar, config, now, clock)


def test_a_case_not_yet_accepted_has_no_clock_and_is_due_for_its_acceptance_decision(
    calendar: WorkCalendar,
) -> None:
    judged = judge(
        Case().apply("2026-11-02 09:12").deliveries, ITEM, calendar, RuleConfig(), at("2026-11-02 10:00")
    )

    assert judged.clock is None
    assert judged.next_due is not None and judged.next_due > at("2026-11-02 10:00")
