"""A directive's HTML laid out as an A4 PDF with reportlab, so both formats carry the same words.

The templates use a small set of block elements (`h1`, `p` with a class, `hr`, a `table` of
`th`/`td` rows); this module reads exactly those and ignores the rest (head, styles). Text is set
in the built-in CID font STSong-Light, so no font file ships and the text stays extractable.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    HRFlowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

FONT = "STSong-Light"
RED = colors.HexColor("#cc0000")


@cache
def _font() -> str:
    """Register the CID font once per process (reportlab keeps a global registry)."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _styles() -> dict[str, Any]:
    font = _font()

    def style(name: str, size: float, **kw: Any) -> Any:
        kw.setdefault("leading", size * 1.75)
        return ParagraphStyle(name, fontName=font, fontSize=size, wordWrap="CJK", **kw)

    body = 14.0
    return {
        "masthead": style("masthead", 24, alignment=TA_CENTER, textColor=RED, leading=32),
        "number": style("number", body, alignment=TA_CENTER, spaceBefore=8),
        "h1": style("title", 20, alignment=TA_CENTER, spaceBefore=6, spaceAfter=12, leading=30),
        "addressee": style("addressee", body, spaceBefore=4),
        "body": style("body", body, firstLineIndent=2 * body),
        "heading": style("heading", body, firstLineIndent=2 * body, spaceBefore=4),
        "item": style("item", body, firstLineIndent=2 * body),
        "sign": style("sign", body, alignment=TA_RIGHT, spaceBefore=24),
        "date": style("date", body, alignment=TA_RIGHT),
        "note": style("note", 9, textColor=colors.HexColor("#444444"), spaceBefore=24, leading=14),
        "th": style("th", 10.5, alignment=TA_LEFT, leading=15),
        "td": style("td", 10.5, alignment=TA_LEFT, leading=15),
    }


# -- reading the HTML --------------------------------------------------------------------------


_BREAK = "\x00"


@dataclass
class _Block:
    kind: str  # a paragraph class, "h1", "hr" or "table"
    text: str = ""
    rows: list[list[tuple[str, str]]] = field(default_factory=list)


class _Blocks(HTMLParser):
    """The document's blocks in order; inline markup is flattened to its text."""

    _SKIPPED = frozenset({"head", "style", "script", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[_Block] = []
        self._skip = 0
        self._text: list[str] | None = None
        self._kind = ""
        self._table: _Block | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIPPED:
            self._skip += 1
        elif tag == "hr":
            self.blocks.append(_Block("hr"))
        elif tag == "table":
            self._table = _Block("table")
        elif tag == "tr" and self._table is not None:
            self._table.rows.append([])
        elif tag in ("p", "h1", "th", "td"):
            classes = (dict(attrs).get("class") or "").split()
            self._kind = tag if tag != "p" else (classes[0] if classes else "body")
            self._text = []
        elif tag == "br" and self._text is not None:
            self._text.append(_BREAK)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED:
            self._skip -= 1
        elif tag == "table" and self._table is not None:
            self.blocks.append(self._table)
            self._table = None
        elif tag in ("p", "h1", "th", "td") and self._text is not None:
            # Source whitespace collapses as in a browser; only <br> breaks a line.
            text = "\n".join(" ".join(part.split()) for part in "".join(self._text).split(_BREAK))
            if tag in ("th", "td") and self._table is not None and self._table.rows:
                self._table.rows[-1].append((tag, text))
            else:
                self.blocks.append(_Block(self._kind, text))
            self._text = None

    def handle_data(self, data: str) -> None:
        if not self._skip and self._text is not None:
            self._text.append(data.replace(_BREAK, ""))


def _markup(text: str) -> str:
    """Plain text as reportlab paragraph markup (which is XML: escape it, keep line breaks)."""
    return escape(text).replace("\n", "<br/>")


# -- laying it out -----------------------------------------------------------------------------


def html_to_pdf(html: str, *, title: str = "", author: str = "", subject: str = "") -> bytes:
    """Lay a directive's HTML out on A4 pages; the same input gives the same bytes."""
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    styles = _styles()
    width = A4[0] - 54 * mm
    flow: list[Any] = []
    for block in parser.blocks:
        if block.kind == "hr":
            flow.append(HRFlowable(width="100%", thickness=1.5, color=RED, spaceBefore=2, spaceAfter=10))
        elif block.kind == "table":
            flow.append(_table(block, styles, width))
            flow.append(Spacer(1, 6))
        else:
            flow.append(Paragraph(_markup(block.text), styles.get(block.kind, styles["body"])))
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        topMargin=30 * mm,
        bottomMargin=28 * mm,
        title=title,
        author=author,
        subject=subject,
        creator="Sunlight 阳光监察",
        invariant=1,  # no creation timestamp or random id: reproducible bytes
    )
    footer = _page_number(_font())
    doc.build(flow, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _table(block: _Block, styles: dict[str, Any], width: float) -> Any:
    data = [[Paragraph(_markup(text), styles[tag]) for tag, text in row] for row in block.rows if row]
    table = Table(data, colWidths=[width * 0.28, width * 0.72], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f4f4f4")),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _page_number(font: str) -> Callable[[Any, Any], None]:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 10)
        canvas.drawCentredString(A4[0] / 2, 15 * mm, f"— {doc.page} —")
        canvas.restoreState()

    return draw
