"""Written directives: a yellow card's 督办通知书 and a red card's 监察建议书, in HTML and PDF."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from pypdf import PdfReader
from sunlight.alerts.directives import (
    Directive,
    directive_kind,
    directive_number,
    prepare_directive,
    render_html,
    render_pdf,
)
from sunlight.approval.domain.config import RuleConfig
from sunlight.kernel.calendar import WorkCalendar

from tests.unit.cases import Case, at

pytestmark = pytest.mark.unit

DEPARTMENT = "市住房和城乡建设局"


def _open_case() -> Case:
    """Accepted Mon 2026-11-02 10:00, committed 7 G (due 11-11 17:30), statutory 15 G (11-23 17:30)."""
    return Case().apply().accept().stage("undertake", "2026-11-03 15:30")


def _alert(
    calendar: WorkCalendar, rule: str, now: str, config: RuleConfig | None = None, case: Case | None = None
) -> dict[str, Any]:
    return (case or _open_case()).active(calendar, now, config)[rule].to_json()


def _directive(calendar: WorkCalendar, alert: dict[str, Any], **kw: Any) -> Directive:
    kind = directive_kind(alert["level"])
    assert kind is not None
    options: dict[str, Any] = {
        "number": directive_number(kind, 2026, 12),
        "issued_at": at("2026-11-12 09:30"),
        "department": DEPARTMENT,
        "calendar": calendar,
        **kw,
    }
    return prepare_directive(alert, **options)


def _pdf_text(pdf: bytes) -> str:
    """The PDF's text with all whitespace removed (lines wrap anywhere in Chinese text)."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", "", text)


# -- kinds and numbers -----------------------------------------------------------------------


def test_a_yellow_card_calls_for_a_directive_and_a_red_card_for_a_rectification_notice() -> None:
    assert directive_kind("yellow_card") == "directive"
    assert directive_kind("red_card") == "rectification_notice"


def test_a_warning_calls_for_no_written_directive(calendar: WorkCalendar) -> None:
    assert directive_kind("warning") is None
    warning = _alert(calendar, "T-WARN", "2026-11-10 09:00")
    with pytest.raises(ValueError, match="warning"):
        prepare_directive(
            warning, number="x", issued_at=at("2026-11-10 10:00"), department=DEPARTMENT, calendar=calendar
        )


def test_document_numbers_carry_the_series_the_year_and_a_four_digit_serial() -> None:
    assert directive_number("directive", 2026, 12) == "杭监督〔2026〕第0012号"
    assert directive_number("rectification_notice", 2026, 3) == "杭监建〔2026〕第0003号"
    assert directive_number("directive", 2027, 12345, prefix="湖监") == "湖监督〔2027〕第12345号"
    with pytest.raises(ValueError):
        directive_number("directive", 2026, 0)


# -- the reply deadline ----------------------------------------------------------------------


def test_the_reply_deadline_counts_working_days_across_national_day(calendar: WorkCalendar) -> None:
    alert = _alert(calendar, "T-YELLOW", "2026-11-12 09:00")
    directive = _directive(calendar, alert, issued_at=at("2026-09-30 10:00"))
    # 09-30 is not counted; 10-01..10-07 are the holiday; 10-08, 10-09, then the make-up Saturday.
    assert calendar.is_working_day(dt.date(2026, 10, 10))
    assert directive.reply_days == 3
    assert directive.reply_due == at("2026-10-10 17:30")
    assert "2026年10月10日17:30前（3个工作日内）" in render_html(directive)


def test_a_rectification_notice_gives_ten_working_days_unless_told_otherwise(calendar: WorkCalendar) -> None:
    red = _alert(calendar, "T-RED", "2026-11-17 09:00")
    notice = _directive(calendar, red, issued_at=at("2026-11-17 09:30"))
    assert notice.kind == "rectification_notice" and notice.reply_days == 10
    assert notice.reply_due == at("2026-12-01 17:30")
    shorter = _directive(calendar, red, issued_at=at("2026-11-17 09:30"), reply_days=5)
    assert shorter.reply_due == at("2026-11-24 17:30")
    with pytest.raises(ValueError):
        _directive(calendar, red, reply_days=0)


def test_an_issue_time_without_an_offset_is_refused(calendar: WorkCalendar) -> None:
    alert = _alert(calendar, "T-YELLOW", "2026-11-12 09:00")
    with pytest.raises(ValueError, match="offset"):
        _directive(calendar, alert, issued_at=dt.datetime(2026, 11, 12, 9, 30))


# -- the HTML --------------------------------------------------------------------------------


def test_a_directive_cites_the_case_the_rule_its_basis_and_the_clock(calendar: WorkCalendar) -> None:
    alert = _alert(calendar, "T-YELLOW", "2026-11-12 09:00")
    html = render_html(_directive(calendar, alert, case_facts={"承办人": "王*"}))
    for text in (
        "督办通知书",
        "杭监督〔2026〕第0012号",
        f"{DEPARTMENT}：",
        "C2026-000001",
        "建筑工程施工许可",
        "330100-JS-001",
        "T-YELLOW",
        "《行政许可法》第四十二条",
        "受理时间</th><td>2026年11月2日10:00",
        "7个工作日，2026年11月11日17:30到期",
        "15个工作日，2026年11月23日17:30到期",
        "暂停计时</th><td>无",
        "已用时间</th><td>7.06个工作日（截至2026年11月12日09:00）",
        "超出承诺时限</th><td>0.06个工作日",
        "承办人</th><td>王*",
        "市监察局（电子监察中心）",
        "2026年11月12日</p>",
        "2026年11月17日17:30前（3个工作日内）",
    ):
        assert text in html, text


