"""The board certifies a unit after seeing what it signs; the public sees it; a return reopens
it and every board page says so (issue #17).

Writes T2A-1's and T2A-2's HDND_TINH records (unit TP2, 3 seats; 1.400 and 1.500 on the roll).
"""

from __future__ import annotations

from tests.e2e.conftest import expect


def record(va: str, voters: int) -> dict:
    voted = voters * 9 // 10
    invalid = voted // 50
    valid = voted - invalid
    return {
        "voting_area": va,
        "contest": "HDND_TINH",
        "voters_on_roll": voters,
        "voters_voted": voted,
        "ballots_issued": voted,
        "ballots_received": voted,
        "ballots_valid": valid,
        "ballots_invalid": invalid,
        "votes": {
            "TP2-1": valid * 9 // 10,
            "TP2-2": valid * 8 // 10,
            "TP2-3": valid * 6 // 10,
            "TP2-4": valid // 4,
            "TP2-5": 40,
        },
    }


def test_the_board_certifies_the_public_sees_it_and_a_return_reopens_it(browsing, server):
    ids = [server.submit(record("T2A-1", 1400))["id"], server.submit(record("T2A-2", 1500))["id"]]
    board = browsing.open("board")
    for record_id, va in zip(ids, ("T2A-1", "T2A-2"), strict=True):
        board.goto(f"/tally/record/{record_id}")
        board.get_by_role("button", name="Xác nhận phiên bản 1").click()
        # Then on to the next record waiting (issue #20).
        expect(board.locator(".flash")).to_contain_text(
            f"Đã xác nhận biên bản {va} · HĐND cấp tỉnh/thành phố."
        )

    board.goto("/results/unit/TP2")
    expect(board.locator("#cert-title + p")).to_have_text("Chưa xác nhận.")
    board.get_by_role("link", name="Xem và xác nhận kết quả vòng 1").click()
    expect(board.locator("h1")).to_have_text("Xác nhận kết quả vòng 1 — Đơn vị bầu cử số 2")
    digest = board.locator("code.digest").inner_text()
    assert len(digest) == 64
    board.get_by_label("Những người ký (Ban bầu cử / Ủy ban bầu cử)").fill(
        "Nguyễn Văn Hải (Trưởng ban), Trần Thị Lan (Phó Trưởng ban)"
    )
    browsing.shoot(board, "certify")
    board.get_by_role("button", name="Xác nhận kết quả vòng 1").click()
    expect(board.locator(".flash")).to_contain_text("Đã xác nhận kết quả vòng 1 của TP2.")
    expect(board.locator("section.certification code.digest")).to_have_text(digest)

    public = browsing.open()
    public.goto("/public?contest=HDND_TINH")
    row = public.locator("table.public-units tbody tr").filter(has_text="Đơn vị bầu cử số 2")
    expect(row.locator(".status")).to_have_text("Đã xác nhận")
    expect(row.locator("ol.winners li").first).to_contain_text("Nguyễn Văn An")
    browsing.shoot(public, "public")

    board.goto(f"/tally/record/{ids[1]}")
    board.get_by_label("Lý do trả lại cho Tổ bầu cử").fill("Chữ ký của thư ký bị thiếu")
    board.get_by_role("button", name="Trả lại biên bản").click()
    banner = board.locator(".banner-reopened")
    expect(banner).to_contain_text("Có 1 xác nhận kết quả đã bị mở lại do có thay đổi")
    expect(banner).to_contain_text("Chữ ký của thư ký bị thiếu")
    board.get_by_role("link", name="Xem danh sách").click()
    expect(board.locator("#reopened-title")).to_have_text("Bị mở lại do có thay đổi (1)")
    browsing.shoot(board, "certifications")
    public.reload()
    expect(row.locator(".status")).to_have_text("Đang tổng hợp")
    expect(public.locator(".public-changes").first).to_contain_text("mở lại do trả lại biên bản")
