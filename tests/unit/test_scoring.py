"""The scoring standard and scores from counts: each deduction, bonus and floor, versions, ranks."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sunlight.evaluation.domain.scoring import Score, average, months_of, rank, score
from sunlight.evaluation.domain.standard import DEFAULT_STANDARD, ScoringStandard, Steps

pytestmark = pytest.mark.unit


def lines(s: Score) -> list[tuple[str, str | None, float]]:
    return sorted((x.kind, x.rule or x.section, x.points) for x in s.lines)


def test_the_default_is_the_published_example() -> None:
    weights = {s.code: s.weight for s in DEFAULT_STANDARD.sections}
    assert weights["time_limits"] == weights["procedure"] == weights["supervision"] == 0.14
    assert weights["fees"] == 0.08 and sum(weights.values()) == pytest.approx(1)
    assert score("dept#X", "2026-10", {}, DEFAULT_STANDARD).total == 100


def test_every_third_warning_of_a_section_costs_three_and_cards_cost_five_and_ten() -> None:
    counts = {
        "alert#warning#T-WARN": 5,  # time limits: one streak (5 // 3)
        "alert#warning#P-SUPP-REPEAT": 2,  # procedure: no streak
        "alert#yellow_card#F-FEE": 1,
        "alert#red_card#T-RED": 1,
    }
    s = score("dept#X", "2026-10", counts, DEFAULT_STANDARD)
    assert lines(s) == sorted(
        [("warning_streak", "time_limits", -3), ("yellow_card", "F-FEE", -5), ("red_card", "T-RED", -10)]
    )
    assert s.sections["fees"] == 8 - 5 and s.sections["time_limits"] == 14 - 13
    assert s.total == 100 - 18


def test_a_rule_priced_on_its_own_is_not_part_of_a_streak() -> None:
    standard = DEFAULT_STANDARD.model_copy(
        update={"version": "x", "rule_points": {"P-REFUSE-NO-REASON": 0.5}}
    )
    s = score("dept#X", "2026-10", {"alert#warning#P-REFUSE-NO-REASON": 3}, standard)
    assert lines(s) == [("rule", "P-REFUSE-NO-REASON", -1.5)]


def test_no_section_goes_below_its_floor_and_a_sanction_comes_off_the_total() -> None:
    s = score("dept#X", "2026-10", {"alert#red_card#F-FEE": 2, "sanction": 30}, DEFAULT_STANDARD)
    assert ("floor", "fees", 12) in lines(s)
    assert s.sections["fees"] == 0 and s.total == 92 - 30


def test_incomplete_reporting_costs_a_point_per_whole_percent_at_most_five() -> None:
    three = score(
        "dept#X", "m", {"records": 97, "late_records": 2, "rejected_records": 1.5}, DEFAULT_STANDARD
    )
    # 3.5 missing of 98.5 = 3.55% -> 3 points
    assert lines(three) == [("reporting", "transparency", -3)]
    many = score("dept#X", "m", {"records": 10, "late_records": 5}, DEFAULT_STANDARD)
    assert lines(many) == [("reporting", "transparency", -5)]


@pytest.mark.parametrize(
    ("share", "points"), [(0.0, 0), (0.099, 0), (0.1, 1), (0.2, 2), (0.299, 2), (0.3, 3), (1.0, 10)]
)
def test_early_completion_steps(share: float, points: float) -> None:
    assert DEFAULT_STANDARD.early_completion.points_for(share) == points


@pytest.mark.parametrize(("cut", "points"), [(0.29, 0), (0.3, 3), (0.4, 4), (0.533, 5), (0.7, 7)])
def test_limit_cut_steps(cut: float, points: float) -> None:
    assert DEFAULT_STANDARD.limit_cut.points_for(cut) == points


def test_a_cap_on_a_bonus() -> None:
    assert Steps(start=0.1, points=1, step=0.1, step_points=1, max_points=4).points_for(0.9) == 4


def test_a_standard_must_add_up_and_name_known_sections() -> None:
    with pytest.raises(ValidationError, match="add up to 1"):
        ScoringStandard(version="v", sections=DEFAULT_STANDARD.sections[:3])
    with pytest.raises(ValidationError, match="unknown sections: nowhere"):
        ScoringStandard(version="v", complaint_section="nowhere")
    with pytest.raises(ValidationError):
        ScoringStandard(version="has space")


def test_every_score_names_its_version_and_round_trips() -> None:
    other = DEFAULT_STANDARD.model_copy(update={"version": "hz-2027.1", "yellow_card_points": 8})
    counts = {"alert#yellow_card#P-ORDER": 1, "concluded": 10, "early": 4}
    first, second = (
        score("dept#X", "2026-10", counts, DEFAULT_STANDARD),
        score("dept#X", "2026-10", counts, other),
    )
    assert (first.version, first.total) == (DEFAULT_STANDARD.version, 100 - 5 + 4)
    assert (second.version, second.total) == ("hz-2027.1", 100 - 8 + 4)
    assert Score.from_json(first.to_json()) == first


def test_a_quarter_is_the_average_of_the_scored_months() -> None:
    months = [
        score("dept#X", m, {"alert#red_card#T-RED": n}, DEFAULT_STANDARD)
        for m, n in (("2026-10", 0), ("2026-11", 1))
    ]
    q = average("dept#X", "2026-Q4", months)
    assert q.total == 95 and [x.points for x in q.lines] == [50, 45]
    assert months_of("2026-Q4") == ["2026-10", "2026-11", "2026-12"] and len(months_of("2026")) == 12
    with pytest.raises(ValueError, match="not a month"):
        months_of("2026-13")


def test_ties_share_a_rank_and_units_below_the_minimum_are_hidden() -> None:
    def unit(name: str, total: float, cases: int) -> Score:
        return Score(name, "2026-10", "v", total, {}, (), cases)

    ranked, hidden = rank([unit("a", 90, 9), unit("b", 95, 9), unit("c", 90, 9), unit("d", 99, 2)], 5)
    assert [(n, s.unit) for n, s in ranked] == [(1, "b"), (2, "a"), (2, "c")]
    assert [s.unit for s in hidden] == ["d"]
