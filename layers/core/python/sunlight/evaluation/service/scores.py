"""The performance evaluation's use cases: loading a standard, scoring units, rankings with their
horizontal and vertical comparisons, a score's arithmetic with the alerts behind it, and the nightly
job (recompute the tallies and report drift, score the open months).

Scores are computed from the tallies (work in units). A month is scored live until the nightly job
closes it (`month_closes_after_days` after it ended): from then on its stored scores are final and keep
the version that made them, whatever standard is loaded later. `?version=` scores any month live by a
named version, to compare standards.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sunlight.alerts.domain.model import COUNTING_STATUSES
from sunlight.alerts.service import AlertFilter
from sunlight.approval.domain.catalog import CREDIT_CODE, Item
from sunlight.evaluation.domain.scoring import Score, average, months_of, rank, score, with_evidence
from sunlight.evaluation.domain.standard import DEFAULT_STANDARD, ScoringStandard
from sunlight.evaluation.domain.tally import Counts, Fact
from sunlight.evaluation.service.tallying import (
    EvaluationServices,
    ScoreBook,
    TallyStore,
    check,
    kept_facts,
    post_facts,
)
from sunlight.kernel.access import Conflict, Forbidden, NotFound, Principal
from sunlight.kernel.errors import InvalidRecord, Problem

SCOPES = ("dept", "staff")


# -- the standard ----------------------------------------------------------------------------------


def current_standard(services: EvaluationServices) -> ScoringStandard:
    book: ScoreBook | None = services.scorebook
    version = book.current() if book is not None else None
    return standard_of(version, services) if version else DEFAULT_STANDARD


def standard_of(version: str, services: EvaluationServices) -> ScoringStandard:
    if version == DEFAULT_STANDARD.version:
        return DEFAULT_STANDARD
    body = services.scorebook.standard(version) if services.scorebook is not None else None
    if body is None:
        raise NotFound(f"scoring standard {version} is not loaded")
    return ScoringStandard.model_validate(body)


def load_standard(body: Any, principal: Principal, services: EvaluationServices) -> dict[str, Any]:
    """A city's own standard becomes the current one. A version is never edited: the same version
    with other content is refused (409); loading an existing version again makes it current."""
    if principal.role != "office":
        raise Forbidden("only the supervision office loads a scoring standard")
    try:
        standard = ScoringStandard.model_validate(body)
    except ValidationError as exc:
        problems = [
            Problem(".".join(str(p) for p in e["loc"]) or "standard", e["msg"], None) for e in exc.errors()
        ]
        raise InvalidRecord(problems) from exc
    book = _book(services)
    data = standard.model_dump(mode="json")
    now = services.now()
    if standard.version == DEFAULT_STANDARD.version:
        if standard != DEFAULT_STANDARD:
            raise Conflict(f"version {standard.version} is the built-in default; name a new version")
    elif not book.put_standard(standard.version, data, now) and book.standard(standard.version) != data:
        raise Conflict(f"scoring standard {standard.version} exists with other content; name a new one")
    book.set_current(standard.version, now)
    return {"current": standard.version, "standard": data}


def standard_view(version: str | None, services: EvaluationServices) -> dict[str, Any]:
    standard = standard_of(version, services) if version else current_standard(services)
    versions = services.scorebook.versions() if services.scorebook is not None else []
    return {
        "current": current_standard(services).version,
        "standard": standard.model_dump(mode="json"),
        "versions": [{"version": DEFAULT_STANDARD.version, "loaded_at": None}, *versions],
    }


def _book(services: EvaluationServices) -> ScoreBook:
    if services.scorebook is None:
        raise NotFound("this function keeps no scores")
    book: ScoreBook = services.scorebook
    return book


def _tallies(services: EvaluationServices) -> TallyStore:
    if services.tallies is None:
        raise NotFound("this function keeps no tallies")
    store: TallyStore = services.tallies
    return store


# -- scores ----------------------------------------------------------------------------------------


def limit_cuts(items: list[Item]) -> dict[str, float]:
    """Per department, how far its committed limits cut the statutory ones (limits in the same unit)."""
    committed: dict[str, float] = defaultdict(float)
    statutory: dict[str, float] = defaultdict(float)
    for item in items:
        if item.committed_limit.unit == item.statutory_limit.unit and item.statutory_limit.value:
            committed[item.dept_code] += item.committed_limit.value
            statutory[item.dept_code] += item.statutory_limit.value
    return {d: round(1 - committed[d] / statutory[d], 4) for d in statutory if statutory[d]}


def unit_key(dept_code: str, handler_id: str | None = None) -> str:
    return f"staff#{dept_code}#{handler_id}" if handler_id else f"dept#{dept_code}"


def _prefix(scope: str, principal: Principal | None) -> str:
    if scope not in SCOPES:
        raise InvalidRecord([Problem("scope", "must be dept or staff", scope)])
    if scope == "staff" and principal is not None and principal.role == "department":
        return f"staff#{principal.dept_code}#"
    return f"{scope}#"


def live_scores(
    month: str, prefix: str, standard: ScoringStandard, services: EvaluationServices
) -> list[Score]:
    cells = _tallies(services).cells(f"m#{month}", prefix)
    cuts = limit_cuts(services.catalog.all()) if prefix.startswith("dept#") else {}
    return [
        score(unit, month, counts, standard, cuts.get(unit.split("#")[1], 0.0) if cuts else None)
        for unit, counts in sorted(cells.items())
    ]


@dataclass(frozen=True)
class MonthScores:
    month: str
    scores: list[Score]
    final: bool
    cut_off: dt.date


def month_scores(
    month: str, prefix: str, services: EvaluationServices, version: str | None = None
) -> MonthScores:
    """A month's scores: final ones as stored (their version), else live by the current standard
    (or by `version` when named)."""
    head = services.scorebook.head(month) if services.scorebook is not None else None
    last_day = _month_end(month)
    today = services.calendar.local_date(services.now())
    if version is None and head is not None and head.get("final"):
        stored = [Score.from_json(d) for d in _book(services).scores(month, head["version"])]
        return MonthScores(month, [s for s in stored if s.unit.startswith(prefix)], True, last_day)
    standard = standard_of(version, services) if version else current_standard(services)
    return MonthScores(month, live_scores(month, prefix, standard, services), False, min(today, last_day))


def period_scores(
    period: str, prefix: str, services: EvaluationServices, version: str | None = None
) -> tuple[list[Score], dt.date, bool]:
    """A period's scores: a month's, or the average of each unit's scored months (quarter, year)."""
    try:
        months = months_of(period)
    except ValueError as exc:
        raise InvalidRecord([Problem("period", str(exc), period)]) from exc
    today = services.calendar.local_date(services.now())
    months = [m for m in months if m <= f"{today:%Y-%m}"]
    if not months:
        return [], today, False
    per_month = [month_scores(m, prefix, services, version) for m in months]
    if len(per_month) == 1 and per_month[0].month == period:
        only = per_month[0]
        return only.scores, only.cut_off, only.final
    by_unit: dict[str, list[Score]] = defaultdict(list)
    for m in per_month:
        for s in m.scores:
            by_unit[s.unit].append(s)
    scores = [average(unit, period, months) for unit, months in sorted(by_unit.items())]
    return scores, per_month[-1].cut_off, all(m.final for m in per_month)


