"""Official forms as Excel workbooks: a definition (forms/) plus a record's values → .xlsx bytes.

The sheet is a fixed grid of narrow columns; paragraphs, header blocks and table
cells are merged ranges of it, so every table keeps its own column widths on one
sheet (forms-spec.md §11). A4, print area, fit to width, Times New Roman.
"""

from __future__ import annotations

import io
import math
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from exports.text import Lookup, Run, fill, runs
from forms import Definition

# Grid columns per sheet: wide statistics tables (24 columns) need a finer grid in landscape.
GRIDS = {"portrait": 48, "landscape": 96}
FONT = "Times New Roman"
# Printable width in points: A4 less the margins of forms-spec.md §1.3 (3,0 cm + 1,5 cm).
PRINTABLE = {"portrait": 468.0, "landscape": 714.0}
# Printable height in points (A4 less top and bottom margins), a little short to stay safe.
PAGE_HEIGHT = {"portrait": 765.0, "landscape": 520.0}
# Glyph widths of Times New Roman as shares of the font size, to estimate row heights.
WIDE, NARROW, SPACE = 0.72, 0.46, 0.25
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
# [$-42A] tags the format as vi-VN, so LibreOffice shows 1.234.567 and 99,85 whatever the
# reader's locale; Excel keeps the codes and shows the separators of the reader's system.
FORMATS = {"int": "[$-42A]#,##0", "pct": "[$-42A]0.00", "pct_sign": '[$-42A]0.00"%"'}
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


@dataclass(frozen=True)
class Stamp:
    """The verification code printed at the foot of a record and in the page footer."""

    code: str
    line: str


@dataclass(frozen=True)
class Sheet:
    """One record to draw on its own sheet."""

    definition: Definition
    context: dict[str, Any]
    title: str
    stamp: Stamp | None = None


def render(
    definition: Definition, context: dict[str, Any], title: str, stamp: Stamp | None = None
) -> bytes:
    """One record as a workbook of one sheet."""
    return render_many([Sheet(definition, context, title, stamp)])


def render_many(sheets: list[Sheet]) -> bytes:
    """Several records, one sheet each, in one workbook."""
    book = Workbook()
    book.remove(book.active)
    book.properties.creator = "Hệ thống tổng hợp kết quả bầu cử"
    used: set[str] = set()
    for sheet in sheets:
        ws = book.create_sheet(_sheet_title(sheet.title, used))
        _Writer(ws, sheet.definition, sheet.context).draw(sheet.stamp)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str, used: set[str]) -> str:
    clean = "".join("-" if ch in "[]:*?/\\" else ch for ch in title)[:31] or "Biên bản"
    name, n = clean, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


@dataclass
class _Column:
    spec: dict[str, Any]
    k: int | None = None  # which repetition of a repeated column
    item: dict[str, Any] | None = None


