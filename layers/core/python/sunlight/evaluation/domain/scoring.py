"""Scores and rankings (绩效评估, `domain.md` §6): a unit's month scored from its tallies by one
version of the scoring standard, with the arithmetic shown line by line; quarters and years as the
standard says (the average of the months); rankings with ties and the minimum case count.

A score is computed from counts only (`sunlight.evaluation.domain.tally`), so scoring every unit of a
city costs work in the number of units. The lines name the counts behind each deduction and bonus; the service
that explains a score adds the alerts and complaints behind each count.

Pure: no clock reads, no I/O.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sunlight.alerts.domain.model import COUNTING_STATUSES, LEVEL_ZH
from sunlight.evaluation.domain.standard import ScoringStandard

__all__ = ["COUNTING_STATUSES", "Line", "Score", "average", "months_of", "rank", "score"]

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
QUARTER = re.compile(r"^\d{4}-Q[1-4]$")
YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class Line:
    """One step of a score's arithmetic: a deduction (negative), a bonus, or a floor restoring a
    section to its minimum. `section` None means the total."""

    kind: str
    section: str | None
    points: float
    count: float
    explanation: str
    rule: str | None = None
    evidence: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "section": self.section,
            "points": _round(self.points),
            "count": self.count,
            "explanation": self.explanation,
        }
        if self.rule:
            out["rule"] = self.rule
        if self.evidence:
            out["evidence"] = list(self.evidence)
        return out


@dataclass(frozen=True)
class Score:
    unit: str
    period: str
    version: str
    total: float
    sections: dict[str, float]
    lines: tuple[Line, ...]
    cases: int
    figures: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "period": self.period,
            "standard_version": self.version,
            "total": _round(self.total),
            "sections": {k: _round(v) for k, v in self.sections.items()},
            "cases": self.cases,
            "figures": self.figures,
            "arithmetic": [line.to_json() for line in self.lines],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Score:
        lines = tuple(
            Line(
                kind=x["kind"],
                section=x.get("section"),
                points=float(x["points"]),
                count=float(x["count"]),
                explanation=x["explanation"],
                rule=x.get("rule"),
                evidence=tuple(x.get("evidence", ())),
            )
            for x in data["arithmetic"]
        )
        return cls(
            unit=data["unit"],
            period=data["period"],
            version=data["standard_version"],
            total=float(data["total"]),
            sections={k: float(v) for k, v in data["sections"].items()},
            lines=lines,
            cases=int(data["cases"]),
            figures=dict(data.get("figures", {})),
        )


def _round(x: float) -> float:
    return round(x + 0.0, 2)


def score(
    unit: str,
    period: str,
    counts: Mapping[str, float],
    standard: ScoringStandard,
    limit_cut: float | None = None,
) -> Score:
    """A unit's score for one month. `limit_cut` is the share by which the unit's published
    committed limits cut the statutory ones (departments only; None: no such bonus)."""
    lines = _deductions(counts, standard)
    lines += _bonuses(counts, standard, limit_cut)
    sections: dict[str, float] = {}
    for section in standard.sections:
        points = standard.section_points(section.code) + sum(
            line.points for line in lines if line.section == section.code
        )
        if points < standard.section_floor:
            restore = standard.section_floor - points
            lines.append(
                Line(
                    "floor", section.code, restore, 1, f"{section.name_zh}不低于{standard.section_floor:g}分"
                )
            )
            points = standard.section_floor
        sections[section.code] = points
    total = sum(sections.values()) + sum(line.points for line in lines if line.section is None)
    return Score(
        unit=unit,
        period=period,
        version=standard.version,
        total=_round(max(total, 0.0)),
        sections={k: _round(v) for k, v in sections.items()},
        lines=tuple(lines),
        cases=int(counts.get("concluded", 0)),
        figures=figures(counts),
    )


def figures(counts: Mapping[str, float]) -> dict[str, float]:
    """The plain figures beside a score: cases, rates, alert counts by level."""
    concluded = counts.get("concluded", 0)
    out = {
        name: counts.get(name, 0)
        for name in ("accepted", "refused", "concluded", "on_time", "early", "records", "late_records")
    }
    out["rejected_records"] = counts.get("rejected_records", 0)
    for level in LEVEL_ZH:
        out[f"{level}s"] = sum(v for k, v in counts.items() if k.startswith(f"alert#{level}#"))
    out["on_time_rate"] = round(counts.get("on_time", 0) / concluded, 4) if concluded else None  # type: ignore[assignment]
    out["early_rate"] = round(counts.get("early", 0) / concluded, 4) if concluded else None  # type: ignore[assignment]
    out["reporting_completeness"] = _completeness(counts)  # type: ignore[assignment]
    return out


def _completeness(counts: Mapping[str, float]) -> float | None:
    total = counts.get("records", 0) + counts.get("rejected_records", 0)
    if not total:
        return None
    missing = counts.get("late_records", 0) + counts.get("rejected_records", 0)
    return round(1 - missing / total, 4)


def _deductions(counts: Mapping[str, float], standard: ScoringStandard) -> list[Line]:
    lines: list[Line] = []
    warnings: dict[str, float] = defaultdict(float)
    for key in sorted(k for k in counts if k.startswith("alert#")):
        n = counts[key]
        if not n:
            continue
        _, level, rule = key.split("#", 2)
        section = standard.section_of(rule)
        if rule in standard.rule_points:
            price = standard.rule_points[rule]
            lines.append(Line("rule", section, -n * price, n, f"{rule} {n:g}次 × {price:g}分", rule))
        elif level == "warning":
            warnings[section] += n
        else:
            price = standard.red_card_points if level == "red_card" else standard.yellow_card_points
            lines.append(
                Line(level, section, -n * price, n, f"{rule} {LEVEL_ZH[level]}{n:g}张 × {price:g}分", rule)
            )
    for section, n in sorted(warnings.items()):
        streaks = math.floor(n / standard.warning_streak + 1e-9)
        if streaks:
            points = streaks * standard.warning_streak_points
            text = f"预警{n:g}次，每{standard.warning_streak}次扣{standard.warning_streak_points:g}分"
            lines.append(Line("warning_streak", section, -points, n, text))
    substantiated = counts.get("complaints_substantiated", 0)
    if substantiated:
        price = standard.complaint_points
        text = f"投诉查实{substantiated:g}件 × {price:g}分"
        lines.append(
            Line("complaint", standard.complaint_section, -substantiated * price, substantiated, text)
        )
    lines += _reporting(counts, standard)
    for key in sorted(k for k in counts if k.startswith("adjust#")):
        section = key.split("#", 1)[1]
        if counts[key]:
            lines.append(Line("adjustment", section, -counts[key], 1, f"监察机关认定扣{counts[key]:g}分"))
    if counts.get("sanction"):
        lines.append(Line("sanction", None, -counts["sanction"], 1, f"纪律处分扣{counts['sanction']:g}分"))
    return lines


def _reporting(counts: Mapping[str, float], standard: ScoringStandard) -> list[Line]:
    completeness = _completeness(counts)
    if completeness is None:
        return []
    percent = math.floor((1 - completeness) * 100 + 1e-6)
    points = min(standard.reporting_max_points, percent * standard.reporting_points_per_percent)
    if not points:
        return []
    late, rejected = counts.get("late_records", 0), counts.get("rejected_records", 0)
    text = (
        f"数据报送不全{percent}%（迟报{late:g}条、退回{rejected:g}条，"
        f"共{counts.get('records', 0) + rejected:g}条），每1%扣"
        f"{standard.reporting_points_per_percent:g}分，最多{standard.reporting_max_points:g}分"
    )
    return [Line("reporting", standard.reporting_section, -points, percent, text)]


def _bonuses(counts: Mapping[str, float], standard: ScoringStandard, limit_cut: float | None) -> list[Line]:
    lines = []
    concluded = counts.get("concluded", 0)
    if concluded:
        share = counts.get("early", 0) / concluded
        points = standard.early_completion.points_for(share)
        if points:
            text = f"提前办结{counts.get('early', 0):g}/{concluded:g}件（{share:.1%}）"
            lines.append(Line("early_completion", None, points, counts.get("early", 0), text))
    if limit_cut is not None:
        points = standard.limit_cut.points_for(limit_cut)
        if points:
            lines.append(
                Line("limit_cut", None, points, round(limit_cut, 4), f"承诺时限比法定时限压缩{limit_cut:.1%}")
            )
    return lines


def average(unit: str, period: str, months: Sequence[Score]) -> Score:
    """A quarter's or a year's score: the average of the unit's scored months, each month a line."""
    if not months:
        raise ValueError(f"no month of {period} was scored for {unit}")
    n = len(months)
    versions = sorted({m.version for m in months})
    codes = list(months[0].sections)
    lines = tuple(
        Line("month", None, m.total / n, 1, f"{m.period}：{m.total:g}分（标准{m.version}）÷ {n}")
        for m in months
    )
    merged: dict[str, float] = defaultdict(float)
    for m in months:
        for k, v in m.figures.items():
            if isinstance(v, int | float) and not k.endswith(("_rate", "completeness")):
                merged[k] += v
    return Score(
        unit=unit,
        period=period,
        version="+".join(versions),
        total=_round(sum(m.total for m in months) / n),
        sections={c: _round(sum(m.sections.get(c, 0) for m in months) / n) for c in codes},
        lines=lines,
        cases=sum(m.cases for m in months),
        figures=dict(merged),
    )