def previous_period(period: str) -> str:
    if len(period) == 4:
        return str(int(period) - 1)
    year = int(period[:4])
    if "Q" in period:
        q = int(period[-1])
        return f"{year - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}"
    month = int(period[5:7])
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def ranking(
    scope: str,
    period: str | None,
    services: EvaluationServices,
    principal: Principal | None = None,
    version: str | None = None,
) -> dict[str, Any]:
    """Units ranked by total (ties share a rank), each beside the average of all units (horizontal)
    and its own previous period (vertical); units below the minimum case count are hidden (a
    department of the catalogue without a case in the period among them)."""
    period = period or f"{services.calendar.local_date(services.now()):%Y-%m}"
    prefix = _prefix(scope, principal)
    scores, cut_off, final = period_scores(period, prefix, services, version)
    previous = {s.unit: s for s in period_scores(previous_period(period), prefix, services, version)[0]}
    min_cases = _min_cases(scores, services)
    ranked, hidden = rank(scores, min_cases)
    shown_average = round(sum(s.total for _, s in ranked) / len(ranked), 2) if ranked else None
    names = unit_names(services, [s.unit for _, s in ranked])
    units = []
    for place, s in ranked:
        before = previous.get(s.unit)
        units.append(
            {
                **unit_fields(s.unit, names),
                "rank": place,
                "total": s.total,
                "standard_version": s.version,
                "sections": s.sections,
                "cases": s.cases,
                "figures": s.figures,
                "vs_average": round(s.total - shown_average, 2) if shown_average is not None else None,
                "previous_total": before.total if before else None,
                "change": round(s.total - before.total, 2) if before else None,
            }
        )
    return {
        "scope": scope,
        "period": period,
        "cut_off": cut_off.isoformat(),
        "final": final,
        "standard_versions": sorted({s.version for s in scores}),
        "min_cases": min_cases,
        "average": shown_average,
        "units": units,
        "hidden": len(hidden) + (len(set(names) - {s.unit[5:] for s in scores}) if scope == "dept" else 0),
    }


