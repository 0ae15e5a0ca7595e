"""The photo of the paper record beside its figures, and blind second keying, in Chromium.

Writes T1B-2's HDND_TINH record (unit TP1, 3 seats; 1.300 on the roll). For the keying part
it turns the election's second_keying on and back off, so the other tests are untouched.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import update

from election.db import make_engine
from election.models import Election
from tests.e2e.conftest import expect

RECORD = {
    "voting_area": "T1B-2",
    "contest": "HDND_TINH",
    "voters_on_roll": 1300,
    "voters_voted": 1170,
    "ballots_issued": 1170,
    "ballots_received": 1170,
    "ballots_valid": 1147,
    "ballots_invalid": 23,
    "votes": {"TP1-1": 1000, "TP1-2": 900, "TP1-3": 700, "TP1-4": 500, "TP1-5": 200},
}
LINES = [
    "BIÊN BẢN KẾT QUẢ KIỂM PHIẾU",
    "Khu vực bỏ phiếu số 2 — T1B-2",
    "1. Tổng số cử tri: 1.300",
    "2. Số cử tri đã tham gia bỏ phiếu: 1.170",
    "3. Số phiếu phát ra: 1.170",
    "4. Số phiếu thu vào: 1.170",
    "5. Số phiếu hợp lệ: 1.147",
    "6. Số phiếu không hợp lệ: 23",
    "7. Nguyễn Văn An 1.000 · Trần Thị Bình 900",
    "   Lê Văn Cường 700 · Phạm Thị Dung 500",
    "   Hoàng Văn Em 200",
    "Tổ trưởng (ký)          Thư ký (ký)",
]


def paper_photo(path: Path) -> Path:
    """A phone photo of a signed paper record, drawn: cream paper, dark ink."""
    font_file = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    font = ImageFont.truetype(str(font_file), 34) if font_file.exists() else None
    image = Image.new("RGB", (1200, 900), (246, 240, 222))
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(LINES):
        draw.text((60, 50 + n * 64), line, fill=(30, 30, 60), font=font)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    path.write_bytes(out.getvalue())
    return path


def _keying(server, value: str) -> None:
    engine = make_engine(server.database_url)
    try:
        with engine.begin() as conn:
            conn.execute(update(Election).values(second_keying=value))
    finally:
        engine.dispose()


def test_the_photo_beside_the_figures_then_a_blind_keying_and_its_reconciliation(
    browsing, server, tmp_path
):
    record = server.submit(RECORD)["id"]
    page = browsing.open("reviewer")
    page.goto(f"/tally/record/{record}")
    expect(page.locator("#evidence-title")).to_have_text("Ảnh biên bản giấy")
    page.get_by_label(
        "Chụp hoặc chọn ảnh biên bản (JPEG, PNG hoặc PDF, tối đa 10 MB)"
    ).set_input_files(str(paper_photo(tmp_path / "bien-ban.jpg")))
    page.get_by_role("button", name="Đính kèm ảnh").click()
    expect(page.locator(".flash")).to_have_text("Đã đính kèm ảnh biên bản.")
    photo = page.locator("[data-photo]")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.naturalWidth") == 1200
    # The figures in the paper's order beside it.
    fields = page.locator(".paper-fields dd")
    expect(fields.nth(4)).to_have_text("1.147")

    # Zoom and rotate with the buttons, then with the keys, then back to the frame.
    frame = page.locator(".viewer-frame")
    page.get_by_role("button", name="Phóng to").click()
    expect(frame).to_have_attribute("data-zoom", "1.5")
    frame.focus()
    page.keyboard.press("+")
    expect(frame).to_have_attribute("data-zoom", "2")
    page.keyboard.press("r")
    assert photo.evaluate("img => img.style.transform") == "rotate(90deg)"
    page.keyboard.press("0")
    expect(frame).to_have_attribute("data-zoom", "1")
    assert photo.evaluate("img => img.style.transform") == "rotate(0deg)"
    expect(page.get_by_role("button", name="Thu nhỏ")).to_be_disabled()
    browsing.shoot(page, "record-photo")

    # Second keying required: the board keys it blind, misreading one number.
    _keying(server, "required")
    try:
        board = browsing.open("board")
        board.goto(f"/tally/record/{record}")
        expect(board.locator("h1")).to_contain_text("Nhập lại đối chiếu biên bản — ")
        assert "1.147" not in board.locator("main").inner_text()
        for name, value in RECORD.items():
            if name in ("voting_area", "contest", "votes"):
                continue
            board.locator(f'[name="{name}"]').fill(str(value))
        for code, votes in RECORD["votes"].items():
            board.locator(f'[name="votes.{code}"]').fill(str(votes))
        board.locator('[name="votes.TP1-2"]').fill("990")
        browsing.shoot(board, "keying")
        board.get_by_role("button", name="Lưu lần nhập lại và đối chiếu").click()
        board.wait_for_url(f"**/tally/record/{record}/reconcile")
        expect(board.locator(".flash")).to_have_text(
            "Lần nhập lại lệch ở 1 ô; hãy đối chiếu với ảnh biên bản."
        )
        # The one differing cell, with its spoken mark for screen readers.
        expect(board.locator("td.differs")).to_have_text(["990 (lệch)"])
        browsing.shoot(board, "reconciliation")
    finally:
        _keying(server, "off")


@pytest.fixture(autouse=True)
def _always_off(server):
    yield
    _keying(server, "off")
