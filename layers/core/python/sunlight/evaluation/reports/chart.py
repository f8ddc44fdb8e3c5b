"""Trend charts as self-contained SVG: one line per series over reporting periods.

Owns the chart's layout (title, y ticks, thinned x labels, legend), its accessibility (`role="img"`,
`<title>`, a `<desc>` that says what the lines show, a tooltip on every point) and its escaping:
series labels come from data, so every text goes through `_text`. No JavaScript, no web fonts: the
font list names the CJK fonts a government desktop or our Debian images have, then `sans-serif`.
The palette is Okabe–Ito, told apart by people with the common colour-vision deficiencies; past
eight series the colours repeat with a dash pattern.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeGuard
from xml.sax.saxutils import escape

from sunlight.evaluation.reports.table import Series, display_width

NO_DATA = "暂无数据"
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
DASHES = ("", "6 4", "2 3", "8 3 2 3")
FONT_FAMILY = "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', sans-serif"
FONT_SIZE = 12
TITLE_SIZE = 16
TOP = 40  # below the title
RIGHT = 16
X_LABELS_HEIGHT = 26
LEGEND_ROW = 20
MARKER_RADIUS = 3.5
MIN_WIDTH, MIN_HEIGHT = 240, 160
# XML 1.0 forbids most control characters even escaped; a label carrying one would break the file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Plot:
    """The plot area in pixels and the y range it shows."""

    left: float
    top: float
    right: float
    bottom: float
    low: float
    high: float

    def y(self, value: float) -> float:
        return self.bottom - (value - self.low) / (self.high - self.low) * (self.bottom - self.top)

    def x(self, index: int, count: int) -> float:
        # Band centres: a single period sits mid-plot and the ends keep off the axes.
        return self.left + (index + 0.5) * (self.right - self.left) / count


def trend_svg(
    title: str,
    series: Sequence[Series],
    *,
    y_label: str = "",
    y_min: float | None = None,
    y_max: float | None = None,
    percent: bool = False,
    width: int = 720,
    height: int = 360,
) -> str:
    """An SVG line chart of `series`; values are shares 0..1 shown as percentages when `percent`.

    `y_min` and `y_max` widen the y axis (say to 0 and 1 for rates) but never hide a point; the axis
    ends on the nice ticks around the range. With no values at all the chart says 暂无数据.
    """
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        raise ValueError(f"a trend chart needs at least {MIN_WIDTH}x{MIN_HEIGHT} pixels")
    # Ids derived from the content: stable output, and two charts inlined in one page do not clash.
    ident = (
        "chart-"
        + hashlib.blake2s(repr((title, series, y_label, percent)).encode(), digest_size=5).hexdigest()
    )
    values = [value for line in series for _, value in line.points if known(value)]
    if not values:
        return _document(ident, title, NO_DATA, width, height, _no_data(width, height))
    ticks = nice_ticks(*_value_range(values, y_min, y_max, percent))
    periods = merged_periods(series)
    legend_positions, legend_height = _legend_layout(series, width)
    tick_texts = [format_tick(tick, ticks, percent) for tick in ticks]
    left = 12 + max(_text_width(text) for text in tick_texts) + (20 if y_label else 0)
    bottom = height - legend_height - X_LABELS_HEIGHT
    plot = Plot(left, TOP, width - RIGHT, bottom, ticks[0], ticks[-1])
    body = [
        *_y_axis(plot, ticks, tick_texts, y_label),
        *_x_axis(plot, periods),
        *(_series(plot, line, index, periods, percent) for index, line in enumerate(series)),
        *_legend(series, legend_positions, bottom + X_LABELS_HEIGHT),
    ]
    return _document(ident, title, describe(series, percent), width, height, body)


def nice_ticks(low: float, high: float) -> list[float]:
    """4 to 6 evenly spaced round values (steps of 1, 2, 2.5 or 5 times a power of ten) covering low..high."""
    if not high > low:
        raise ValueError("nice_ticks needs high > low")
    # A step of 2.5 gives labels like 7.5, so it is only taken when 1, 2 or 5 give too few ticks.
    step, first, last = _fewest_steps(low, high, (1.0, 2.0, 5.0))
    if round((last - first) / step) + 1 < 4:
        step, first, last = _fewest_steps(low, high, (1.0, 2.0, 2.5, 5.0))
    count = round((last - first) / step) + 1
    while count < 4:
        # Still too few: grow the axis on the side that does not cross zero needlessly.
        if first - step >= 0 or first < 0 or last <= 0:
            first -= step
        else:
            last += step
        count += 1
    return [_clean(first + index * step) for index in range(count)]


def _fewest_steps(low: float, high: float, mantissas: tuple[float, ...]) -> tuple[float, float, float]:
    """The smallest nice step that spans low..high in at most 6 ticks, with the first and last tick."""
    exponent = math.floor(math.log10((high - low) / 6)) - 1
    while True:
        for mantissa in mantissas:
            step = mantissa * 10.0**exponent
            first = math.floor(_clean(low / step)) * step
            last = math.ceil(_clean(high / step)) * step
            if round((last - first) / step) + 1 <= 6:
                return step, first, last
        exponent += 1


def _clean(value: float) -> float:
    # Floating point leaves 0.30000000000000004 behind; ticks and their labels want 0.3.
    return round(value, 10)


def _value_range(
    values: list[float], y_min: float | None, y_max: float | None, percent: bool
) -> tuple[float, float]:
    low = min([*values, *([y_min] if y_min is not None else [])])
    high = max([*values, *([y_max] if y_max is not None else [])])
    if high > low:
        return low, high
    # One value (or all equal): centre it in a band of ±10%, or ±10 points / ±1 around zero.
    pad = abs(low) * 0.1 or (0.1 if percent else 1.0)
    return low - pad, high + pad


def merged_periods(series: Sequence[Series]) -> list[str]:
    """Every period of every series once, keeping each series' order: a new one follows its predecessor."""
    merged: list[str] = []
    for line in series:
        position = -1
        for period, _ in line.points:
            if period in merged:
                position = merged.index(period)
            else:
                position += 1
                merged.insert(position, period)
    return merged


