"""The sheet as a fixed grid of narrow columns: merged ranges, their styles and row heights."""

from __future__ import annotations

import math
from copy import copy
from typing import Any

from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

from exports.text import Run

# Grid columns per sheet: wide statistics tables (24 columns) need a finer grid in landscape.
GRIDS = {"portrait": 48, "landscape": 96}
FONT = "Times New Roman"
# Printable width in points: A4 less the margins of forms-spec.md §1.3 (3,0 cm + 1,5 cm).
PRINTABLE = {"portrait": 468.0, "landscape": 714.0}
# Glyph widths of Times New Roman as shares of the font size, to estimate row heights.
WIDE, NARROW, SPACE = 0.72, 0.46, 0.25
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


class Grid:
    """A worksheet being written from the top: the next free row and what each row needs."""

    def __init__(self, ws: Worksheet, orientation: str) -> None:
        self.ws = ws
        self.width = PRINTABLE[orientation]
        self.columns = GRIDS[orientation]
        self.row = 1
        self.heights: dict[int, float] = {}
        # Rows that must start on the same page: a table's heading, header and first row; a
        # unit's block of candidate rows; a signature block and its space for signing.
        self.keep: list[tuple[int, int]] = []
        self.styles: dict[tuple, Any] = {}

    def put(
        self,
        row: int,
        first: int,
        last: int,
        value: Any,
        *,
        size: float,
        bold: bool = False,
        italic: bool = False,
        align: str = "left",
        valign: str = "top",
        border: bool = False,
        number_format: str | None = None,
        last_row: int | None = None,
    ) -> None:
        """Write a value (text runs or a number) into the merged range row..last_row × first..last."""
        last_row = last_row or row
        if last > first or last_row > row:
            # Straight into the sheet's list of merged ranges: openpyxl's merge_cells also
            # restyles every edge cell of the range, which is most of the time of a form.
            self.ws.merged_cells.add(
                CellRange(min_col=first, min_row=row, max_col=last, max_row=last_row)
            )
        cell = self.ws.cell(row, first)
        text = ""
        if isinstance(value, list):
            text = "".join(run.text for run in value)
            cell.value = _rich(value, size, bold, italic)
        else:
            cell.value = value
            text = "" if value is None else str(value)
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"  # what a user typed is never a formula
        numeric = isinstance(cell.value, int | float) and not isinstance(cell.value, bool)
        key = (size, bold, italic, align, valign, numeric, number_format, border)
        self._style(cell, key)
        if border:
            for r in range(row, last_row + 1):
                for c in range(first, last + 1):
                    if (r, c) != (row, first):
                        self._style(self.ws.cell(r, c), ("box",))
        span = (last - first + 1) / self.columns * self.width
        needed = _lines(text, span, size * (1.06 if bold else 1)) * size * 1.25 + 4
        rows = last_row - row + 1
        for r in range(row, last_row + 1):
            self.heights[r] = max(self.heights.get(r, 0), needed / rows)

    def _style(self, cell: Any, key: tuple) -> None:
        """Give ``cell`` the style ``key`` names, building it once per sheet and copying it after."""
        known = self.styles.get(key)
        if known is not None:
            cell._style = copy(known)
            return
        if key == ("box",):
            cell.border = BOX
        else:
            size, bold, italic, align, valign, numeric, number_format, border = key
            cell.font = Font(name=FONT, size=size, bold=bold, italic=italic)
            # A number never wraps or shows ###: it shrinks to its column instead.
            cell.alignment = Alignment(
                horizontal=align, vertical=valign, wrap_text=not numeric, shrink_to_fit=numeric
            )
            if number_format:
                cell.number_format = number_format
            if border:
                cell.border = BOX
        self.styles[key] = copy(cell._style)

    def paragraph(self, parts: list[Run], *, size: float, align: str = "justify", **style) -> None:
        """A line across the whole width, on the next free row."""
        self.put(self.row, 1, self.columns, parts, size=size, align=align, **style)
        self.row += 1

    def gap(self, height: float) -> None:
        """An empty row ``height`` points high."""
        self.heights[self.row] = height
        self.row += 1


def allocate(weights: list[float], total: int) -> list[tuple[int, int]]:
    """Split ``total`` grid columns in proportion to ``weights`` (largest remainder, ≥ 1 each)."""
    if not weights:
        return []
    if len(weights) > total:
        raise ValueError(f"a table of {len(weights)} columns does not fit {total}")
    whole = sum(weights)
    exact = [w / whole * (total - len(weights)) for w in weights]
    shares = [1 + math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - math.floor(exact[i]), reverse=True)
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    out, at = [], 1
    for share in shares:
        out.append((at, at + share - 1))
        at += share
    return out


def _rich(parts: list[Run], size: float, bold: bool, italic: bool) -> CellRichText | str:
    if all(not (p.bold or p.italic or p.superscript) for p in parts):
        return "".join(p.text for p in parts)
    return CellRichText(
        [
            TextBlock(
                InlineFont(
                    rFont=FONT,
                    sz=size,
                    b=bold or p.bold or None,
                    i=italic or p.italic or None,
                    vertAlign="superscript" if p.superscript else None,
                ),
                p.text,
            )
            for p in parts
        ]
    )


def _glyph(ch: str) -> float:
    if ch == "…":
        return 1.0  # the fill-in dots are a full em wide
    return WIDE if ch.isupper() else NARROW


def _lines(text: str, width_pt: float, size: float) -> int:
    """How many lines ``text`` wraps to in a cell ``width_pt`` wide (an estimate, a bit high)."""
    usable = max(width_pt - 6, size)
    total = 0
    for line in (text or " ").split("\n"):
        words, count, at = line.split(" "), 1, 0.0
        for word in words:
            width = sum(_glyph(ch) for ch in word) * size
            if at and at + SPACE * size + width > usable:
                count, at = count + 1, width
            else:
                at += (SPACE * size if at else 0) + width
        total += count + int(at // usable)
    return total