def _min_cases(scores: list[Score], services: EvaluationServices) -> int:
    """The minimum of the standard that made the scores (the current one when they disagree)."""
    versions = {s.version for s in scores}
    if len(versions) == 1:
        (version,) = versions
        if "+" not in version:
            try:
                return standard_of(version, services).min_cases
            except NotFound:
                pass
    return current_standard(services).min_cases


def unit_names(services: EvaluationServices, units: Iterable[str] = ()) -> dict[str, str]:
    """Departments' names from the catalogue; the names of the staff among `units` from the registry."""
    names: dict[str, str] = {}
    for item in services.catalog.all():
        names.setdefault(item.dept_code, item.dept_name or item.dept_code)
    if services.staff is not None:
        for unit in units:
            if unit.startswith("staff#"):
                dept, _, handler = unit[6:].partition("#")
                member = services.staff.get(dept, handler)
                if member is not None:
                    names[f"{dept}#{handler}"] = member.name
    return names


def unit_fields(unit: str, names: Mapping[str, str]) -> dict[str, Any]:
    kind, _, rest = unit.partition("#")
    if kind == "dept":
        return {"unit": unit, "dept_code": rest, "name": names.get(rest, rest)}
    if kind == "staff":
        dept, _, handler = rest.partition("#")
        return {
            "unit": unit,
            "dept_code": dept,
            "handler_id": handler,
            "name": names.get(rest, handler),
            "dept_name": names.get(dept, dept),
        }
    return {"unit": unit, "region_code": rest, "name": rest}


# -- one score, explained --------------------------------------------------------------------------


def explain(
    unit: str, period: str, principal: Principal, services: EvaluationServices, version: str | None = None
) -> dict[str, Any]:
    """A unit's score with every line's evidence: the alerts and complaints behind each count."""
    _may_see(unit, principal)
    scores, cut_off, final = period_scores(period, unit, services, version)
    found = next((s for s in scores if s.unit == unit), None)
    if found is None:
        raise NotFound(f"no score of {unit} for {period}")
    if len(months_of(period)) == 1:
        found = with_evidence(found, _evidence(unit, period, found, services))
    standard = standard_of(found.version, services) if "+" not in found.version else None
    return {
        **unit_fields(unit, unit_names(services, [unit])),
        **found.to_json(),
        "cut_off": cut_off.isoformat(),
        "final": final,
        "section_names": {s.code: s.name_zh for s in standard.sections} if standard else {},
        "section_points": {s.code: standard.section_points(s.code) for s in standard.sections}
        if standard
        else {},
    }


def _may_see(unit: str, principal: Principal) -> None:
    if principal.role == "department" and not unit.startswith(
        (f"dept#{principal.dept_code}", f"staff#{principal.dept_code}#")
    ):
        raise NotFound(f"no score of {unit}")


