"""Card deductions: what counts, what an upheld appeal or a withdrawal takes back."""

from __future__ import annotations

import pytest
from sunlight.domain.scoring import CardStandard, card_deductions, total

pytestmark = pytest.mark.unit


def alert(n: int, level: str, status: str = "active") -> dict[str, str]:
    return {
        "alert_id": f"C{n}:R:case",
        "level": level,
        "rule": "R",
        "status": status,
        "raised_at": f"2026-11-{n:02d}T09:00:00+08:00",
    }


def test_yellow_and_red_cards_and_every_third_warning_are_deducted() -> None:
    alerts = [
        alert(1, "warning"),
        alert(2, "warning"),
        alert(3, "yellow_card"),
        alert(4, "warning"),
        alert(5, "red_card"),
        alert(6, "warning"),
    ]
    deductions = card_deductions(alerts)
    assert total(deductions) == 5 + 3 + 10
    assert deductions[1].alert_ids == ("C1:R:case", "C2:R:case", "C4:R:case")


@pytest.mark.parametrize("status", ["upheld", "withdrawn", "retracted"])
def test_alerts_taken_back_cost_nothing(status: str) -> None:
    assert total(card_deductions([alert(1, "red_card", status)])) == 0


@pytest.mark.parametrize("status", ["closed", "appealed", "dismissed"])
def test_alerts_that_stand_cost_their_points(status: str) -> None:
    assert total(card_deductions([alert(1, "yellow_card", status)])) == 5


def test_the_standard_is_data() -> None:
    assert total(card_deductions([alert(1, "yellow_card")], CardStandard(yellow_card_points=1))) == 1
