"""The scoring standard (量化标准) as data: sections and weights, deductions, bonuses, floors, the
minimum case count for a ranking, and the version every score names.

The default is the published example of `domain.md` §6 (monthly, base 100, quarter and year the
average of months). A city loads its own with `PUT /v1/scoring/standard`; a standard is never edited
in place: a change is a new version, and scores made under an older one keep saying so.

Where the example leaves a choice open, the default below makes it and says so:
- every alert counts in the section its rule belongs to (`rule_sections`, by id or id prefix);
- "3 consecutive warnings" are counted within a section and a month: every third warning of a
  section costs `warning_streak_points`;
- a substantiated complaint (查实) costs `complaint_points` in `complaint_section` (the complaint
  sheet of a city sets the figure);
- incomplete reporting is the share of a unit's records that were rejected at intake or reported
  late, `reporting_points_per_percent` per whole percent, at most `reporting_max_points`;
- a disciplinary sanction (处分) is entered by the office, `sanction_min`..`sanction_max` points once a
  year, and comes off the total rather than a section (a section holds at most its weight);
- no section goes below `section_floor`; bonuses come on top of the sections.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str = Field(min_length=1, max_length=40)
    weight: float = Field(gt=0, le=1)


class Steps(BaseModel):
    """A bonus that starts at a share and grows per further step: `points` once `share >= start`, then
    `step_points` for each whole `step` beyond it, at most `max_points`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: float = Field(ge=0, le=1)
    points: float = Field(ge=0)
    step: float = Field(gt=0, le=1)
    step_points: float = Field(ge=0)
    max_points: float | None = Field(default=None, ge=0)

    def points_for(self, share: float) -> float:
        if share + 1e-9 < self.start:
            return 0.0
        # The small epsilon keeps 0.3 - 0.1 from counting as 1.9999 steps.
        steps = math.floor((share - self.start) / self.step + 1e-9)
        earned = self.points + steps * self.step_points
        return earned if self.max_points is None else min(earned, self.max_points)


def _published_sections() -> tuple[Section, ...]:
    rows = [
        ("transparency", "政务公开", 0.10),
        ("procedure", "流程规范", 0.14),
        ("time_limits", "期限合法", 0.14),
        ("fees", "收费合理", 0.08),
        ("satisfaction", "满意度", 0.10),
        ("service_attitude", "服务态度", 0.10),
        ("supervision", "监督检查", 0.14),
        ("legal_liability", "法律责任", 0.10),
        ("integrity", "廉洁行政", 0.10),
    ]
    return tuple(Section(code=c, name_zh=n, weight=w) for c, n, w in rows)


class ScoringStandard(BaseModel):
    """One version of a city's scoring standard. See the module docstring for the defaults' choices."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")
    name: str = "绩效评估量化标准（示例）"
    base: float = Field(default=100, gt=0)
    sections: tuple[Section, ...] = Field(default_factory=_published_sections, min_length=1)
    rule_sections: dict[str, str] = Field(
        default_factory=lambda: {
            "T-": "time_limits",
            "P-": "procedure",
            "F-": "fees",
            "L-": "supervision",
            "C-": "supervision",
        }
    )
    default_section: str = "supervision"
    warning_streak: int = Field(default=3, ge=1)
    warning_streak_points: float = Field(default=3, ge=0)
    yellow_card_points: float = Field(default=5, ge=0)
    red_card_points: float = Field(default=10, ge=0)
    # A rule's own price per alert (e.g. 0.5 per unreasoned refusal), instead of its level's.
    rule_points: dict[str, float] = Field(default_factory=dict)
    complaint_points: float = Field(default=2, ge=0)
    complaint_section: str = "satisfaction"
    reporting_points_per_percent: float = Field(default=1, ge=0)
    reporting_max_points: float = Field(default=5, ge=0)
    reporting_section: str = "transparency"
    sanction_min: float = Field(default=10, ge=0)
    sanction_max: float = Field(default=50, ge=0)
    sanctions_per_year: int = Field(default=1, ge=0)
    early_completion: Steps = Steps(start=0.10, points=1, step=0.10, step_points=1)
    limit_cut: Steps = Steps(start=0.30, points=3, step=0.10, step_points=1)
    section_floor: float = 0
    min_cases: int = Field(default=5, ge=0)
    # A month's scores become final (kept with their version, never rescored) this many days after it
    # ends: late reports of its last days still count until then.
    month_closes_after_days: int = Field(default=5, ge=0, le=60)
    longer_periods: Literal["average"] = "average"

    @model_validator(mode="after")
    def _coherent(self) -> ScoringStandard:
        codes = [s.code for s in self.sections]
        if len(set(codes)) != len(codes):
            raise ValueError("section codes must be unique")
        if abs(sum(s.weight for s in self.sections) - 1) > 1e-6:
            raise ValueError(
                f"section weights must add up to 1, not {sum(s.weight for s in self.sections):g}"
            )
        named = {
            *self.rule_sections.values(),
            self.default_section,
            self.complaint_section,
            self.reporting_section,
        }
        unknown = sorted(named - set(codes))
        if unknown:
            raise ValueError(f"unknown sections: {', '.join(unknown)}")
        if self.sanction_min > self.sanction_max:
            raise ValueError("sanction_min is above sanction_max")
        return self

    def section_points(self, code: str) -> float:
        return next(s.weight for s in self.sections if s.code == code) * self.base

    def section_of(self, rule: str) -> str:
        """The section a rule's alerts count in: its own entry, else the longest matching prefix."""
        if rule in self.rule_sections:
            return self.rule_sections[rule]
        prefixes = [p for p in self.rule_sections if rule.startswith(p)]
        return self.rule_sections[max(prefixes, key=len)] if prefixes else self.default_section


DEFAULT_STANDARD = ScoringStandard(version="domain-6.1")