def runs(line: Series) -> list[list[tuple[str, float]]]:
    """The unbroken stretches of `line`: a value that is not `known` ends one."""
    stretches: list[list[tuple[str, float]]] = [[]]
    for period, value in line.points:
        if known(value):
            stretches[-1].append((period, value))
        elif stretches[-1]:
            stretches.append([])
    return [stretch for stretch in stretches if stretch]


def known(value: float | None) -> TypeGuard[float]:
    """A value to draw: None and NaN (a 0/0 rate) are gaps, and so is an infinity."""
    return value is not None and math.isfinite(value)


def format_value(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.1f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def format_tick(value: float, ticks: list[float], percent: bool) -> str:
    scale = 100 if percent else 1
    step = (ticks[1] - ticks[0]) * scale
    decimals = next(d for d in range(10) if abs(round(step, d) - step) < 1e-9 * max(1.0, abs(step)))
    return f"{value * scale:,.{decimals}f}" + ("%" if percent else "")


def describe(series: Sequence[Series], percent: bool) -> str:
    """The `<desc>` a screen reader speaks: per line its range and its latest value."""
    parts = []
    for line in series:
        points = [(period, value) for period, value in line.points if known(value)]
        if not points:
            parts.append(f"{line.label}：{NO_DATA}")
            continue
        values = [value for _, value in points]
        low, high = format_value(min(values), percent), format_value(max(values), percent)
        latest_period, latest = points[-1]
        parts.append(
            f"{line.label}：最低{low}，最高{high}，最近一期（{latest_period}）{format_value(latest, percent)}"
        )
    return f"折线图，共{len(series)}条线。" + "；".join(parts) + "。"


def _document(ident: str, title: str, description: str, width: int, height: int, body: list[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'font-family="{_text(FONT_FAMILY)}" font-size="{FONT_SIZE}">'
    )
    return "\n".join(
        [
            head,
            f'<title id="{ident}-title">{_text(title)}</title>',
            f'<desc id="{ident}-desc">{_text(description)}</desc>',
            f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
            f'<text x="{width / 2:.1f}" y="26" text-anchor="middle" font-size="{TITLE_SIZE}" '
            f'font-weight="bold" fill="#222222">{_text(title)}</text>',
            *body,
            "</svg>",
            "",
        ]
    )


def _no_data(width: int, height: int) -> list[str]:
    return [
        f'<rect x="16" y="{TOP}" width="{width - 32}" height="{height - TOP - 16}" fill="#f6f7f9" '
        'stroke="#d0d4da" stroke-dasharray="4 4"/>',
        f'<text x="{width / 2:.1f}" y="{(height + TOP) / 2:.1f}" text-anchor="middle" '
        f'dominant-baseline="middle" font-size="{TITLE_SIZE}" fill="#666666">{NO_DATA}</text>',
    ]


def _y_axis(plot: Plot, ticks: list[float], texts: list[str], y_label: str) -> list[str]:
    parts = ['<g class="y-axis" fill="#444444">']
    for tick, text in zip(ticks, texts, strict=True):
        y = plot.y(tick)
        parts.append(
            f'<line x1="{plot.left:.1f}" y1="{y:.1f}" x2="{plot.right:.1f}" y2="{y:.1f}" stroke="#e3e6ea"/>'
        )
        parts.append(f'<text x="{plot.left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end">{_text(text)}</text>')
    parts.append(
        f'<line x1="{plot.left:.1f}" y1="{plot.top:.1f}" x2="{plot.left:.1f}" y2="{plot.bottom:.1f}" '
        'stroke="#888888"/>'
    )
    if y_label:
        middle = (plot.top + plot.bottom) / 2
        parts.append(
            f'<text x="14" y="{middle:.1f}" text-anchor="middle" '
            f'transform="rotate(-90 14 {middle:.1f})">{_text(y_label)}</text>'
        )
    parts.append("</g>")
    return parts


def _x_axis(plot: Plot, periods: list[str]) -> list[str]:
    parts = [
        '<g class="x-axis" fill="#444444">',
        f'<line x1="{plot.left:.1f}" y1="{plot.bottom:.1f}" x2="{plot.right:.1f}" y2="{plot.bottom:.1f}" '
        'stroke="#888888"/>',
    ]
    # Thin the labels to every n-th so neighbours never overlap; the points keep their tooltips.
    room = max(_text_width(period) for period in periods) + 10
    every = math.ceil(len(periods) / max(1, math.floor((plot.right - plot.left) / room)))
    for index, period in enumerate(periods):
        if index % every == 0:
            parts.append(
                f'<text x="{plot.x(index, len(periods)):.1f}" y="{plot.bottom + 18:.1f}" '
                f'text-anchor="middle">{_text(period)}</text>'
            )
    parts.append("</g>")
    return parts


def _series(plot: Plot, line: Series, index: int, periods: list[str], percent: bool) -> str:
    colour, dash = _style(index)
    position = {period: number for number, period in enumerate(periods)}
    count = len(periods)
    dash_attribute = f' stroke-dasharray="{dash}"' if dash else ""
    parts = [f'<g class="series" data-series="{index}">']
    for stretch in runs(line):
        points = " ".join(
            f"{plot.x(position[period], count):.1f},{plot.y(value):.1f}" for period, value in stretch
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2" '
            f'stroke-linejoin="round"{dash_attribute}/>'
        )
    for period, value in (point for stretch in runs(line) for point in stretch):
        tooltip = f"{line.label} · {period}：{format_value(value, percent)}"
        parts.append(
            f'<circle cx="{plot.x(position[period], count):.1f}" cy="{plot.y(value):.1f}" '
            f'r="{MARKER_RADIUS}" fill="{colour}" stroke="#ffffff" stroke-width="1">'
            f"<title>{_text(tooltip)}</title></circle>"
        )
    parts.append("</g>")
    return "\n".join(parts)


def _legend_layout(series: Sequence[Series], width: int) -> tuple[list[tuple[float, int]], int]:
    """Each legend item's x and row, packed left to right within the width, and the legend's height."""
    positions: list[tuple[float, int]] = []
    x, row = 16.0, 0
    for line in series:
        item_width = 30 + _text_width(line.label) + 18
        if x + item_width > width - RIGHT and x > 16:
            x, row = 16.0, row + 1
        positions.append((x, row))
        x += item_width
    return positions, (row + 1) * LEGEND_ROW + 6


def _legend(series: Sequence[Series], positions: list[tuple[float, int]], top: float) -> list[str]:
    parts = []
    for index, (line, (x, row)) in enumerate(zip(series, positions, strict=True)):
        colour, dash = _style(index)
        dash_attribute = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<g class="legend-item" transform="translate({x:.1f} {top + row * LEGEND_ROW:.1f})">'
            f'<line x1="0" y1="10" x2="24" y2="10" stroke="{colour}" stroke-width="2"{dash_attribute}/>'
            f'<circle cx="12" cy="10" r="{MARKER_RADIUS}" fill="{colour}"/>'
            f'<text x="30" y="14" fill="#222222">{_text(line.label)}</text></g>'
        )
    return parts


def _style(index: int) -> tuple[str, str]:
    return PALETTE[index % len(PALETTE)], DASHES[(index // len(PALETTE)) % len(DASHES)]


def _text_width(text: str, size: int = FONT_SIZE) -> float:
    # A Latin glyph is about 0.55em wide, a CJK one a full em (display_width counts it twice).
    return display_width(text) * size * 0.55


def _text(text: str) -> str:
    """`text` safe as XML character data and inside a double-quoted attribute."""
    return escape(_NOT_XML.sub("", text), {'"': "&quot;"})
