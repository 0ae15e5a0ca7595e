"""Official forms as Excel workbooks: a definition (forms/) plus a record's values → .xlsx bytes.

The sheet is a fixed grid of narrow columns (``grid``); paragraphs, header blocks
(``blocks``) and table cells (``tables``) are merged ranges of it, so every table keeps its
own column widths on one sheet (forms-spec.md §11). A4, print area, fit to width, Times New
Roman (``page``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from exports.text import Run
from exports.xlsx.blocks import TextBlocks
from exports.xlsx.grid import FONT, Grid
from exports.xlsx.page import set_up_page
from exports.xlsx.tables import Tables
from forms import Definition

ANCHOR_LABEL = "Mốc nhật ký kiểm toán (SEQ:HASH)"


@dataclass(frozen=True)
class Stamp:
    """The verification code printed at the foot of a record and in the page footer.

    ``anchor`` is the audit chain's ``SEQ:HASH`` when the record was made: a copy of it
    outside the database shows whether the chain was rewritten since.
    """

    code: str
    line: str
    anchor: str = ""


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
        _draw(ws, sheet.definition, sheet.context, sheet.stamp)
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


def _draw(ws: Worksheet, form: Definition, ctx: dict[str, Any], stamp: Stamp | None) -> None:
    """The header, the form's blocks in order, the stamp, then the page around them."""
    grid = Grid(ws, form.orientation)
    text = TextBlocks(grid, form, ctx)
    tables = Tables(grid, form.body_size, ctx)
    text.header()
    previous = ""
    for block in form.blocks:
        if not _wanted(block, ctx):
            continue
        if block["type"] == "table":
            # A title or paragraph right above a table is its heading: kept on its page.
            tables.table(block, headed=previous in ("para", "title"))
        else:
            text.draw(block)
        previous = block["type"]
    if stamp is not None:
        grid.gap(8)
        grid.paragraph([Run(stamp.line, italic=True)], size=10, align="left")
        if stamp.anchor:
            grid.paragraph(
                [Run(f"{ANCHOR_LABEL}: {stamp.anchor}", italic=True)], size=8, align="left"
            )
        ws.oddFooter.center.text = f"Mã xác minh: {stamp.code} — Trang &P/&N"
        ws.oddFooter.center.size = 9
        ws.oddFooter.center.font = f"{FONT},Italic"
    set_up_page(grid, form.orientation, tables.title_rows)


def _wanted(block: dict[str, Any], ctx: dict[str, Any]) -> bool:
    """A block shows ``when`` its context key is set and ``unless`` it is."""
    if "when" in block and not ctx.get(block["when"]):
        return False
    return not ("unless" in block and ctx.get(block["unless"]))
