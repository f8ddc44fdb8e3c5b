"""Reports: a statistics table as CSV, XLSX and JSON, a time series as an accessible SVG chart."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sunlight.evaluation.reports import Column, Series, Table, to_csv, to_xlsx, trend_svg
from sunlight.evaluation.reports.chart import nice_ticks

pytestmark = pytest.mark.unit

SVG = "{http://www.w3.org/2000/svg}"
INJECTION = "=cmd|' /C calc'!A0"
BOM = b"\xef\xbb\xbf"

COLUMNS = (
    Column("unit", "单位", "Unit", "text"),
    Column("cases", "办件数", "Cases", "int"),
    Column("on_time", "按时办结率", "On-time rate", "rate"),
    Column("score", "得分", "Score", "score"),
)
TABLE = Table(
    title="2026年10月 按时办结情况",
    subtitle="统计口径：办结日期在本月的办件",
    columns=COLUMNS,
    rows=(
        {"unit": "市场监管局", "cases": 1234, "on_time": 0.9662, "score": 97.456},
        {"unit": INJECTION, "cases": Decimal("7"), "on_time": None, "score": None},
        {"unit": "-5 不是数字", "cases": -3, "on_time": 1.0, "score": Decimal("88")},
    ),
    notes=("注：办结率 = 按时办结数 / 办结数。",),
)


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# -- the table and its JSON ----------------------------------------------------------------------


def test_table_to_json_keeps_column_keys_and_normalises_numbers() -> None:
    data = TABLE.to_json()
    assert data["title"] == TABLE.title
    assert data["subtitle"] == TABLE.subtitle
    assert data["columns"][2] == {
        "key": "on_time",
        "title_zh": "按时办结率",
        "title_en": "On-time rate",
        "kind": "rate",
    }
    assert data["rows"][1] == {"unit": INJECTION, "cases": 7, "on_time": None, "score": None}
    assert data["rows"][2]["score"] == 88.0
    assert data["notes"] == list(TABLE.notes)


def test_a_nan_rate_is_no_value() -> None:
    table = Table("t", "", (Column("r", "率", "Rate", "rate"),), ({"r": float("nan")},))
    assert table.to_json()["rows"] == [{"r": None}]
    assert read_csv(to_csv(table))[1] == [""]


def test_duplicate_column_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        Table("t", "", (Column("a", "甲", "A", "text"), Column("a", "乙", "B", "int")), ())


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="language"):
        to_csv(TABLE, lang="fr")


# -- CSV ---------------------------------------------------------------------------------------


def test_csv_starts_with_a_bom_so_excel_reads_utf8() -> None:
    data = to_csv(TABLE)
    assert data.startswith(BOM)
    assert not data[3:].startswith(BOM)


def test_csv_header_in_chinese_and_english() -> None:
    assert read_csv(to_csv(TABLE))[0] == ["单位", "办件数", "按时办结率", "得分"]
    assert read_csv(to_csv(TABLE, lang="en"))[0] == ["Unit", "Cases", "On-time rate", "Score"]


def test_csv_rows_round_trip_with_rates_as_percent_and_none_empty() -> None:
    rows = read_csv(to_csv(TABLE))
    assert rows[1:] == [
        ["市场监管局", "1234", "96.6%", "97.46"],
        ["'" + INJECTION, "7", "", ""],
        ["'-5 不是数字", "-3", "100.0%", "88.00"],
    ]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_csv_defuses_every_formula_start(text: str) -> None:
    table = Table("t", "", (Column("x", "文本", "Text", "text"),), ({"x": text},))
    assert read_csv(to_csv(table))[1] == ["'" + text]


def test_csv_leaves_numbers_and_plain_text_alone() -> None:
    table = Table(
        "t", "", (Column("n", "数", "N", "int"), Column("x", "文", "X", "text")), ({"n": -5, "x": "a=b"},)
    )
    assert read_csv(to_csv(table))[1] == ["-5", "a=b"]


def test_csv_quotes_commas_and_newlines() -> None:
    table = Table("t", "", (Column("x", "文本", "Text", "text"),), ({"x": 'a, "b"\nc'},))
    assert read_csv(to_csv(table))[1] == ['a, "b"\nc']


# -- XLSX --------------------------------------------------------------------------------------


def test_xlsx_has_title_subtitle_header_and_values() -> None:
    sheet = load_workbook(io.BytesIO(to_xlsx(TABLE))).active
    assert sheet is not None
    assert sheet["A1"].value == TABLE.title
    assert sheet["A1"].font.bold
    assert sheet["A2"].value == TABLE.subtitle
    assert [cell.value for cell in sheet[3]] == ["单位", "办件数", "按时办结率", "得分"]
    assert all(cell.font.bold for cell in sheet[3])
    assert [cell.value for cell in sheet[4]] == ["市场监管局", 1234, 0.9662, 97.456]
    assert [cell.value for cell in sheet[5]][1:] == [7, None, None]


def test_xlsx_header_in_english() -> None:
    sheet = load_workbook(io.BytesIO(to_xlsx(TABLE, lang="en"))).active
    assert sheet is not None
    assert [cell.value for cell in sheet[3]] == ["Unit", "Cases", "On-time rate", "Score"]


def test_xlsx_number_formats_per_kind() -> None:
    sheet = load_workbook(io.BytesIO(to_xlsx(TABLE))).active
    assert sheet is not None
    rate = sheet["C4"]
    assert rate.number_format == "0.0%"
    assert isinstance(rate.value, float)
    assert rate.value == pytest.approx(0.9662)
    assert sheet["D4"].number_format == "0.00"
    assert sheet["B4"].number_format == "#,##0"
    assert sheet["B4"].data_type == "n"


def test_xlsx_stores_formula_like_text_as_text() -> None:
    sheet = load_workbook(io.BytesIO(to_xlsx(TABLE))).active
    assert sheet is not None
    cell = sheet["A5"]
    assert cell.value == INJECTION
    assert cell.data_type == "s"
    assert sheet["A6"].value == "-5 不是数字"
    assert sheet["A6"].data_type == "s"


def test_xlsx_freezes_the_header_and_puts_notes_below() -> None:
    sheet = load_workbook(io.BytesIO(to_xlsx(TABLE))).active
    assert sheet is not None
    assert sheet.freeze_panes == "A4"
    assert sheet["A8"].value == TABLE.notes[0]


def test_xlsx_widths_count_chinese_characters_double() -> None:
    sheet = load_workbook(io.BytesIO(to_xlsx(TABLE))).active
    assert sheet is not None
    # 市场监管局 is 5 wide characters: 10 cells plus padding; 得分's widest value "97.46" is 5.
    assert sheet.column_dimensions["A"].width >= 12
    assert sheet.column_dimensions["D"].width < sheet.column_dimensions["A"].width


def test_xlsx_is_reproducible_and_dated() -> None:
    assert to_xlsx(TABLE) == to_xlsx(TABLE)
    when = dt.datetime(2026, 11, 1, 9, 30)
    workbook = load_workbook(io.BytesIO(to_xlsx(TABLE, timestamp=when)))
    assert workbook.properties.created == when
    assert workbook.properties.modified == when


def test_xlsx_drops_control_characters_and_handles_an_empty_table() -> None:
    table = Table("空表[1]", "", (Column("x", "文本", "Text", "text"),), ({"x": "a\x00b"},))
    workbook = load_workbook(io.BytesIO(to_xlsx(table)))
    assert workbook.sheetnames == ["空表1"]
    assert workbook.active is not None
    assert workbook.active["A4"].value == "ab"
    empty = load_workbook(io.BytesIO(to_xlsx(Table("", "", (), ()))))
    assert empty.sheetnames == ["报表"]


# -- SVG ---------------------------------------------------------------------------------------

EAST = Series(
    "城东区",
    (("2026-01", 0.92), ("2026-02", 0.95), ("2026-03", None), ("2026-04", 0.97), ("2026-05", 0.966)),
)
WEST = Series("城西区", (("2026-01", 0.88), ("2026-02", 0.9), ("2026-03", 0.93), ("2026-04", 0.91)))


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def polylines(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(f"{SVG}polyline"))


def test_svg_is_accessible_and_self_contained() -> None:
    svg = trend_svg("按时办结率", [EAST, WEST], percent=True, y_label="办结率")
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text == "按时办结率"
    assert desc is not None and desc.text and "城东区" in desc.text
    labelled_by = (root.get("aria-labelledby") or "").split()
    assert labelled_by == [title.get("id"), desc.get("id")]
    family = root.get("font-family") or ""
    assert "Noto Sans CJK SC" in family and "WenQuanYi Micro Hei" in family and family.endswith("sans-serif")
    assert "<script" not in svg and "@import" not in svg and "href" not in svg


def test_svg_draws_one_polyline_per_unbroken_run() -> None:
    root = parse(trend_svg("t", [EAST, WEST], percent=True))
    groups = [group for group in root.iter(f"{SVG}g") if group.get("class") == "series"]
    assert [len(polylines(group)) for group in groups] == [2, 1]
    # The gap at 2026-03 splits 城东区 into 2026-01..02 and 2026-04..05.
    assert [len((line.get("points") or "").split()) for line in polylines(groups[0])] == [2, 2]


def test_svg_gaps_at_the_ends_and_lone_points() -> None:
    line = Series("x", (("1", None), ("2", 1.0), ("3", None), ("4", 2.0), ("5", 3.0), ("6", None)))
    root = parse(trend_svg("t", [line]))
    assert [len((p.get("points") or "").split()) for p in polylines(root)] == [1, 2]
    assert len(list(root.iter(f"{SVG}circle"))) == 3 + 1  # three points and the legend's marker


def test_svg_tooltips_carry_series_period_and_value() -> None:
    root = parse(trend_svg("t", [EAST, WEST], percent=True))
    tooltips = [
        title.text or "" for circle in root.iter(f"{SVG}circle") for title in circle.iter(f"{SVG}title")
    ]
    assert "城东区 · 2026-05：96.6%" in tooltips
    assert "城西区 · 2026-03：93.0%" in tooltips
    assert len(tooltips) == 4 + 4


def test_svg_plain_values_are_not_percent() -> None:
    counts = Series("办件量", (("2026-01", 1200.0), ("2026-02", 1350.5)))
    root = parse(trend_svg("t", [counts]))
    tooltips = [title.text for circle in root.iter(f"{SVG}circle") for title in circle.iter(f"{SVG}title")]
    assert tooltips == ["办件量 · 2026-01：1,200", "办件量 · 2026-02：1,350.50"]
    assert not any("%" in (text.text or "") for text in root.iter(f"{SVG}text"))


def test_svg_escapes_labels_from_the_data() -> None:
    nasty = Series('<script>&"x"', (("<p>", 1.0), ("2026-02", 2.0)))
    svg = trend_svg("A & B <c>", [nasty], y_label="<y>")
    assert "<script>" not in svg and "<p>" not in svg
    root = parse(svg)
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert "A & B <c>" in texts and '<script>&"x"' in texts and "<p>" in texts and "<y>" in texts


def test_svg_drops_characters_xml_cannot_carry() -> None:
    root = parse(trend_svg("t\x00", [Series("a\x07b", (("2026-01", 1.0),))]))
    assert "ab" in [text.text for text in root.iter(f"{SVG}text")]


@pytest.mark.parametrize(
    "series",
    [[], [Series("空", ())], [Series("空", (("2026-01", None), ("2026-02", None)))]],
)
def test_svg_without_values_says_no_data(series: list[Series]) -> None:
    root = parse(trend_svg("按时办结率", series))
    assert "暂无数据" in [text.text for text in root.iter(f"{SVG}text")]
    assert not polylines(root)
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text == "暂无数据"


def tick_values(root: ET.Element) -> list[str]:
    axis = next(group for group in root.iter(f"{SVG}g") if group.get("class") == "y-axis")
    return [text.text or "" for text in axis.iter(f"{SVG}text")]


def test_svg_y_ticks_cover_the_data() -> None:
    root = parse(trend_svg("t", [EAST, WEST], percent=True))
    ticks = [float(text.rstrip("%")) / 100 for text in tick_values(root)]
    assert 4 <= len(ticks) <= 6
    assert ticks[0] <= 0.88 and ticks[-1] >= 0.97
    assert ticks == sorted(ticks)


def test_svg_y_bounds_widen_the_axis_but_never_hide_data() -> None:
    root = parse(trend_svg("t", [EAST], percent=True, y_min=0, y_max=1))
    assert tick_values(root) == ["0%", "20%", "40%", "60%", "80%", "100%"]
    root = parse(trend_svg("t", [EAST], percent=True, y_max=0.5))
    assert float(tick_values(root)[-1].rstrip("%")) >= 97


def test_svg_points_stay_inside_the_plot() -> None:
    root = parse(trend_svg("t", [EAST, WEST], percent=True, height=300))
    grid = [float(line.get("y1") or 0) for line in root.iter(f"{SVG}line") if line.get("stroke") == "#e3e6ea"]
    top, bottom = min(grid), max(grid)
    markers = [c for g in root.iter(f"{SVG}g") if g.get("class") == "series" for c in g.iter(f"{SVG}circle")]
    assert all(top <= float(c.get("cy") or 0) <= bottom for c in markers)


def test_svg_a_single_value_still_gets_ticks_around_it() -> None:
    root = parse(trend_svg("t", [Series("a", (("2026-01", 5.0),))]))
    ticks = [float(text) for text in tick_values(root)]
    assert 4 <= len(ticks) <= 6
    assert ticks[0] < 5 < ticks[-1]


def test_svg_thins_x_labels_when_there_are_many() -> None:
    months = tuple((f"{2020 + m // 12}-{m % 12 + 1:02d}", float(m)) for m in range(60))
    root = parse(trend_svg("t", [Series("a", months)], width=480))
    axis = next(group for group in root.iter(f"{SVG}g") if group.get("class") == "x-axis")
    labels = [text.text for text in axis.iter(f"{SVG}text")]
    assert 2 <= len(labels) < 60
    assert labels[0] == "2020-01"


def test_svg_merges_periods_of_series_that_start_at_different_times() -> None:
    late = Series("late", (("2026-03", 1.0), ("2026-04", 2.0)))
    early = Series("early", (("2026-01", 1.0), ("2026-02", 1.5), ("2026-03", 2.0)))
    root = parse(trend_svg("t", [late, early]))
    axis = next(group for group in root.iter(f"{SVG}g") if group.get("class") == "x-axis")
    assert [text.text for text in axis.iter(f"{SVG}text")] == ["2026-01", "2026-02", "2026-03", "2026-04"]


def test_svg_legend_names_every_series_in_distinct_styles() -> None:
    many = [Series(f"区{index}", (("2026-01", float(index)),)) for index in range(10)]
    root = parse(trend_svg("t", many))
    items = [group for group in root.iter(f"{SVG}g") if group.get("class") == "legend-item"]
    assert [next(item.iter(f"{SVG}text")).text for item in items] == [f"区{index}" for index in range(10)]
    styles = {
        (line.get("stroke"), line.get("stroke-dasharray"))
        for item in items
        for line in item.iter(f"{SVG}line")
    }
    assert len(styles) == 10


def test_svg_is_deterministic_and_ids_differ_between_charts() -> None:
    assert trend_svg("t", [EAST]) == trend_svg("t", [EAST])
    first = re.search(r'<title id="([^"]+)"', trend_svg("t", [EAST]))
    second = re.search(r'<title id="([^"]+)"', trend_svg("t", [WEST]))
    assert first and second and first.group(1) != second.group(1)


def test_svg_refuses_a_canvas_too_small_to_draw_on() -> None:
    with pytest.raises(ValueError, match="at least"):
        trend_svg("t", [EAST], width=100)


@pytest.mark.parametrize(
    ("low", "high"), [(0.0, 1.0), (0.88, 0.97), (0.0, 12.0), (-5.0, 5.0), (120.0, 4800.0), (0.5, 0.5001)]
)
def test_nice_ticks_are_four_to_six_round_steps_covering_the_range(low: float, high: float) -> None:
    ticks = nice_ticks(low, high)
    assert 4 <= len(ticks) <= 6
    assert ticks[0] <= low and ticks[-1] >= high
    steps = {round(b - a, 12) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1


def test_svg_treats_nan_and_infinity_as_gaps() -> None:
    line = Series("a", (("1", 1.0), ("2", float("nan")), ("3", 2.0), ("4", float("inf"))))
    root = parse(trend_svg("t", [line]))
    assert [len((p.get("points") or "").split()) for p in polylines(root)] == [1, 1]
    root = parse(trend_svg("t", [Series("a", (("1", float("nan")),))]))
    assert "暂无数据" in [text.text for text in root.iter(f"{SVG}text")]