# Periods the calendar arithmetic can hold, a month either side included (year 0 has no dates).
FIRST_YEAR, LAST_YEAR = 1000, 9998


def months_of(period: str) -> list[str]:
    """The months a period covers: "2026-11" itself, "2026-Q4" three, "2026" twelve."""
    if period[:4].isdigit() and not FIRST_YEAR <= int(period[:4]) <= LAST_YEAR:
        raise ValueError(f"period {period!r} is not within the years {FIRST_YEAR} to {LAST_YEAR}")
    if MONTH.match(period):
        return [period]
    if QUARTER.match(period):
        year, q = period[:4], int(period[-1])
        return [f"{year}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]
    if YEAR.match(period):
        return [f"{period}-{m:02d}" for m in range(1, 13)]
    raise ValueError(f"period {period!r} is not a month (2026-11), a quarter (2026-Q4) or a year (2026)")


def rank(scores: Iterable[Score], min_cases: int) -> tuple[list[tuple[int, Score]], list[Score]]:
    """Ranked scores (ties share a rank: 1, 1, 3) and those hidden for too few cases."""
    shown = sorted((s for s in scores if s.cases >= min_cases), key=lambda s: (-s.total, s.unit))
    hidden = [s for s in scores if s.cases < min_cases]
    out: list[tuple[int, Score]] = []
    for n, s in enumerate(shown):
        out.append((out[-1][0] if n and s.total == shown[n - 1].total else n + 1, s))
    return out, hidden


def with_evidence(s: Score, evidence: Mapping[tuple[str, str | None, str | None], Sequence[str]]) -> Score:
    """The score with each line's evidence (alert ids, complaint numbers) keyed by (kind, section, rule)."""
    lines = tuple(replace(x, evidence=tuple(evidence.get((x.kind, x.section, x.rule), ()))) for x in s.lines)
    return replace(s, lines=lines)
