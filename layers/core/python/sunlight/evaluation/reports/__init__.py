"""Reports (统计报表): a statistics table rendered as CSV, XLSX or JSON, a time series as an SVG chart.

Pure rendering: the callers compute the figures and hand in a `Table` or `Series`; this package only
returns bytes or text, with no I/O and no AWS. Downloads are safe to open in Excel: CSV carries a BOM
for the Chinese text and neither format lets text from the data run as a formula.
"""

from __future__ import annotations

from sunlight.evaluation.reports.chart import trend_svg
from sunlight.evaluation.reports.csv_out import to_csv
from sunlight.evaluation.reports.table import Column, Kind, Series, Table
from sunlight.evaluation.reports.xlsx_out import to_xlsx

__all__ = ["Column", "Kind", "Series", "Table", "to_csv", "to_xlsx", "trend_svg"]
