"""Official forms download from the pages as Excel workbooks, and their codes check out.

T1A-2's QH record: roll 1.100, voted 990 (90,00%), valid 971 (98,08% of received), invalid 19.
"""

from __future__ import annotations

import re

import openpyxl

from tests.e2e.conftest import HOSTILE, expect, qh_body, texts

CODE_LINE = re.compile(r"Mã xác minh: ([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3})\.")


def _download(page, link_name: str, folder):
    """Click a link by its text; the saved workbook's name, its sheets and its cell texts."""
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name, exact=True).click()
    download = info.value
    assert download.failure() is None
    path = folder / download.suggested_filename
    download.save_as(path)
    workbook = openpyxl.load_workbook(path)
    cells = [
        str(c.value)
        for ws in workbook.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    ]
    return path.name, workbook.sheetnames, cells


def _code(cells: list[str]) -> str:
    return next(m.group(1) for c in cells if (m := CODE_LINE.match(c)))


def test_forms_download_from_the_results_pages_and_the_forms_page(browsing, server, tmp_path):
    server.submit(qh_body("T1A-2", 1100))
    page = browsing.open("board")

    page.goto("/results/T1A-2?contest=QH")
    box = page.locator(".form-links")
    expect(box.locator("h2")).to_have_text("Biểu mẫu chính thức (Excel)")
    assert texts(box.locator("li")) == ["Biên bản kết quả kiểm phiếu của Tổ bầu cử"]
    name, sheets, cells = _download(page, "Biên bản kết quả kiểm phiếu của Tổ bầu cử", tmp_path)
    assert (name, sheets) == ("bien-ban-kiem-phieu-qh-t1a-2.xlsx", ["Phường An Biên - KVBP 2"])
    for line in (
        "BIÊN BẢN KẾT QUẢ KIỂM PHIẾU BẦU CỬ\nĐẠI BIỂU QUỐC HỘI KHÓA XV\nCỦA TỔ BẦU CỬ",
        "- Tổng số cử tri của khu vực bỏ phiếu: 1.100 người(4)",
        "- Tỷ lệ cử tri đã tham gia bỏ phiếu so với tổng số cử tri: 90,00 %",
        "- Số phiếu hợp lệ: 971 phiếu. Tỷ lệ so với tổng số phiếu thu vào: 98,08 %",
        "- Số phiếu không hợp lệ: 19 phiếu. Tỷ lệ so với tổng số phiếu thu vào: 1,92 %",
        "2. Ông/Bà Trần Thị Bình được 485 phiếu/971 phiếu hợp lệ",
        f"5. Ông/Bà {HOSTILE} được 0 phiếu/971 phiếu hợp lệ",
    ):
        assert line in cells, line
    count_record_code = _code(cells)

    page.goto("/results/unit/QH1")
    name, _sheets, cells = _download(
        page, "Biên bản xác định kết quả bầu cử ở đơn vị bầu cử", tmp_path
    )
    assert name == "bien-ban-xac-dinh-ket-qua-qh1-vong-1.xlsx"
    assert _code(cells)

    page.get_by_role("link", name="Biểu mẫu", exact=True).click()
    page.wait_for_url("/forms")
    expect(page.locator("h1")).to_have_text("Biểu mẫu chính thức (Excel)")
    browsing.shoot(page, "forms")
    for link in (
        "Biên bản xác định kết quả bầu cử đại biểu Quốc hội ở thành phố",
        "Biểu thống kê kết quả cuộc bầu cử",
        "Đơn vị bầu cử số 2",  # HĐND thành phố, unit TP2
    ):
        name, sheets, cells = _download(page, link, tmp_path)
        assert name.endswith(".xlsx") and sheets, link
        assert _code(cells), link

    # Anyone, signed in or not, checks the code printed on the count record.
    public = browsing.open()
    public.goto("/verify")
    expect(public.locator("h1")).to_have_text("Xác minh biểu mẫu đã xuất")
    public.get_by_label("Mã xác minh").fill(count_record_code.lower())
    public.keyboard.press("Enter")
    public.wait_for_url(f"/verify/{count_record_code}")
    result = public.locator(".verify-result")
    expect(result.locator("h2")).to_have_text("Khớp với dữ liệu hiện tại")
    expect(result.locator("dd").nth(0)).to_have_text(count_record_code)
    expect(result.locator("dd").nth(2)).to_contain_text("Khu vực bỏ phiếu số 2")
    browsing.shoot(public, "verify")
