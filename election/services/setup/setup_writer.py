"""The setup workbook written: a stored definition, or the blank template to fill in."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from election.domain.setup import CONTEST_CODES, Setup
from election.services.setup.setup_io import INSTRUCTIONS_SHEET, SHEETS

# The instructions sheet: (sheet, column, meaning); an empty column describes the sheet.
GUIDE = (
    ("", "", "Dòng đầu tiên của mỗi trang ghi tên cột như mẫu; thứ tự cột có thể thay đổi."),
    ("", "", "Mỗi dòng tiếp theo là một bản ghi; mã không được trùng trong cùng một trang."),
    ("", "", "Ngày ghi dạng YYYY-MM-DD. Tệp có lỗi bị từ chối toàn bộ, kèm danh sách lỗi theo ô."),
    ("election", "", "Thông tin chung của cuộc bầu cử (đúng một dòng)"),
    ("election", "name", "Tên cuộc bầu cử"),
    ("election", "date", "Ngày bầu cử, dạng YYYY-MM-DD (ví dụ 2026-03-15)"),
    ("election", "form_set", "Bộ biểu mẫu áp dụng: 2021 hoặc 2026"),
    (
        "election",
        "second_keying",
        "Nhập lại đối chiếu từ ảnh biên bản: off (không, mặc định) hoặc required (bắt buộc "
        "trước khi xác nhận); có thể bỏ cột này",
    ),
    ("areas", "", "Các đơn vị hành chính, từ thành phố đến xã, phường, thị trấn, đặc khu"),
    ("areas", "code", "Mã đơn vị hành chính, không trùng nhau"),
    ("areas", "name", "Tên đơn vị hành chính"),
    (
        "areas",
        "level",
        "Cấp: city (thành phố), district (quận, huyện), ward (xã, phường, thị trấn, đặc khu)",
    ),
    ("areas", "parent", "Mã đơn vị hành chính cấp trên; để trống với thành phố"),
    ("contests", "", "Các cấp bầu cử được tổ chức"),
    ("contests", "code", "Mã cấp bầu cử: " + ", ".join(CONTEST_CODES)),
    ("contests", "name", "Tên cuộc bầu cử ở cấp này, ví dụ «Đại biểu Quốc hội khóa XV»"),
    ("units", "", "Các đơn vị bầu cử của từng cấp"),
    ("units", "code", "Mã đơn vị bầu cử, không trùng nhau"),
    ("units", "contest", "Mã cấp bầu cử của đơn vị (cột code của trang contests)"),
    ("units", "name", "Tên đơn vị bầu cử, ví dụ «Đơn vị bầu cử số 1»"),
    ("units", "seats", "Số đại biểu được bầu (Quốc hội: 1 đến 3; Hội đồng nhân dân: 1 đến 5)"),
    ("candidates", "", "Danh sách người ứng cử của từng đơn vị bầu cử"),
    ("candidates", "code", "Mã người ứng cử, không trùng nhau"),
    ("candidates", "unit", "Mã đơn vị bầu cử (cột code của trang units)"),
    ("candidates", "order", "Thứ tự trên phiếu bầu: 1, 2, 3, …"),
    ("candidates", "full_name", "Họ và tên"),
    ("candidates", "date_of_birth", "Ngày sinh, dạng YYYY-MM-DD"),
    ("candidates", "gender", "Giới tính: Nam hoặc Nữ"),
    ("voting_areas", "", "Các khu vực bỏ phiếu và đơn vị bầu cử của chúng ở từng cấp"),
    ("voting_areas", "code", "Mã khu vực bỏ phiếu, không trùng nhau"),
    ("voting_areas", "name", "Tên khu vực bỏ phiếu"),
    ("voting_areas", "area", "Mã xã, phường, thị trấn, đặc khu có khu vực bỏ phiếu (trang areas)"),
    (
        "voting_areas",
        "QH, HDND_TINH, …",
        "Mỗi cấp bầu cử một cột mang mã cấp; ô ghi mã đơn vị "
        "bầu cử của khu vực ở cấp đó; để trống nếu khu vực không bầu cấp đó",
    ),
    ("voters", "", "Số cử tri, dùng cho khu vực bỏ phiếu chưa nạp danh sách cử tri"),
    ("voters", "voting_area", "Mã khu vực bỏ phiếu (cột code của trang voting_areas)"),
    ("voters", "contest", "Mã cấp bầu cử"),
    ("voters", "voters", "Số cử tri trong danh sách, số nguyên không âm"),
)
_FORMULA_START = ("=", "+", "-", "@")


def write_setup(setup: Setup) -> bytes:
    """The setup workbook of ``setup``: instructions first, then one sheet per table."""
    contests = [c.code for c in setup.contests if c.code]
    for v in setup.voting_areas:  # keep units of contests missing from the contests sheet
        contests += [c for c in v.units if c not in contests]
    e = setup.election
    tables = {
        "election": [[e.name, _iso(e.date), e.form_set, e.second_keying]] if e else [],
        "areas": [[a.code, a.name, a.level, a.parent] for a in setup.areas],
        "contests": [[c.code, c.name] for c in setup.contests],
        "units": [[u.code, u.contest, u.name, u.seats] for u in setup.units],
        "candidates": [
            [c.code, c.unit, c.order, c.full_name, _iso(c.date_of_birth), c.gender]
            for c in setup.candidates
        ],
        "voting_areas": [
            [v.code, v.name, v.area, *(v.units.get(c) for c in contests)]
            for v in setup.voting_areas
        ],
        "voters": [[c.voting_area, c.contest, c.voters] for c in setup.voters],
    }
    headers = {**SHEETS, "voting_areas": SHEETS["voting_areas"] + tuple(contests)}
    return _workbook(headers, tables)


def blank_template() -> bytes:
    """The setup workbook with headers only (every contest column), to fill in by hand."""
    headers = {**SHEETS, "voting_areas": SHEETS["voting_areas"] + CONTEST_CODES}
    return _workbook(headers, {sheet: [] for sheet in SHEETS})


def _workbook(headers: Mapping[str, Iterable[str]], tables: Mapping[str, list[list]]) -> bytes:
    workbook = Workbook(write_only=True)
    guide = [list(line) for line in GUIDE]
    _sheet(workbook, INSTRUCTIONS_SHEET, ["Trang", "Cột", "Ý nghĩa"], guide, wrap=True)
    for sheet in SHEETS:
        _sheet(workbook, sheet, list(headers[sheet]), tables[sheet])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _sheet(workbook: Workbook, title: str, header: list[str], rows: list[list], wrap=False):
    """One sheet: bold frozen header, widths fitted to the content."""
    ws = workbook.create_sheet(title)
    ws.freeze_panes = "A2"
    # A write-only sheet leaves out <dimension>, so readers (openpyxl's read-only mode among
    # them) scan the whole sheet to size it; the size is known here.
    ws.calculate_dimension = lambda: f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    for index, key in enumerate(header):
        width = max([len(key)] + [len(str(row[index])) for row in rows if row[index] is not None])
        ws.column_dimensions[get_column_letter(index + 1)].width = min(max(width + 2, 10), 80)
    bold = Font(bold=True)
    ws.append([_cell(ws, key, font=bold) for key in header])
    wrapped = Alignment(wrap_text=True, vertical="top") if wrap else None
    for values in rows:
        ws.append([_cell(ws, v, alignment=wrapped) for v in values])


def _cell(ws, value: Any, **style) -> Any:
    if value is None or value == "":
        return None
    formula_like = isinstance(value, str) and value.startswith(_FORMULA_START)
    if not formula_like and not any(style.values()):
        return value
    cell = WriteOnlyCell(ws, value)
    for name, setting in style.items():
        if setting is not None:
            setattr(cell, name, setting)
    if isinstance(value, str):
        # A name like "=HYPERLINK(...)" must stay text, never become a formula.
        cell.data_type = "s"
        cell.quotePrefix = formula_like
    return cell


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
