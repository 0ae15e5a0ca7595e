"""The text of a form: header (form number, issuer, motto), titles, paragraphs, signatures."""

from __future__ import annotations

from typing import Any

from openpyxl.styles import Border

from exports.text import Lookup, Run, fill, runs
from exports.xlsx.grid import THIN, Grid
from forms import Definition

MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


class TextBlocks:
    """Writes the header and the text blocks of ``form`` with the values of ``ctx``."""

    def __init__(self, grid: Grid, form: Definition, ctx: dict[str, Any]) -> None:
        self.grid = grid
        self.form = form
        self.ctx = ctx
        self.size = form.body_size

    def draw(self, block: dict[str, Any]) -> None:
        """One block of the form's body, by its type."""
        write = {
            "title": self.title,
            "para": self.para,
            "each": self.each,
            "spacer": self.spacer,
            "notes": self.notes,
            "signatures": self.signatures,
        }
        write[block["type"]](block)

    def header(self) -> None:
        g, header = self.grid, self.form.header
        # The motto fits one line of the right column at 12 pt on a portrait page.
        size = self.size - (2 if self.form.orientation == "portrait" else 1)
        split = round(g.columns * 0.38)
        g.put(
            1,
            split + 1,
            g.columns,
            [Run(f"Mẫu số {self.form.number}")],
            size=size,
            italic=True,
            align="right",
        )
        top = 2
        left = header.get("left", [])
        align = header.get("left_align", "center")
        for i, line in enumerate(left):
            g.put(
                top + i,
                1,
                split,
                runs(line.get("text", ""), self.ctx),
                size=size,
                bold=line.get("bold", False),
                align=align,
            )
        for i, line in enumerate(MOTTO):
            g.put(top + i, split + 1, g.columns, [Run(line)], size=size, bold=True, align="center")
        rule = top + len(MOTTO)
        quarter = (g.columns - split) // 4
        g.ws.merge_cells(
            start_row=rule,
            start_column=split + 1 + quarter,
            end_row=rule,
            end_column=g.columns - quarter,
        )
        for c in range(split + 1 + quarter, g.columns - quarter + 1):
            g.ws.cell(rule, c).border = Border(top=THIN)
        g.heights[rule] = max(g.heights.get(rule, 0), 8)
        used = rule + 1
        if header.get("dated"):
            line = "{place}, ngày {dd} tháng {mm} năm {yyyy}"
            g.put(
                used,
                split + 1,
                g.columns,
                runs(line, self.ctx),
                size=size,
                italic=True,
                align="center",
            )
            used += 1
        g.row = max(used, top + len(left)) + 1
        g.heights[g.row - 1] = 10

    def title(self, block: dict[str, Any]) -> None:
        size = block.get("size", self.size)
        self.grid.paragraph(self._runs(block), size=size, bold=True, align="center")

    def para(self, block: dict[str, Any]) -> None:
        self.grid.paragraph(
            self._runs(block),
            size=block.get("size", self.size),
            bold=block.get("bold", False),
            italic=block.get("italic", False),
            align=block.get("align", "justify"),
        )

    def each(self, block: dict[str, Any]) -> None:
        """One paragraph per item of a list of the context."""
        for i, item in enumerate(self.ctx.get(block["items"]) or [], 1):
            values = Lookup({"i": i}, item, self.ctx)
            self.grid.paragraph(
                self._runs(block, values),
                size=block.get("size", self.size),
                bold=block.get("bold", False),
                align=block.get("align", "justify"),
            )

    def spacer(self, block: dict[str, Any]) -> None:
        self.grid.gap(block.get("height", 10))

    def notes(self, block: dict[str, Any]) -> None:
        size = block.get("size", 12)
        for i, line in enumerate(block.get("lines", [])):
            parts = runs(line, self.ctx)
            if i == 0:
                parts = [Run(p.text, True, True, p.superscript) for p in parts]
            self.grid.paragraph(parts, size=size)

    def signatures(self, block: dict[str, Any]) -> None:
        """Side-by-side signature columns, kept on one page with the space for signing."""
        columns = block.get("columns", [])
        if not columns:
            return
        g = self.grid
        size = block.get("size", self.size)
        share = g.columns // len(columns)
        tallest = 0
        for n, lines in enumerate(columns):
            parts: list[Run] = []
            for j, line in enumerate(lines):
                text = fill(line.get("text", ""), self.ctx) + ("\n" if j < len(lines) - 1 else "")
                parts.append(Run(text, bold=line.get("bold", False)))
            first = n * share + 1
            last = g.columns if n == len(columns) - 1 else (n + 1) * share
            g.put(g.row, first, last, parts, size=size, align="center")
            tallest = max(tallest, len(lines))
        g.heights[g.row] = tallest * size * 1.32 + 3
        g.keep.append((g.row, g.row + 1))
        g.row += 1
        g.gap(block.get("space", 70))

    def _runs(self, block: dict[str, Any], values: Any = None) -> list[Run]:
        return runs(block.get("text", ""), values if values is not None else self.ctx)
