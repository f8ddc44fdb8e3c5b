"""Statistics for leaders (`GET /v1/reports/...`): per department, member of staff or region, for
today, a month, a quarter or a year; as JSON, CSV or XLSX; and trend charts as SVG.

Every figure comes from the tallies (`sunlight.evaluation.domain.tally`): a report costs work in units and
months, never in cases. A department sees its own row and its own staff; regions are the office's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sunlight.evaluation.domain.scoring import figures
from sunlight.evaluation.domain.tally import Counts, roll_up
from sunlight.evaluation.reports import Column, Series, Table, to_csv, to_xlsx, trend_svg
from sunlight.evaluation.service.scores import (
    counts_for,
    month_range,
    period_scores,
    previous_period,
    unit_fields,
    unit_names,
)
from sunlight.evaluation.service.tallying import EvaluationServices
from sunlight.kernel.access import Forbidden, Principal
from sunlight.kernel.errors import InvalidRecord, Problem

PERIOD = r"^(today|month|quarter|year|all|\d{4}(-(0[1-9]|1[0-2])(-\d{2})?|-Q[1-4])?)$"
METRIC = (
    r"^(on_time_rate|early_rate|reporting_completeness|accepted|concluded|in_progress|"
    r"warnings|yellow_cards|red_cards|score)$"
)
RATES = ("on_time_rate", "early_rate", "reporting_completeness")
SCOPES = {"dept": "部门", "staff": "工作人员", "region": "行政区划"}
MAX_CHART_UNITS = 8

COLUMNS = (
    Column("name", "单位", "Unit", "text"),
    Column("code", "代码", "Code", "text"),
    Column("items", "进驻事项", "Items", "int"),
    Column("accepted", "受理", "Accepted", "int"),
    Column("refused", "不予受理", "Refused", "int"),
    Column("in_progress", "在办（期内受理）", "In progress (accepted in period)", "int"),
    Column("open_now", "当前在办", "Open now", "int"),
    Column("concluded", "办结", "Concluded", "int"),
    Column("on_time_rate", "按时办结率", "On-time rate", "rate"),
    Column("early_rate", "提前办结率", "Early-completion rate", "rate"),
    Column("warnings", "预警", "Warnings", "int"),
    Column("yellow_cards", "黄牌", "Yellow cards", "int"),
    Column("red_cards", "红牌", "Red cards", "int"),
    Column("reporting_completeness", "数据报送完整率", "Reporting completeness", "rate"),
    Column("score", "绩效得分", "Score", "score"),
)


def resolve_period(period: str, today: dt.date) -> str:
    """today/month/quarter/year as the period that contains `today`; explicit periods as given."""
    named = {
        "today": today.isoformat(),
        "month": f"{today:%Y-%m}",
        "quarter": f"{today.year}-Q{(today.month - 1) // 3 + 1}",
        "year": str(today.year),
    }
    return named.get(period, period)


def _prefix(scope: str, principal: Principal) -> str:
    if scope not in SCOPES:
        raise InvalidRecord([Problem("scope", "must be dept, staff or region", scope)])
    if principal.role == "department":
        if scope == "region":
            raise Forbidden("regional statistics are the supervision office's")
        return f"{scope}#{principal.dept_code}" + ("#" if scope == "staff" else "")
    return f"{scope}#"


def rows(
    scope: str, period: str, principal: Principal, services: EvaluationServices
) -> tuple[str, list[dict[str, Any]]]:
    today = services.calendar.local_date(services.now())
    resolved = resolve_period(period, today)
    prefix = _prefix(scope, principal)
    counts = counts_for(resolved, prefix, services)
    open_now = counts_for("all", prefix, services)
    if scope == "region":
        counts, open_now = roll_up(counts), roll_up(open_now)
    items: dict[str, int] = {}
    for item in services.catalog.all():
        items[item.dept_code] = items.get(item.dept_code, 0) + 1
    scores = {}
    if scope != "region" and resolved not in ("all",) and len(resolved) != 10:
        scores = {s.unit: s.total for s in period_scores(resolved, prefix, services)[0]}
    units = sorted(set(counts) | set(open_now))
    names = unit_names(services, units)
    out = []
    for unit in units:
        fields = unit_fields(unit, names)
        c = counts.get(unit, {})
        out.append(
            {
                "unit": unit,
                "name": fields["name"] if scope != "staff" else f"{fields['dept_name']} {fields['name']}",
                "code": unit.split("#", 1)[1],
                "items": items.get(fields["dept_code"]) if scope == "dept" else None,
                **figures(c),
                "refused": c.get("refused", 0),
                "in_progress": c.get("in_progress", 0),
                "open_now": open_now.get(unit, {}).get("in_progress", 0),
                "score": scores.get(unit),
            }
        )
    return resolved, out


def report(
    scope: str, period: str, fmt: str, lang: str, principal: Principal, services: EvaluationServices
) -> tuple[Any, str, str]:
    """The report as (body, content type, file name)."""
    resolved, table_rows = rows(scope, period, principal, services)
    table = Table(
        title=f"{SCOPES[scope]}统计" if lang == "zh" else f"Statistics by {scope}",
        subtitle=f"{resolved}（截至{services.now().isoformat(timespec='minutes')}）",
        columns=COLUMNS if scope == "dept" else tuple(c for c in COLUMNS if c.key != "items"),
        rows=tuple(table_rows),
        notes=(
            "在办（期内受理）：期内受理、至今未办结的办件；当前在办：全部未办结办件。",
            "按时：不晚于承诺时限办结；提前：所用天数少于承诺时限。数据报送完整率：未迟报且未被退回的记录占比。",
        ),
    )
    name = f"sunlight-{scope}-{resolved}"
    if fmt == "csv":
        return to_csv(table, lang), "text/csv; charset=utf-8", f"{name}.csv"
    if fmt == "xlsx":
        xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return to_xlsx(table, lang), xlsx, f"{name}.xlsx"
    return {"period": resolved, "scope": scope, **table.to_json()}, "application/json", f"{name}.json"


def metric_value(metric: str, counts: Mapping[str, float]) -> float | None:
    if not counts:
        return None
    value = figures(counts).get(metric, counts.get(metric, 0))
    return None if value is None else float(value)


def trend_chart(
    scope: str,
    metric: str,
    first: str | None,
    last: str | None,
    units: list[str],
    principal: Principal,
    services: EvaluationServices,
) -> str:
    """One figure per unit by month, as an SVG line chart (the busiest units when none are named)."""
    prefix = _prefix(scope, principal)
    months = _months(first, last, services)
    per_month = {m: _month_values(metric, m, prefix, services) for m in months}
    chosen = [u for u in units if u.startswith(prefix)] or _busiest(per_month, months, prefix, services)
    names = unit_names(services)
    series = [
        Series(unit_fields(u, names)["name"], tuple((m, per_month[m].get(u)) for m in months))
        for u in chosen[:MAX_CHART_UNITS]
    ]
    title = f"{SCOPES[scope]} · {metric}"
    return trend_svg(title, series, percent=metric in RATES, y_min=0, y_max=1 if metric in RATES else None)


def _months(first: str | None, last: str | None, services: EvaluationServices) -> list[str]:
    today = services.calendar.local_date(services.now())
    last = last or f"{today:%Y-%m}"
    if first is None:
        first = last
        for _ in range(11):
            first = previous_period(first)
    return month_range(first, last)


def _month_values(
    metric: str, month: str, prefix: str, services: EvaluationServices
) -> dict[str, float | None]:
    if metric == "score":
        return {s.unit: s.total for s in period_scores(month, prefix, services)[0]}
    return {unit: metric_value(metric, c) for unit, c in counts_for(month, prefix, services).items()}


def _busiest(
    per_month: Mapping[str, Mapping[str, float | None]],
    months: list[str],
    prefix: str,
    services: EvaluationServices,
) -> list[str]:
    volume: dict[str, float] = {}
    for month in months:
        for unit, counts in counts_for(month, prefix, services).items():
            volume[unit] = volume.get(unit, 0) + counts.get("accepted", 0)
    present = {u for values in per_month.values() for u in values}
    return sorted(present, key=lambda u: (-volume.get(u, 0), u))[:MAX_CHART_UNITS]


def city_counts(month: str, services: EvaluationServices) -> Counts:
    """The whole deployment's tallies of a month: the sum over its departments."""
    total: Counts = {}
    for counts in counts_for(month, "dept#", services).values():
        for name, value in counts.items():
            total[name] = total.get(name, 0) + value
    return total


def public_trend(services: EvaluationServices, months: int = 12) -> str:
    """The city's on-time and early-completion rates over the last months, for the portal."""
    span = _months(None, None, services)[-months:]
    values = {m: figures(city_counts(m, services)) for m in span}
    series = [
        Series("按时办结率", tuple((m, values[m]["on_time_rate"]) for m in span)),
        Series("提前办结率", tuple((m, values[m]["early_rate"]) for m in span)),
    ]
    return trend_svg("全市办件按时、提前办结率", series, percent=True, y_min=0, y_max=1)
