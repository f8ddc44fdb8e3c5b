"""A table as CSV for download: UTF-8 with a BOM, titles in one language, formula-injection safe.

The BOM is what makes Excel on a Chinese Windows read the file as UTF-8 rather than GBK. Only the
header and the rows are written (no title or notes) so the file loads back as plain records.
"""

from __future__ import annotations

import csv
import io

from sunlight.evaluation.reports.table import (
    Cell,
    Column,
    Table,
    cell_value,
    check_lang,
    looks_like_formula,
    shown,
)


def to_csv(table: Table, lang: str = "zh") -> bytes:
    """`table` as CSV bytes: a header of column titles in `lang` ("zh" or "en"), then one line per row."""
    language = check_lang(lang)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(safe_text(column.title(language)) for column in table.columns)
    for row in table.rows:
        writer.writerow(csv_cell(column, cell_value(column, row.get(column.key))) for column in table.columns)
    return buffer.getvalue().encode("utf-8-sig")


def csv_cell(column: Column, value: Cell) -> str:
    text = shown(column, value)
    return safe_text(text) if column.kind == "text" else text


def safe_text(text: str) -> str:
    """`text`, quoted with a leading apostrophe when a spreadsheet would run it as a formula."""
    return "'" + text if looks_like_formula(text) else text
