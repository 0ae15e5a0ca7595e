"""The credential slips workbook (issue #20): one slip per account, three to an A4 page."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from exports.credential_slips import Slip, credential_slips

URL = "https://bau-cu.example/login"


def _slip(n: int) -> Slip:
    return Slip(
        "Tổ bầu cử – khu vực bỏ phiếu",
        f"HP01-02-{n:02d} — Khu vực bỏ phiếu số {n}",
        f"Tổ bầu cử Khu vực bỏ phiếu số {n}",
        f"to.hp01-02-{n:02d}",
        f"abcd-efgh-jkmn-{n:04d}",
    )


def test_seven_slips_print_three_to_an_a4_page_with_their_own_values():
    ws = load_workbook(
        io.BytesIO(credential_slips([_slip(n) for n in range(1, 8)], URL, "P"))
    ).active
    # Eight rows a slip (title, six lines, the cut line): pages break after slips 3 and 6.
    assert [b.id for b in ws.row_breaks.brk] == [24, 48]
    assert ws.print_area == "'Phiếu tài khoản'!$A$1:$B$56"
    assert (ws.page_setup.paperSize, ws.page_setup.orientation) == (9, "portrait")
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert [ws.cell(row, 1).value for row in range(17, 23)] == [
        "PHIẾU TÀI KHOẢN ĐĂNG NHẬP — HỆ THỐNG TỔNG HỢP KẾT QUẢ BẦU CỬ",
        "Tổ bầu cử – khu vực bỏ phiếu",
        "Người dùng",
        "Tên đăng nhập",
        "Mật khẩu tạm thời",
        "Địa chỉ đăng nhập",
    ]
    assert [ws.cell(row, 2).value for row in range(18, 23)] == [
        "HP01-02-03 — Khu vực bỏ phiếu số 3",
        "Tổ bầu cử Khu vực bỏ phiếu số 3",
        "to.hp01-02-03",
        "abcd-efgh-jkmn-0003",
        URL,
    ]
    assert ws.cell(23, 1).value.startswith("Cách đăng nhập lần đầu:")
    assert "đặt ngay mật khẩu mới (ít nhất 10 ký tự" in ws.cell(23, 1).value
    assert "cắt theo đường này" in ws.cell(24, 1).value


def test_a_typed_formula_stays_text():
    slip = Slip("Người kiểm tra – khu vực", "T1 — Quận Một", "=1+1", "kt.a", "p")
    ws = load_workbook(io.BytesIO(credential_slips([slip], URL, "P"))).active
    assert (ws["B3"].value, ws["B3"].data_type) == ("=1+1", "s")
