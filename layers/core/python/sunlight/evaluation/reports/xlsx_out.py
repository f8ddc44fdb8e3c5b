"""A table as an Excel workbook: title, subtitle, a frozen bold header, typed cells and notes.

Numbers stay numbers (a rate is the share 0..1 under the "0.0%" format, so Excel can sum and chart
it); every string is stored as a string, so text from the data that starts with "=" is never run as
a formula. The bytes are reproducible: the document properties and the zip entries carry a fixed time.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from sunlight.evaluation.reports.table import (
    Column,
    Lang,
    Table,
    cell_value,
    check_lang,
    display_width,
    shown,
)

EPOCH = dt.datetime(2000, 1, 1)
NUMBER_FORMATS = {"text": "@", "int": "#,##0", "rate": "0.0%", "score": "0.00"}
TITLE_ROW, SUBTITLE_ROW, HEADER_ROW = 1, 2, 3
FIRST_DATA_ROW = HEADER_ROW + 1
MIN_WIDTH, MAX_WIDTH = 6, 60
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\']")
_HEADER_FILL = PatternFill("solid", fgColor="E8EEF4")
_HEADER_BORDER = Border(bottom=Side(style="thin", color="7F8C99"))


def to_xlsx(table: Table, lang: str = "zh", *, timestamp: dt.datetime | None = None) -> bytes:
    """`table` as .xlsx bytes, titles in `lang`; `timestamp` (default 2000-01-01) dates the file."""
    language = check_lang(lang)
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])
    sheet: Worksheet = workbook.create_sheet(sheet_name(table.title, language))
    write_heading(sheet, table)
    write_header(sheet, table.columns, language)
    last_row = write_rows(sheet, table)
    write_notes(sheet, table.notes, last_row + 2)
    fit_widths(sheet, table, language)
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    if table.columns:
        last_column = get_column_letter(len(table.columns))
        sheet.auto_filter.ref = f"A{HEADER_ROW}:{last_column}{max(last_row, HEADER_ROW)}"
    when = (timestamp or EPOCH).replace(tzinfo=None)
    workbook.properties.title = table.title
    workbook.properties.creator = "Sunlight"
    workbook.properties.created = workbook.properties.modified = when
    return save(workbook, when)


def sheet_name(title: str, lang: Lang) -> str:
    # Excel refuses names over 31 characters or with []:*?/\ in them, and an apostrophe at either end.
    name = _SHEET_NAME_FORBIDDEN.sub("", title).strip()[:31]
    return name or ("Report" if lang == "en" else "报表")


def write_heading(sheet: Worksheet, table: Table) -> None:
    put_text(cell_at(sheet, TITLE_ROW, 1), table.title).font = Font(bold=True, size=14)
    if table.subtitle:
        put_text(cell_at(sheet, SUBTITLE_ROW, 1), table.subtitle).font = Font(color="555555")


def write_header(sheet: Worksheet, columns: tuple[Column, ...], lang: Lang) -> None:
    for index, column in enumerate(columns, start=1):
        cell = put_text(cell_at(sheet, HEADER_ROW, index), column.title(lang))
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _HEADER_BORDER


def write_rows(sheet: Worksheet, table: Table) -> int:
    """Writes the data rows; returns the last row used (the header's when there is no data)."""
    row_number = HEADER_ROW
    for row_number, row in enumerate(table.rows, start=FIRST_DATA_ROW):
        for index, column in enumerate(table.columns, start=1):
            cell = cell_at(sheet, row_number, index)
            value = cell_value(column, row.get(column.key))
            if isinstance(value, str):
                put_text(cell, value)
            elif value is not None:
                cell.value = value
            cell.number_format = NUMBER_FORMATS[column.kind]
    return row_number


def write_notes(sheet: Worksheet, notes: tuple[str, ...], first_row: int) -> None:
    for row_number, note in enumerate(notes, start=first_row):
        put_text(cell_at(sheet, row_number, 1), note).font = Font(italic=True, color="555555")


def cell_at(sheet: Worksheet, row: int, column: int) -> SheetCell:
    cell = sheet.cell(row, column)
    # Nothing here merges cells, so a MergedCell (which takes no value) would be a bug.
    if not isinstance(cell, SheetCell):
        raise TypeError(f"unexpected merged cell at row {row}, column {column}")
    return cell


def put_text(cell: SheetCell, text: str) -> SheetCell:
    """Stores `text` as a string even when it starts with "=": openpyxl would otherwise write a formula."""
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", text)
    cell.data_type = "s"
    return cell


def fit_widths(sheet: Worksheet, table: Table, lang: Lang) -> None:
    # The title, subtitle and notes spill over empty neighbours, so only the header and data count.
    for index, column in enumerate(table.columns, start=1):
        texts = [column.title(lang)]
        texts += [shown(column, cell_value(column, row.get(column.key)), grouped=True) for row in table.rows]
        width = max(display_width(text) for text in texts) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width, MIN_WIDTH), MAX_WIDTH)


def save(workbook: Workbook, when: dt.datetime) -> bytes:
    # save_workbook() would stamp "modified" with the wall clock, and zipfile stamps every entry;
    # writing through ExcelWriter and repacking with a fixed time keeps equal tables byte-equal.
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return repack(raw.getvalue(), when)


def repack(data: bytes, when: dt.datetime) -> bytes:
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = entry.external_attr
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()
