"""Stored alerts follow the rules' verdicts; states people set are never undone by a check."""

from __future__ import annotations

import datetime as dt

import pytest
from sunlight.alerts.domain.lifecycle import COUNTS, Create, Move, appeal_move, decision_move, plan_sync

pytestmark = pytest.mark.unit
NOW = dt.datetime(2026, 11, 20, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def verdict(rule: str, status: str = "active", by: str | None = None) -> dict[str, object]:
    alert = {
        "alert_id": f"C1:{rule}:case",
        "rule": rule,
        "status": status,
        "raised_at": "2026-11-11T17:30:00+08:00",
    }
    return alert | ({"withdrawn_by": by} if by else {})


def test_a_new_verdict_is_created_active_with_its_history() -> None:
    [change] = plan_sync({}, [verdict("T-YELLOW")], NOW, None)
    assert isinstance(change, Create) and change.history[0]["status"] == "active"


def test_a_higher_card_withdraws_the_stored_lower_one() -> None:
    stored = {"C1:T-YELLOW:case": "active"}
    changes = plan_sync(stored, [verdict("T-YELLOW", "withdrawn", "T-RED:case"), verdict("T-RED")], NOW, None)
    assert (
        Move("C1:T-YELLOW:case", "active", "withdrawn", {"at": NOW.isoformat(), "by": "T-RED:case"})
        in changes
    )
    assert any(isinstance(c, Create) and c.alert["rule"] == "T-RED" for c in changes)


def test_a_verdict_the_records_no_longer_support_is_retracted() -> None:
    [change] = plan_sync({"C1:P-ORDER:case": "active"}, [], NOW, None)
    assert isinstance(change, Move) and change.after == "retracted"


def test_a_concluded_case_closes_its_open_alerts_with_the_reason() -> None:
    concluded = NOW - dt.timedelta(days=1)
    changes = plan_sync({"C1:T-WARN:case": "active"}, [verdict("T-WARN"), verdict("F-FEE")], NOW, concluded)
    closes = [c for c in changes if isinstance(c, Move) and c.after == "closed"]
    assert {c.alert_id for c in closes} == {"C1:T-WARN:case", "C1:F-FEE:case"}
    assert closes[0].entry["reason"] == f"case concluded at {concluded.isoformat()}"


@pytest.mark.parametrize("status", ["appealed", "upheld", "dismissed", "closed"])
def test_states_people_or_the_conclusion_set_are_never_undone_by_a_check(status: str) -> None:
    assert plan_sync({"C1:T-YELLOW:case": status}, [verdict("T-YELLOW")], NOW, None) == []


def test_an_appeal_then_an_upheld_decision_withdraws_the_card() -> None:
    appeal = appeal_move("active", "dept", "材料在规定时间内已补正", ["补正回执.pdf"], NOW)
    assert appeal is not None and appeal.after == "appealed"
    decision = decision_move("appealed", True, "office", "经核实，申诉成立", NOW)
    assert decision is not None and decision.after == "upheld"
    assert "upheld" not in COUNTS and "dismissed" in COUNTS


def test_only_standing_alerts_can_be_appealed_and_only_appeals_decided() -> None:
    assert appeal_move("withdrawn", "dept", "x", [], NOW) is None
    assert appeal_move("appealed", "dept", "x", [], NOW) is None
    assert decision_move("active", True, "office", "x", NOW) is None
