"""The shapes a report is rendered from: a statistics table and the time series of a trend chart.

Owns the input types of `sunlight.evaluation.reports` and what the renderers share: the one reading of a cell
(`cell_value`), so CSV, XLSX and JSON never disagree about what a value is; the test for text that a
spreadsheet would take for a formula (`looks_like_formula`); and the rough measure of text that column
widths and chart layout both use (`display_width`). Pure: no I/O.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["text", "int", "rate", "score"]
"""text: shown as is; int: a count; rate: a share 0..1 shown as a percentage; score: two decimals."""

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

# OWASP's CSV injection list: a spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | None
"""A cell after `cell_value`: what a renderer writes, and what `Table.to_json` hands out."""


@dataclass(frozen=True)
class Column:
    key: str
    title_zh: str
    title_en: str
    kind: Kind

    def title(self, lang: Lang) -> str:
        return self.title_en if lang == "en" else self.title_zh

    def to_json(self) -> dict[str, str]:
        return {"key": self.key, "title_zh": self.title_zh, "title_en": self.title_en, "kind": self.kind}


@dataclass(frozen=True)
class Table:
    title: str
    subtitle: str
    columns: tuple[Column, ...]
    rows: tuple[Mapping[str, Any], ...]
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        keys = [column.key for column in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"duplicate column keys in table {self.title!r}: {keys}")

    def to_json(self) -> dict[str, Any]:
        """The table for an API response: each row keeps only the columns' keys, values normalised."""
        return {
            "title": self.title,
            "subtitle": self.subtitle,
            "columns": [column.to_json() for column in self.columns],
            "rows": [{c.key: cell_value(c, row.get(c.key)) for c in self.columns} for row in self.rows],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Series:
    """One line of a trend chart: (period, value) points in order; a None value is a gap in the line."""

    label: str
    points: tuple[tuple[str, float | None], ...]


def check_lang(lang: str) -> Lang:
    if lang not in LANGS:
        raise ValueError(f"unknown report language {lang!r}; expected one of {LANGS}")
    return "en" if lang == "en" else "zh"


def cell_value(column: Column, raw: Any) -> Cell:
    """`raw` as the column's kind says: numbers from DynamoDB arrive as Decimal, a 0/0 rate as NaN (None)."""
    if raw is None:
        return None
    if column.kind == "text":
        return str(raw)
    if column.kind == "int" and isinstance(raw, int):
        return raw
    number = float(raw)
    if not math.isfinite(number):
        return None
    return int(number) if column.kind == "int" else number


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def display_width(text: str) -> int:
    """Width in Latin character cells: a CJK (wide or full-width) character takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def shown(column: Column, value: Cell, grouped: bool = False) -> str:
    """A cell as text: a rate as a percentage, a score with two decimals, a count (with thousands
    separators when `grouped`, as Excel shows it), None as nothing."""
    if value is None:
        return ""
    if column.kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if column.kind == "score":
        return f"{float(value):.2f}"
    if column.kind == "int":
        return f"{int(value):,}" if grouped else str(value)
    return str(value)
