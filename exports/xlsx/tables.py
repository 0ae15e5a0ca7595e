"""The tables of a form: header rows, body rows (plain, labelled, grouped) and footers.

Each table splits the whole grid among its columns by their widths, so every table keeps
its own column widths on one sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from exports.text import Lookup, Run, runs
from exports.xlsx.grid import Grid, allocate

# [$-42A] tags the format as vi-VN, so LibreOffice shows 1.234.567 and 99,85 whatever the
# reader's locale; Excel keeps the codes and shows the separators of the reader's system.
FORMATS = {"int": "[$-42A]#,##0", "pct": "[$-42A]0.00", "pct_sign": '[$-42A]0.00"%"'}
Spans = list[tuple[int, int]]


@dataclass
class _Column:
    spec: dict[str, Any]
    k: int | None = None  # which repetition of a repeated column
    item: dict[str, Any] | None = None


class Tables:
    """Writes tables on ``grid``; remembers the longest one, whose header may repeat per page."""

    def __init__(self, grid: Grid, size: float, ctx: dict[str, Any]) -> None:
        self.grid = grid
        self.size = size
        self.ctx = ctx
        self.title_rows: tuple[int, int, int] | None = None  # header first, last; table end
        self.longest_table = 0

    def table(self, block: dict[str, Any], headed: bool) -> None:
        """One table; ``headed`` when a title or paragraph just above introduces it."""
        g = self.grid
        size = block.get("size", self.size - 2)
        columns = self._columns(block)
        spans = allocate([c.spec.get("width", 10) for c in columns], g.columns)
        first_row = g.row
        self._header(block, columns, spans, size)
        header_end = g.row - 1
        heading = first_row - 1 if headed else first_row
        items = self.ctx.get(block.get("rows", "")) or []
        if not items and block.get("empty"):
            g.put(
                g.row, 1, g.columns, [Run(block["empty"])], size=size, align="center", border=True
            )
            g.row += 1
        for no, item in enumerate(items, 1):
            if "label" in item:
                self._label_row(item, no, columns, spans, size)
            elif block.get("group"):
                self._group_rows(block["group"], item, no, columns, spans, size)
            else:
                values = Lookup(item, {"no": no}, self.ctx)
                for ci, column in enumerate(columns):
                    self._cell(g.row, spans[ci], column, values, size)
                g.row += 1
            if no == 1:
                g.keep.append((heading, g.row - 1))
        if not items:
            g.keep.append((heading, g.row - 1))
        for footer in block.get("footer", []):
            self._footer(footer, columns, spans, size)
        if g.row - first_row > self.longest_table and g.row - header_end > 25:
            self.longest_table = g.row - first_row
            self.title_rows = (first_row, header_end, g.row - 1)

    def _columns(self, block: dict[str, Any]) -> list[_Column]:
        out: list[_Column] = []
        for spec in block.get("columns", []):
            if "repeat" in spec:
                items = self.ctx.get(spec["repeat"]) or []
                out.extend(_Column(spec, k, item) for k, item in enumerate(items))
            else:
                out.append(_Column(spec))
        return out

    def _header(
        self, block: dict[str, Any], columns: list[_Column], spans: Spans, size: float
    ) -> None:
        """The header rows: repeated columns span them all, the others as the form lays out."""
        header = block.get("header", [])
        if not header:
            return
        g = self.grid
        depth = len(header)
        taken: set[tuple[int, int]] = set()
        style = {"size": size, "bold": True, "align": "center", "valign": "center", "border": True}
        for ci, column in enumerate(columns):
            if column.k is None:
                continue
            template = column.spec.get("repeat_header", "")
            values = Lookup({"i": column.k + 1}, column.item or {}, self.ctx)
            g.put(g.row, *spans[ci], runs(template, values), last_row=g.row + depth - 1, **style)
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
                g.put(
                    g.row + h,
                    spans[ci][0],
                    spans[last][1],
                    runs(cell.get("text", ""), self.ctx),
                    last_row=g.row + h + rows - 1,
                    **style,
                )
                ci = last + 1
        g.row += depth

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
            self.grid.put(
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
        """A number in its format, right-aligned; anything else as text."""
        if (
            how in FORMATS
            and isinstance(value, int | Decimal | float)
            and not isinstance(value, bool)
        ):
            number = int(value) if how == "int" else float(value)
            self.grid.put(
                row, *span, number, number_format=FORMATS[how], align=align or "right", **style
            )
        else:
            text = "" if value is None else str(value)
            self.grid.put(row, *span, [Run(text)] if text else None, align=align or "left", **style)

    def _label_row(
        self, item: dict[str, Any], no: int, columns: list[_Column], spans: Spans, size: float
    ) -> None:
        """A row that is a label across the table after its first column (e.g. a unit's name)."""
        g = self.grid
        values = Lookup(item, {"no": no}, self.ctx)
        self._cell(g.row, spans[0], columns[0], values, size)
        if len(columns) > 1:
            g.put(
                g.row,
                spans[1][0],
                spans[-1][1],
                [Run(str(item["label"]), bold=True)],
                size=size,
                border=True,
                valign="center",
            )
        g.row += 1

    def _group_rows(
        self,
        key: str,
        item: dict[str, Any],
        no: int,
        columns: list[_Column],
        spans: Spans,
        size: float,
    ) -> None:
        """One row per element of ``item[key]``; the merged columns span the group, kept whole."""
        g = self.grid
        elements = item.get(key) or [{}]
        start, end = g.row, g.row + len(elements) - 1
        outer = Lookup(item, {"no": no}, self.ctx)
        for ci, column in enumerate(columns):
            if column.spec.get("merge"):
                self._cell(start, spans[ci], column, outer, size, last_row=end)
        for j, element in enumerate(elements, 1):
            values = Lookup({"i": j}, element, item, {"no": no}, self.ctx)
            for ci, column in enumerate(columns):
                if not column.spec.get("merge"):
                    self._cell(g.row, spans[ci], column, values, size)
            g.row += 1
        g.keep.append((start, end))

    def _footer(
        self, footer: dict[str, Any], columns: list[_Column], spans: Spans, size: float
    ) -> None:
        """A totals row: fields of a context entry, text, or one value per repeated column."""
        g = self.grid
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
                    self._value(g.row, spans[ci], value, cell.get("format", "int"), None, style)
                    ci += 1
                continue
            last = min(ci + cell.get("cols", 1), len(columns)) - 1
            span = (spans[ci][0], spans[last][1])
            if "field" in cell:
                self._value(
                    g.row,
                    span,
                    values.get(cell["field"]),
                    cell.get("format", "text"),
                    cell.get("align"),
                    style,
                )
            else:
                g.put(
                    g.row,
                    *span,
                    runs(cell.get("text", ""), values),
                    align=cell.get("align", "left"),
                    **style,
                )
            ci = last + 1
        while ci < len(columns):
            g.put(g.row, *spans[ci], None, size=size, border=True)
            ci += 1
        g.row += 1
