"""The written directives of a card: a yellow card's 督办通知书, a red card's 监察建议书 (整改建议书).

A `Directive` is the document as issued: its number (given by the caller, who owns the yearly
series), the alert it answers (`Alert.to_json()`), the addressee department, and the reply deadline
fixed at issuance with the city's `WorkCalendar` (a later calendar version does not move a date
already written to a department). `render_html` fills the Jinja2 template of its kind (the wording
lives only there); `render_pdf` lays the same HTML out on A4 with reportlab, so the two never say
different things. Pure: no AWS, no clock reads, no files but the package's own templates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from sunlight.alerts.directives.pdf import html_to_pdf
from sunlight.kernel.calendar import WorkCalendar

DirectiveKind = Literal["directive", "rectification_notice"]

DEFAULT_ISSUER = "市监察局（电子监察中心）"
# Working days the department has to answer, counted from the day after issuance.
DEFAULT_REPLY_DAYS: dict[DirectiveKind, int] = {"directive": 3, "rectification_notice": 10}
TITLES: dict[DirectiveKind, str] = {"directive": "督办通知书", "rectification_notice": "监察建议书"}
# The character of the series in the number: 杭监督〔2026〕第0012号, 杭监建〔2026〕第0003号.
SERIES: dict[DirectiveKind, str] = {"directive": "督", "rectification_notice": "建"}

_KINDS: dict[str, DirectiveKind] = {"yellow_card": "directive", "red_card": "rectification_notice"}

_RULE_NAMES = {
    "T-WARN": "临近承诺时限",
    "T-YELLOW": "超过承诺时限未办结",
    "T-RED": "超过法定时限未办结",
    "T-ACCEPT": "未在规定期限内作出受理决定",
    "T-STAGE": "审批环节超过环节时限",
    "T-SPECIAL": "特别程序超过计划期限",
    "P-ORDER": "违反法定办理程序",
    "P-SUPP-AFTER-ACCEPT": "受理后要求补正材料",
    "P-SUPP-REPEAT": "未一次性告知补正内容",
    "P-REFUSE-NO-REASON": "不予受理或不予许可未说明理由",
    "P-OFFLINE": "应当网上办理的事项未在线办理",
    "F-FEE": "收费不符合规定标准",
    "L-TIMING": "办件时间逻辑异常",
    "L-LATE-REPORT": "办件信息报送不及时",
}
_LEVEL_NAMES = {"warning": "预警", "yellow_card": "黄牌", "red_card": "红牌"}
_UNITS = {"G": "个工作日", "Z": "个自然日"}


def directive_kind(level: str) -> DirectiveKind | None:
    """The document a card of this level produces; a warning produces none."""
    return _KINDS.get(level)


def directive_number(kind: DirectiveKind, year: int, serial: int, prefix: str = "杭监") -> str:
    """The document number of the year's `serial`-th document of a kind: 杭监督〔2026〕第0012号."""
    if serial < 1:
        raise ValueError(f"a document serial starts at 1 (got {serial})")
    return f"{prefix}{SERIES[kind]}〔{year}〕第{serial:04d}号"


@dataclass(frozen=True)
class Directive:
    """A written directive as issued: what it answers, to whom, and by when the answer is due."""

    kind: DirectiveKind
    number: str
    issued_at: dt.datetime
    alert: Mapping[str, Any]
    department: str
    item_name: str
    reply_days: int
    reply_due: dt.datetime
    # Further facts of the case the caller wants on the document, label -> value, in order
    # (e.g. {"承办人": "王敏"}); personal data must arrive already masked.
    case_facts: Mapping[str, str] = field(default_factory=dict)
    issuer: str = DEFAULT_ISSUER
    time_zone: str = "Asia/Shanghai"

    @property
    def title(self) -> str:
        return TITLES[self.kind]

    @property
    def case_no(self) -> str:
        return str(self.alert["case_no"])

    @property
    def alert_id(self) -> str:
        return f"{self.alert['case_no']}:{self.alert['rule']}:{self.alert['key']}"


def prepare_directive(
    alert: Mapping[str, Any],
    *,
    number: str,
    issued_at: dt.datetime,
    department: str,
    calendar: WorkCalendar,
    item_name: str | None = None,
    case_facts: Mapping[str, str] | None = None,
    reply_days: int | None = None,
    issuer: str = DEFAULT_ISSUER,
) -> Directive:
    """The directive a card calls for, its reply due `reply_days` working days after issuance.

    `alert` is `Alert.to_json()`. The kind follows the card's level; a warning has no directive
    (ValueError). The item name defaults to the one the alert's facts carry.
    """
    level = str(alert["level"])
    kind = directive_kind(level)
    if kind is None:
        raise ValueError(f"a {level} produces no written directive (only yellow and red cards do)")
    if issued_at.tzinfo is None:
        raise ValueError("issued_at must carry a UTC offset")
    days = DEFAULT_REPLY_DAYS[kind] if reply_days is None else reply_days
    if days < 1:
        raise ValueError(f"the reply period must be at least one working day (got {days})")
    facts = alert.get("facts") or {}
    return Directive(
        kind=kind,
        number=number,
        issued_at=issued_at,
        alert=dict(alert),
        department=department,
        item_name=item_name if item_name is not None else str(facts.get("item_name", "")),
        reply_days=days,
        reply_due=calendar.add_working_days(issued_at, days),
        case_facts=dict(case_facts or {}),
        issuer=issuer,
        time_zone=calendar.settings.time_zone,
    )