def _evidence(
    unit: str, month: str, s: Score, services: EvaluationServices
) -> dict[tuple[str, str | None, str | None], list[str]]:
    """Which alert ids and complaint numbers each line of a month's score counted."""
    standard = standard_of(s.version, services)
    kind, _, rest = unit.partition("#")
    dept, _, handler = rest.partition("#")
    start, end = _month_bounds(month, services)
    out: dict[tuple[str, str | None, str | None], list[str]] = defaultdict(list)
    cursor: str | None = None
    while True:
        page = services.alerts.query(
            AlertFilter(dept_code=dept, raised_from=start, raised_to=end), cursor, 500
        )
        for a in page.alerts:
            if a["status"] not in COUNTING_STATUSES or (kind == "staff" and a.get("handler_id") != handler):
                continue
            if (
                services.calendar.local_date(dt.datetime.fromisoformat(a["raised_at"])).strftime("%Y-%m")
                != month
            ):
                continue
            section = standard.section_of(a["rule"])
            if a["rule"] in standard.rule_points:
                out[("rule", section, a["rule"])].append(a["alert_id"])
            elif a["level"] == "warning":
                out[("warning_streak", section, None)].append(a["alert_id"])
            else:
                out[(a["level"], section, a["rule"])].append(a["alert_id"])
        cursor = page.cursor
        if cursor is None:
            break
    for complaint in _substantiated(dept, month, services):
        if kind == "dept" or complaint.about.get("handler_id") == handler:
            out[("complaint", standard.complaint_section, None)].append(complaint.complaint_no)
    return out


def _substantiated(dept: str, month: str, services: EvaluationServices) -> list[Any]:
    if services.complaints is None:
        return []
    found = []
    for c in services.complaints.listing(dept, ""):
        verified = next((h.at for h in reversed(c.history) if h.state == "verified"), None)
        if c.substantiated and verified and services.calendar.local_date(verified).strftime("%Y-%m") == month:
            found.append(c)
    return found


def _month_end(month: str) -> dt.date:
    year, m = int(month[:4]), int(month[5:7])
    return dt.date(year + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)


def _month_bounds(month: str, services: EvaluationServices) -> tuple[str, str]:
    """ISO bounds a little wider than the month (offsets vary); the evidence filter is exact."""
    first = dt.date.fromisoformat(f"{month}-01") - dt.timedelta(days=1)
    last = _month_end(month) + dt.timedelta(days=1)
    return first.isoformat(), last.isoformat() + "T23:59:59"


# -- vertical comparison ---------------------------------------------------------------------------


def trend(
    unit: str, first: str, last: str, principal: Principal, services: EvaluationServices
) -> dict[str, Any]:
    """A unit's monthly scores and figures from `first` to `last` (months, at most 36)."""
    _may_see(unit, principal)
    months = month_range(first, last)
    points = []
    for month in months:
        found = next((s for s in month_scores(month, unit, services).scores if s.unit == unit), None)
        points.append(
            {
                "period": month,
                "total": found.total if found else None,
                "standard_version": found.version if found else None,
                "figures": found.figures if found else {},
            }
        )
    return {**unit_fields(unit, unit_names(services, [unit])), "months": points}


def month_range(first: str, last: str, limit: int = 36) -> list[str]:
    for name, value in (("from", first), ("to", last)):
        if len(months_of_safe(value)) != 1:
            raise InvalidRecord([Problem(name, "must be a month like 2026-11", value)])
    out, month = [], first
    while month <= last:
        out.append(month)
        year, m = int(month[:4]), int(month[5:7])
        month = f"{year + m // 12}-{m % 12 + 1:02d}"
        if len(out) > limit:
            raise InvalidRecord([Problem("to", f"at most {limit} months", last)])
    return out


def months_of_safe(period: str) -> list[str]:
    try:
        return months_of(period)
    except ValueError:
        return []


# -- the nightly job -------------------------------------------------------------------------------


