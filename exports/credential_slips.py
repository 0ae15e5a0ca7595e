"""Credential slips: one printable slip per new account (A4, three a page, cut lines) → .xlsx bytes.

Each slip names the polling team's voting area (or the reviewer's area), the username, the
temporary password, the address to sign in and how the password is changed at the first
sign-in. The workbook is made for one download and kept nowhere.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break

FONT = "Times New Roman"
MONO = "Courier New"
SLIPS_PER_PAGE = 3
SHEET_TITLE = "Phiếu tài khoản"
TITLE = "PHIẾU TÀI KHOẢN ĐĂNG NHẬP — HỆ THỐNG TỔNG HỢP KẾT QUẢ BẦU CỬ"
HOW_TO = (
    "Cách đăng nhập lần đầu: mở địa chỉ trên bằng trình duyệt, nhập tên đăng nhập và mật "
    "khẩu tạm thời. Hệ thống yêu cầu đặt ngay mật khẩu mới (ít nhất 10 ký tự, khác mật khẩu "
    "tạm thời) trước khi làm việc; mật khẩu tạm thời khi đó hết hiệu lực. Giữ phiếu này kín, "
    "không đưa mật khẩu cho người khác; quên mật khẩu thì báo quản trị hệ thống để đặt lại."
)
CUT = "✂ - - - - - - - - - - - - - - - - - - - - cắt theo đường này - - - - - - - - - - - - - - - - - - - -"
THIN = Side(style="thin")
DASHED = Side(style="dashed")
# (label, height in points) of each row of a slip after its title.
ROWS = (
    ("scope", 30.0),
    ("Người dùng", 20.0),
    ("Tên đăng nhập", 24.0),
    ("Mật khẩu tạm thời", 24.0),
    ("Địa chỉ đăng nhập", 30.0),
    ("how", 62.0),
)


@dataclass(frozen=True)
class Slip:
    scope_label: str  # "Tổ bầu cử – khu vực bỏ phiếu", "Người kiểm tra – khu vực"
    scope: str  # "HP01-01-02 — Khu vực bỏ phiếu số 2"
    full_name: str
    username: str
    password: str


def credential_slips(slips: list[Slip], sign_in_url: str, heading: str) -> bytes:
    """The workbook of ``slips`` in order; ``heading`` (the area) is printed in the page header."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = SHEET_TITLE
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 62
    row = 1
    for number, slip in enumerate(slips, 1):
        row = _slip(ws, row, slip, sign_in_url)
        if number % SLIPS_PER_PAGE == 0 and number < len(slips):
            ws.row_breaks.append(Break(id=row - 1))
    ws.print_area = f"A1:B{max(row - 1, 1)}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_margins = PageMargins(left=0.6, right=0.6, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.oddHeader.center.text = heading
    ws.oddFooter.center.text = "Trang &P/&N"
    ws.sheet_view.showGridLines = False
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _slip(ws, row: int, slip: Slip, sign_in_url: str) -> int:
    """Write one slip from ``row``; the row after it."""
    _merged(ws, row, TITLE, Font(name=FONT, size=12, bold=True), 22.0, "center")
    row += 1
    values = {
        "Người dùng": (slip.full_name, Font(name=FONT, size=12)),
        "Tên đăng nhập": (slip.username, Font(name=MONO, size=14, bold=True)),
        "Mật khẩu tạm thời": (slip.password, Font(name=MONO, size=14, bold=True)),
        "Địa chỉ đăng nhập": (sign_in_url, Font(name=MONO, size=11)),
    }
    for label, height in ROWS:
        if label == "how":
            _merged(ws, row, HOW_TO, Font(name=FONT, size=10, italic=True), height, "left")
        else:
            text, font = (
                (slip.scope, Font(name=FONT, size=12, bold=True))
                if label == "scope"
                else values[label]
            )
            _cell(
                ws,
                row,
                1,
                slip.scope_label if label == "scope" else label,
                Font(name=FONT, size=11),
            )
            _cell(ws, row, 2, text, font)
            ws.row_dimensions[row].height = height
        row += 1
    _merged(ws, row, CUT, Font(name=FONT, size=8, color="808080"), 24.0, "center")
    for col in (1, 2):
        ws.cell(row, col).border = Border(bottom=DASHED)
    return row + 1


def _cell(ws, row: int, col: int, text: str, font: Font) -> None:
    cell = ws.cell(row, col, text)
    cell.data_type = "s"  # a name typed as "=HYPERLINK(…)" is printed, never evaluated
    cell.font = font
    cell.alignment = Alignment(vertical="center", wrap_text=True)
    cell.border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _merged(ws, row: int, text: str, font: Font, height: float, align: str) -> None:
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    cell = ws.cell(row, 1, text)
    cell.font = font
    cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
    ws.row_dimensions[row].height = height