# -- rendering ---------------------------------------------------------------------------------


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("sunlight.alerts.directives", "templates"),
        autoescape=True,  # every value is escaped: item names and messages come from departments
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(directive: Directive) -> str:
    """The directive as a standalone HTML page (UTF-8, print styles for A4)."""
    return _environment().get_template(f"{directive.kind}.html.j2").render(_context(directive))


def render_pdf(directive: Directive) -> bytes:
    """The directive as an A4 PDF with extractable text (built-in CID font STSong-Light)."""
    return html_to_pdf(
        render_html(directive),
        title=f"{directive.title} {directive.number}",
        author=directive.issuer,
        subject=f"{directive.case_no} {directive.alert['rule']}",
    )


def _context(d: Directive) -> dict[str, Any]:
    tz = ZoneInfo(d.time_zone)
    alert = d.alert
    facts: Mapping[str, Any] = alert.get("facts") or {}
    clock = facts.get("clock")
    rule = str(alert["rule"])
    rule_name = _RULE_NAMES.get(rule, rule)
    if rule == "T-RED" and clock and clock.get("red_reason") == "yellow_not_cured":
        rule_name = "黄牌督办期满仍未办结"
    return {
        "kind": d.kind,
        "title": d.title,
        "number": d.number,
        "issuer": d.issuer,
        "department": d.department,
        "item_name": d.item_name,
        "item_code": str(facts.get("item_code", "")),
        "dept_code": str(facts.get("dept_code", "")),
        "case_no": d.case_no,
        "alert_id": d.alert_id,
        "rule": rule,
        "rule_name": rule_name,
        "level_name": _LEVEL_NAMES.get(str(alert["level"]), str(alert["level"])),
        "legal_basis": str(alert.get("legal_basis") or "").strip().rstrip("。；;."),
        "message": str(alert.get("message") or ""),
        "raised_at": _datetime(alert["raised_at"], tz),
        "as_of": _datetime(facts["now"], tz) if facts.get("now") else None,
        "rule_config_version": facts.get("rule_config_version"),
        "calendar_version": facts.get("calendar_version"),
        "yellow_cure_days": _days(facts["yellow_cure_days"]) if "yellow_cure_days" in facts else None,
        "clock": _clock(clock, tz) if clock else None,
        "case_facts": list(d.case_facts.items()),
        "reply_days": d.reply_days,
        "reply_due": _datetime(d.reply_due, tz),
        "issued_date": _date(d.issued_at, tz),
    }


def _clock(clock: Mapping[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """The clock facts of a time rule, formatted for reading (values only; wording in templates)."""
    remaining = float(clock.get("remaining_working_days", 0))
    return {
        "accepted_at": _datetime(clock["started_at"], tz),
        "committed": _limit(clock["committed_limit"]),
        "committed_due": _datetime(clock["committed_due"], tz),
        "statutory": _limit(clock["statutory_limit"]),
        "statutory_due": _datetime(clock["statutory_due"], tz),
        "red_at": _datetime(clock["red_at"], tz) if clock.get("red_at") else None,
        "red_reason": clock.get("red_reason"),
        "elapsed": _days(clock.get("elapsed_working_days", 0)),
        "remaining": _days(remaining) if remaining >= 0 else None,
        "overdue": _days(-remaining) if remaining < 0 else None,
        "paused": _days(clock.get("paused_working_days", 0)),
        "pauses": [f"{_datetime(a, tz)}至{_datetime(b, tz)}" for a, b in clock.get("pauses") or []],
        "extensions": [
            f"延长{_limit(e)}（{_datetime(e['decided_at'], tz)}决定）" for e in clock.get("extensions") or []
        ],
        "stopped_at": _datetime(clock["stopped_at"], tz) if clock.get("stopped_at") else None,
        "uncovered_years": [str(y) for y in clock.get("uncovered_years") or []],
        "calendar_version": clock.get("calendar_version"),
    }


def _instant(value: str | dt.datetime, tz: ZoneInfo) -> dt.datetime:
    instant = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if instant.tzinfo is None:
        raise ValueError(f"instant without a UTC offset: {value!r}")
    return instant.astimezone(tz)


def _date(value: str | dt.datetime, tz: ZoneInfo) -> str:
    """2026年11月23日 (official documents write no leading zeros)."""
    local = _instant(value, tz)
    return f"{local.year}年{local.month}月{local.day}日"


def _datetime(value: str | dt.datetime, tz: ZoneInfo) -> str:
    """2026年11月23日17:30 in the city's time zone."""
    local = _instant(value, tz)
    return f"{_date(local, tz)}{local:%H:%M}"


def _days(value: Any) -> str:
    return f"{round(float(value), 2):g}"


def _limit(limit: Mapping[str, Any]) -> str:
    return f"{_days(limit['value'])}{_UNITS.get(str(limit['unit']), '日')}"


__all__ = [
    "DEFAULT_ISSUER",
    "DEFAULT_REPLY_DAYS",
    "TITLES",
    "Directive",
    "DirectiveKind",
    "directive_kind",
    "directive_number",
    "prepare_directive",
    "render_html",
    "render_pdf",
]