def score_open_months(services: EvaluationServices) -> list[dict[str, Any]]:
    """Score the current and the previous month by the current standard and keep the scores; a
    month closes (final, never rescored) once `month_closes_after_days` have passed after its end."""
    book, standard = _book(services), current_standard(services)
    today = services.calendar.local_date(services.now())
    current = f"{today:%Y-%m}"
    done = []
    for month in (previous_period(current), current):
        head = book.head(month)
        if head is not None and head.get("final"):
            continue
        final = today > _month_end(month) + dt.timedelta(days=standard.month_closes_after_days)
        scores = [s for scope in SCOPES for s in live_scores(month, f"{scope}#", standard, services)]
        book.save_scores(month, standard.version, [s.to_json() for s in scores], services.now(), final)
        done.append({"period": month, "version": standard.version, "units": len(scores), "final": final})
    return done


def nightly(services: EvaluationServices, settle: Callable[[], None] = lambda: None) -> dict[str, Any]:
    """The scoring function's night: check the counters against the log, then score."""
    out: dict[str, Any] = {}
    if services.archive is not None:
        out["drift"] = check(services, services.archive, settle).to_json()
    out["scored"] = score_open_months(services)
    return out


def counts_for(period: str, prefix: str, services: EvaluationServices) -> dict[str, Counts]:
    """The summed tallies of a period (a day, month, quarter, year or "all") per unit."""
    store = _tallies(services)
    if period == "all" or len(period) == 10:
        return store.cells("all" if period == "all" else f"d#{period}", prefix)
    out: dict[str, Counts] = {}
    for month in months_of(period):
        for unit, counts in store.cells(f"m#{month}", prefix).items():
            into = out.setdefault(unit, {})
            for name, value in counts.items():
                into[name] = into.get(name, 0) + value
    return out


# -- the office's adjustments ----------------------------------------------------------------------


class Adjustment(BaseModel):
    """A sanction (处分: off the total, once a year within the standard's range) or a deduction in a
    section the office decided on evidence of its own (an inspection's finding)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["sanction", "deduction"]
    dept_code: str = Field(pattern=CREDIT_CODE)
    handler_id: str | None = Field(default=None, min_length=1, max_length=64)
    region_code: str | None = Field(default=None, pattern=r"^\d{6}(\d{3}){0,2}$")
    section: str | None = None
    points: float = Field(gt=0, le=100)
    decided_on: dt.date
    reason: str = Field(min_length=4, max_length=2000)
    reference: str = Field(default="", max_length=200)


def adjust(body: Adjustment, principal: Principal, services: EvaluationServices) -> dict[str, Any]:
    if principal.role != "office":
        raise Forbidden("only the supervision office enters sanctions and deductions")
    standard = current_standard(services)
    unit = f"dept#{body.dept_code}" + (f"#{body.handler_id}" if body.handler_id else "")
    ledger_id = f"adjust#{unit}#{body.decided_on.year}"
    kept = kept_facts(_tallies(services).ledger(ledger_id).postings)
    if body.kind == "sanction":
        if not standard.sanction_min <= body.points <= standard.sanction_max:
            raise InvalidRecord(
                [
                    Problem(
                        "points",
                        f"a sanction is {standard.sanction_min:g} to {standard.sanction_max:g}",
                        body.points,
                    )
                ]
            )
        if sum(1 for f in kept if "sanction" in f.counts) >= standard.sanctions_per_year:
            raise Conflict(
                f"{unit} has its {standard.sanctions_per_year} sanction(s) of {body.decided_on.year}"
            )
        counts: Counts = {"sanction": body.points}
    else:
        codes = {s.code for s in standard.sections}
        if body.section not in codes:
            raise InvalidRecord(
                [Problem("section", f"must be one of {', '.join(sorted(codes))}", body.section)]
            )
        counts = {f"adjust#{body.section}": body.points}
    fact = Fact(
        f"{body.kind}#{len(kept) + 1}",
        body.decided_on,
        body.dept_code,
        body.region_code or principal.region_code,
        body.handler_id,
        counts,
    )
    post_facts(ledger_id, [*kept, fact], _tallies(services))
    return {
        "unit": unit,
        "fact_id": fact.fact_id,
        **body.model_dump(mode="json"),
        "standard_version": standard.version,
    }