class _Writer:
    def __init__(self, ws: Worksheet, definition: Definition, context: dict[str, Any]) -> None:
        self.ws = ws
        self.form = definition
        self.ctx = context
        self.size = definition.body_size
        self.width = PRINTABLE[definition.orientation]
        self.grid = GRIDS[definition.orientation]
        self.row = 1
        self.heights: dict[int, float] = {}
        self.title_rows: tuple[int, int, int] | None = None  # header first, last; table end
        # Rows that must start on the same page: a table's heading, header and first row; a
        # unit's block of candidate rows; a signature block and its space for signing.
        self.keep: list[tuple[int, int]] = []
        self.styles: dict[tuple, Any] = {}
        self.previous = ""
        self.longest_table = 0

    # -- the sheet ---------------------------------------------------------------

    def draw(self, stamp: Stamp | None) -> None:
        self._header()
        for block in self.form.blocks:
            if not self._wanted(block):
                continue
            getattr(self, f"_{block['type']}")(block)
            self.previous = block["type"]
        if stamp is not None:
            self._gap(8)
            self._paragraph([Run(stamp.line, italic=True)], size=10, align="left")
            self.ws.oddFooter.center.text = f"Mã xác minh: {stamp.code} — Trang &P/&N"
            self.ws.oddFooter.center.size = 9
            self.ws.oddFooter.center.font = f"{FONT},Italic"
        self._page()

    def _wanted(self, block: dict[str, Any]) -> bool:
        if "when" in block and not self.ctx.get(block["when"]):
            return False
        return not ("unless" in block and self.ctx.get(block["unless"]))

    def _page(self) -> None:
        ws = self.ws
        px = self.width * 4 / 3 / self.grid
        for col in range(1, self.grid + 1):
            # Excel's width unit is about 7 px of the default font plus 5 px of padding;
            # LibreOffice draws the unit narrower, measured 1,2× to fill the printable width.
            ws.column_dimensions[get_column_letter(col)].width = round((px - 5) / 7 * 1.2, 2)
        for row, height in self.heights.items():
            ws.row_dimensions[row].height = round(height, 1)
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = self.form.orientation
        ws.page_margins = PageMargins(
            left=1.18, right=0.59, top=0.49, bottom=0.39, header=0.39, footer=0.3
        )
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.print_options.horizontalCentered = True
        ws.print_area = f"A1:{get_column_letter(self.grid)}{self.row - 1}"
        if self.title_rows is not None:
            first, last, end = self.title_rows
            # Title rows repeat on every later page, so only a table the form ends with (give
            # or take its signatures and notes) may have them.
            after = sum(self.heights.get(r, 15) for r in range(end + 1, self.row))
            if after < PAGE_HEIGHT[self.form.orientation] / 2:
                ws.print_title_rows = f"{first}:{last}"
        ws.sheet_view.showGridLines = False
        for row in self._page_breaks():
            ws.row_breaks.append(Break(id=row))

    def _page_breaks(self) -> list[int]:
        """Rows after which to break the page so that no kept group is split."""
        page = PAGE_HEIGHT[self.form.orientation]
        starts = {}
        for first, last in self.keep:
            starts.setdefault(first, last)
        breaks, used = [], 0.0
        for row in range(1, self.row):
            height = self.heights.get(row, 15)
            if row in starts and used > 0:
                group = sum(self.heights.get(r, 15) for r in range(row, starts[row] + 1))
                if used + group > page and group <= page:
                    breaks.append(row - 1)
                    used = 0.0
            if used + height > page:
                used = 0.0  # the spreadsheet breaks here by itself
            used += height
        return breaks

    # -- cells -------------------------------------------------------------------

    def _put(
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
        span = (last - first + 1) / self.grid * self.width
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

    def _paragraph(self, parts: list[Run], *, size: float, align: str = "justify", **style) -> None:
        self._put(self.row, 1, self.grid, parts, size=size, align=align, **style)
        self.row += 1

    def _gap(self, height: float) -> None:
        self.heights[self.row] = height
        self.row += 1

    def _runs(self, block: dict[str, Any], values: Any = None) -> list[Run]:
        return runs(block.get("text", ""), values if values is not None else self.ctx)

    # -- header and text blocks --------------------------------------------------

    def _header(self) -> None:
        header = self.form.header
        # The motto fits one line of the right column at 12 pt on a portrait page.
        size = self.size - (2 if self.form.orientation == "portrait" else 1)
        split = round(self.grid * 0.38)
        self._put(
            1,
            split + 1,
            self.grid,
            [Run(f"Mẫu số {self.form.number}")],
            size=size,
            italic=True,
            align="right",
        )
        top = 2
        left = header.get("left", [])
        align = header.get("left_align", "center")
        for i, line in enumerate(left):
            self._put(
                top + i,
                1,
                split,
                runs(line.get("text", ""), self.ctx),
                size=size,
                bold=line.get("bold", False),
                align=align,
            )
        for i, line in enumerate(MOTTO):
            self._put(
                top + i, split + 1, self.grid, [Run(line)], size=size, bold=True, align="center"
            )
        rule = top + len(MOTTO)
        quarter = (self.grid - split) // 4
        self.ws.merge_cells(
            start_row=rule,
            start_column=split + 1 + quarter,
            end_row=rule,
            end_column=self.grid - quarter,
        )
        for c in range(split + 1 + quarter, self.grid - quarter + 1):
            self.ws.cell(rule, c).border = Border(top=THIN)
        self.heights[rule] = max(self.heights.get(rule, 0), 8)
        used = rule + 1
        if header.get("dated"):
            line = "{place}, ngày {dd} tháng {mm} năm {yyyy}"
            self._put(
                used,
                split + 1,
                self.grid,
                runs(line, self.ctx),
                size=size,
                italic=True,
                align="center",
            )
            used += 1
        self.row = max(used, top + len(left)) + 1
        self.heights[self.row - 1] = 10

    def _title(self, block: dict[str, Any]) -> None:
        size = block.get("size", self.size)
        self._paragraph(self._runs(block), size=size, bold=True, align="center")

    def _para(self, block: dict[str, Any]) -> None:
        self._paragraph(
            self._runs(block),
            size=block.get("size", self.size),
            bold=block.get("bold", False),
            italic=block.get("italic", False),
            align=block.get("align", "justify"),
        )

    def _each(self, block: dict[str, Any]) -> None:
        for i, item in enumerate(self.ctx.get(block["items"]) or [], 1):
            values = Lookup({"i": i}, item, self.ctx)
            self._paragraph(
                self._runs(block, values),
                size=block.get("size", self.size),
                bold=block.get("bold", False),
                align=block.get("align", "justify"),
            )

    def _spacer(self, block: dict[str, Any]) -> None:
        self._gap(block.get("height", 10))

    def _notes(self, block: dict[str, Any]) -> None:
        size = block.get("size", 12)
        for i, line in enumerate(block.get("lines", [])):
            parts = runs(line, self.ctx)
            if i == 0:
                parts = [Run(p.text, True, True, p.superscript) for p in parts]
            self._paragraph(parts, size=size)

    def _signatures(self, block: dict[str, Any]) -> None:
        columns = block.get("columns", [])
        if not columns:
            return
        size = block.get("size", self.size)
        share = self.grid // len(columns)
        tallest = 0
        for n, lines in enumerate(columns):
            parts: list[Run] = []
            for j, line in enumerate(lines):
                text = fill(line.get("text", ""), self.ctx) + ("\n" if j < len(lines) - 1 else "")
                parts.append(Run(text, bold=line.get("bold", False)))
            first = n * share + 1
            last = self.grid if n == len(columns) - 1 else (n + 1) * share
            self._put(self.row, first, last, parts, size=size, align="center")
            tallest = max(tallest, len(lines))
        self.heights[self.row] = tallest * size * 1.32 + 3
        self.keep.append((self.row, self.row + 1))
        self.row += 1
        self._gap(block.get("space", 70))

    # -- tables ------------------------------------------------------------------

    def _table(self, block: dict[str, Any]) -> None:
        size = block.get("size", self.size - 2)
        columns = self._columns(block)
        spans = _allocate([c.spec.get("width", 10) for c in columns], self.grid)
        first_row = self.row
        self._table_header(block, columns, spans, size)
        header_end = self.row - 1
        heading = first_row - 1 if self.previous in ("para", "title") else first_row
        items = self.ctx.get(block.get("rows", "")) or []
        if not items and block.get("empty"):
            self._put(
                self.row,
                1,
                self.grid,
                [Run(block["empty"])],
                size=size,
                align="center",
                border=True,
            )
            self.row += 1
        for no, item in enumerate(items, 1):
            if "label" in item:
                self._label_row(item, no, columns, spans, size)
            elif block.get("group"):
                self._group_rows(block["group"], item, no, columns, spans, size)
            else:
                values = Lookup(item, {"no": no}, self.ctx)
                for ci, column in enumerate(columns):
                    self._cell(self.row, spans[ci], column, values, size)
                self.row += 1
            if no == 1:
                self.keep.append((heading, self.row - 1))
        if not items:
            self.keep.append((heading, self.row - 1))
        for footer in block.get("footer", []):
            self._footer(footer, columns, spans, size)
        if self.row - first_row > self.longest_table and self.row - header_end > 25:
            self.longest_table = self.row - first_row
            self.title_rows = (first_row, header_end, self.row - 1)

    def _columns(self, block: dict[str, Any]) -> list[_Column]:
        out: list[_Column] = []
        for spec in block.get("columns", []):
            if "repeat" in spec:
                items = self.ctx.get(spec["repeat"]) or []
                out.extend(_Column(spec, k, item) for k, item in enumerate(items))
            else:
                out.append(_Column(spec))
        return out

    def _table_header(
        self,
        block: dict[str, Any],
        columns: list[_Column],
        spans: list[tuple[int, int]],
        size: float,
    ) -> None:
        header = block.get("header", [])
        if not header:
            return
        depth = len(header)
        taken: set[tuple[int, int]] = set()
        style = {"size": size, "bold": True, "align": "center", "valign": "center", "border": True}
        for ci, column in enumerate(columns):
            if column.k is None:
                continue
            template = column.spec.get("repeat_header", "")
            values = Lookup({"i": column.k + 1}, column.item or {}, self.ctx)
            self._put(
                self.row, *spans[ci], runs(template, values), last_row=self.row + depth - 1, **style
            )
            taken.update((h, ci) for h in range(depth))
        for h, cells in enumerate(header):
            ci = 0
            for cell in cells:
                while (h, ci) in taken:
                    ci += 1
                if ci >= len(columns):
                    break
                rows, cols = cell.get("rows", 1), cell.get("cols", 1)
                last = min(ci + cols, len(columns)) - 1
                taken.update((h + dh, c) for dh in range(rows) for c in range(ci, last + 1))
                self._put(
                    self.row + h,
                    spans[ci][0],
                    spans[last][1],
                    runs(cell.get("text", ""), self.ctx),
                    last_row=self.row + h + rows - 1,
                    **style,
                )
                ci = last + 1
        self.row += depth

    def _cell(
        self,
        row: int,
        span: tuple[int, int],
        column: _Column,
        values: Lookup,
        size: float,
        last_row: int | None = None,
    ) -> None:
        spec = column.spec
        style = {
            "size": size,
            "border": True,
            "last_row": last_row,
            "valign": "center",
            "bold": spec.get("bold", False),
        }
        if "field" not in spec:
            self._put(
                row,
                *span,
                runs(spec.get("value", ""), values),
                align=spec.get("align", "left"),
                **style,
            )
            return
        value = values.get(spec["field"])
        if column.k is not None:
            value = (
                value[column.k]
                if isinstance(value, list | tuple) and column.k < len(value)
                else None
            )
        self._value(row, span, value, spec.get("format", "text"), spec.get("align"), style)

    def _value(
        self, row: int, span: tuple[int, int], value: Any, how: str, align: str | None, style: dict
    ) -> None:
        if (
            how in FORMATS
            and isinstance(value, int | Decimal | float)
            and not isinstance(value, bool)
        ):
            number = int(value) if how == "int" else float(value)
            self._put(
                row, *span, number, number_format=FORMATS[how], align=align or "right", **style
            )
        else:
            text = "" if value is None else str(value)
            self._put(row, *span, [Run(text)] if text else None, align=align or "left", **style)

    def _label_row(
        self,
        item: dict[str, Any],
        no: int,
        columns: list[_Column],
        spans: list[tuple[int, int]],
        size: float,
    ) -> None:
        values = Lookup(item, {"no": no}, self.ctx)
        self._cell(self.row, spans[0], columns[0], values, size)
        if len(columns) > 1:
            self._put(
                self.row,
                spans[1][0],
                spans[-1][1],
                [Run(str(item["label"]), bold=True)],
                size=size,
                border=True,
                valign="center",
            )
        self.row += 1

    def _group_rows(
        self,
        key: str,
        item: dict[str, Any],
        no: int,
        columns: list[_Column],
        spans: list[tuple[int, int]],
        size: float,
    ) -> None:
        elements = item.get(key) or [{}]
        start, end = self.row, self.row + len(elements) - 1
        outer = Lookup(item, {"no": no}, self.ctx)
        for ci, column in enumerate(columns):
            if column.spec.get("merge"):
                self._cell(start, spans[ci], column, outer, size, last_row=end)
        for j, element in enumerate(elements, 1):
            values = Lookup({"i": j}, element, item, {"no": no}, self.ctx)
            for ci, column in enumerate(columns):
                if not column.spec.get("merge"):
                    self._cell(self.row, spans[ci], column, values, size)
            self.row += 1
        self.keep.append((start, end))

    def _footer(
        self,
        footer: dict[str, Any],
        columns: list[_Column],
        spans: list[tuple[int, int]],
        size: float,
    ) -> None:
        source = self.ctx.get(footer.get("source", "")) or {}
        values = Lookup(source, self.ctx)
        ci = 0
        for cell in footer.get("cells", []):
            if ci >= len(columns):
                break
            style = {
                "size": size,
                "border": True,
                "valign": "center",
                "bold": cell.get("bold", False),
            }
            if "repeat" in cell:
                got = source.get(cell["field"]) or []
                for k in range(len(self.ctx.get(cell["repeat"]) or [])):
                    value = got[k] if k < len(got) else None
                    self._value(self.row, spans[ci], value, cell.get("format", "int"), None, style)
                    ci += 1
                continue
            last = min(ci + cell.get("cols", 1), len(columns)) - 1
            span = (spans[ci][0], spans[last][1])
            if "field" in cell:
                self._value(
                    self.row,
                    span,
                    values.get(cell["field"]),
                    cell.get("format", "text"),
                    cell.get("align"),
                    style,
                )
            else:
                self._put(
                    self.row,
                    *span,
                    runs(cell.get("text", ""), values),
                    align=cell.get("align", "left"),
                    **style,
                )
            ci = last + 1
        while ci < len(columns):
            self._put(self.row, *spans[ci], None, size=size, border=True)
            ci += 1
        self.row += 1


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


def _allocate(weights: list[float], total: int) -> list[tuple[int, int]]:
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
