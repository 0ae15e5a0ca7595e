"""The printed page of a written grid: column widths, row heights, A4, breaks, title rows."""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break

from exports.xlsx.grid import Grid

# Printable height in points (A4 less top and bottom margins), a little short to stay safe.
PAGE_HEIGHT = {"portrait": 765.0, "landscape": 520.0}


def set_up_page(grid: Grid, orientation: str, title_rows: tuple[int, int, int] | None) -> None:
    """Size and paginate the sheet once everything is written."""
    # title_rows: the first and last header rows of the longest table, and its last row.
    ws = grid.ws
    px = grid.width * 4 / 3 / grid.columns
    for col in range(1, grid.columns + 1):
        # Excel's width unit is about 7 px of the default font plus 5 px of padding;
        # LibreOffice draws the unit narrower, measured 1,2× to fill the printable width.
        ws.column_dimensions[get_column_letter(col)].width = round((px - 5) / 7 * 1.2, 2)
    for row, height in grid.heights.items():
        ws.row_dimensions[row].height = round(height, 1)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = orientation
    ws.page_margins = PageMargins(
        left=1.18, right=0.59, top=0.49, bottom=0.39, header=0.39, footer=0.3
    )
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.print_area = f"A1:{get_column_letter(grid.columns)}{grid.row - 1}"
    if title_rows is not None:
        first, last, end = title_rows
        # Title rows repeat on every later page, so only a table the form ends with (give
        # or take its signatures and notes) may have them.
        after = sum(grid.heights.get(r, 15) for r in range(end + 1, grid.row))
        if after < PAGE_HEIGHT[orientation] / 2:
            ws.print_title_rows = f"{first}:{last}"
    ws.sheet_view.showGridLines = False
    for row in _page_breaks(grid, PAGE_HEIGHT[orientation]):
        ws.row_breaks.append(Break(id=row))


def _page_breaks(grid: Grid, page: float) -> list[int]:
    """Rows after which to break the page so that no kept group is split."""
    starts = {}
    for first, last in grid.keep:
        starts.setdefault(first, last)
    breaks, used = [], 0.0
    for row in range(1, grid.row):
        height = grid.heights.get(row, 15)
        if row in starts and used > 0:
            group = sum(grid.heights.get(r, 15) for r in range(row, starts[row] + 1))
            if used + group > page and group <= page:
                breaks.append(row - 1)
                used = 0.0
        if used + height > page:
            used = 0.0  # the spreadsheet breaks here by itself
        used += height
    return breaks
