"""What a department's alerts cost it in the performance evaluation: the card deductions of
`domain.md` §6 (3 consecutive warnings −3, a yellow card −5, a red card −10).

Only alerts that still count do (active, closed with their case, appealed, appeal dismissed): an
appeal upheld, a card withdrawn by a higher one, a verdict retracted cost nothing. The full scoring
standard (sections, weights, bonuses, versions) builds on this.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

COUNTING_STATUSES = frozenset({"active", "closed", "appealed", "dismissed"})


class CardStandard(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: str = "2026.1"
    warning_streak: int = Field(default=3, ge=1)
    warning_streak_points: float = 3
    yellow_card_points: float = 5
    red_card_points: float = 10


@dataclass(frozen=True)
class Deduction:
    points: float
    reason: str
    alert_ids: tuple[str, ...]


def card_deductions(
    alerts: Iterable[Mapping[str, Any]], standard: CardStandard | None = None
) -> list[Deduction]:
    """Each deduction with the alerts behind it, in the order they were raised."""
    standard = standard or CardStandard()
    counted = sorted(
        (a for a in alerts if a["status"] in COUNTING_STATUSES), key=lambda a: (a["raised_at"], a["alert_id"])
    )
    out: list[Deduction] = []
    streak: list[str] = []
    for alert in counted:
        if alert["level"] == "warning":
            streak.append(alert["alert_id"])
            if len(streak) == standard.warning_streak:
                out.append(
                    Deduction(
                        standard.warning_streak_points, f"{standard.warning_streak} warnings", tuple(streak)
                    )
                )
                streak = []
        else:
            points = standard.red_card_points if alert["level"] == "red_card" else standard.yellow_card_points
            out.append(Deduction(points, f"{alert['level']} {alert['rule']}", (alert["alert_id"],)))
    return out


def total(deductions: Iterable[Deduction]) -> float:
    return sum(d.points for d in deductions)