def test_the_pauses_of_a_type_b_special_procedure_are_on_the_directive(calendar: WorkCalendar) -> None:
    case = _open_case().add(
        "special_start",
        "2026-11-04 09:00",
        special_no=1,
        kind="expert_review",
        planned={"value": 10, "unit": "G"},
    )
    case.add("special_end", "2026-11-11 09:00", special_no=1, result="通过")
    html = render_html(_directive(calendar, _alert(calendar, "T-YELLOW", "2026-11-19 09:00", case=case)))
    assert "2026年11月4日09:00至2026年11月11日09:00（共5个工作日，不计入办理时限）" in html
    assert "7个工作日，2026年11月18日17:30到期" in html


def test_the_issuer_is_configurable(calendar: WorkCalendar) -> None:
    alert = _alert(calendar, "T-YELLOW", "2026-11-12 09:00")
    html = render_html(_directive(calendar, alert, issuer="湖州市监察局（电子监察中心）"))
    assert '<p class="masthead">湖州市监察局（电子监察中心）</p>' in html
    assert '<p class="sign">湖州市监察局（电子监察中心）</p>' in html
    assert "书面报告湖州市监察局（电子监察中心）" in html


def test_hostile_text_is_escaped_in_the_html(calendar: WorkCalendar) -> None:
    alert = _alert(calendar, "T-YELLOW", "2026-11-12 09:00")
    alert["message"] = '<img src=x onerror="alert(1)">'
    directive = _directive(
        calendar,
        alert,
        item_name="<script>alert('x')</script>",
        department="市局 & <b>处</b>",
        case_facts={"<i>label</i>": "</td></tr></table><script>"},
    )
    html = render_html(directive)
    assert "<script>" not in html and "<img" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "市局 &amp; &lt;b&gt;处&lt;/b&gt;" in html
    # The PDF is laid out from that HTML: the same text comes out as text, not markup.
    text = _pdf_text(render_pdf(directive))
    assert "<script>alert('x')</script>" in text and "市局&<b>处</b>" in text


def test_a_card_without_a_clock_renders_its_finding(calendar: WorkCalendar) -> None:
    case = Case().apply().accept().stage("undertake", "2026-11-03 10:00").stage("approve", "2026-11-04 10:00")
    alert = _alert(calendar, "P-ORDER", "2026-11-06 09:00", case=case.conclude("2026-11-05 10:00"))
    html = render_html(_directive(calendar, alert))
    assert "违反法定办理程序" in html and "立即核查上述问题" in html
    assert "受理时间" not in html and "C2026-000001" in html


# -- the rectification notice ----------------------------------------------------------------


def test_a_red_card_at_the_statutory_limit_cites_the_statutory_limit(calendar: WorkCalendar) -> None:
    red = _alert(calendar, "T-RED", "2026-11-24 09:00", RuleConfig(yellow_cure_days=20))
    notice = _directive(calendar, red, number=directive_number("rectification_notice", 2026, 3))
    html = render_html(notice)
    assert "监察建议书" in html and "杭监建〔2026〕第0003号" in html
    assert "已超过法定时限（15个工作日，2026年11月23日17:30到期）仍未办结" in html
    assert "法定办理时限为15个工作日，应于2026年11月23日17:30前办结" in html
    assert "《行政许可法》第四十二条、第八十二条" in html
    assert "10个工作日内" in html and "整改" in html
    text = _pdf_text(render_pdf(notice))
    assert "法定时限" in text and "2026年11月23日17:30" in text


def test_a_red_card_for_an_uncured_yellow_card_says_so_and_still_cites_the_statutory_limit(
    calendar: WorkCalendar,
) -> None:
    red = _alert(calendar, "T-RED", "2026-11-17 09:00")
    html = render_html(_directive(calendar, red))
    assert "经黄牌督办3个工作日，督办期限于2026年11月16日17:30届满仍未办结" in html
    assert "15个工作日，2026年11月23日17:30到期" in html


# -- the PDF ---------------------------------------------------------------------------------


def test_the_pdf_text_names_the_case_department_item_number_and_committed_due(calendar: WorkCalendar) -> None:
    alert = _alert(calendar, "T-YELLOW", "2026-11-12 09:00")
    pdf = render_pdf(_directive(calendar, alert))
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.pages[0].mediabox.width == pytest.approx(595.27, abs=0.1)  # A4
    assert reader.metadata is not None and reader.metadata.title == "督办通知书 杭监督〔2026〕第0012号"
    text = _pdf_text(pdf)
    for expected in (
        "C2026-000001",
        DEPARTMENT,
        "建筑工程施工许可",
        "杭监督〔2026〕第0012号",
        "7个工作日，2026年11月11日17:30到期",
        "2026年11月17日17:30",
    ):
        assert expected in text, expected


def test_the_same_directive_renders_to_the_same_bytes(calendar: WorkCalendar) -> None:
    alert = _alert(calendar, "T-YELLOW", "2026-11-12 09:00")
    assert render_pdf(_directive(calendar, alert)) == render_pdf(_directive(calendar, alert))
