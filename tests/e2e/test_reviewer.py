"""A district reviewer finds a record with a warning, returns it, compares the corrected version
with the first one and verifies it.

Voting area T1B-1 has 1.193 voters on the HDND_HUYEN roll; its unit Q1 elects 3 of 5 (Q1-1 … Q1-5).
"""

from __future__ import annotations

from tests.e2e.conftest import expect, texts

FIRST = {
    "voting_area": "T1B-1",
    "contest": "HDND_HUYEN",
    "voters_on_roll": 1193,
    "voters_voted": 1000,
    "ballots_issued": 1005,
    "ballots_received": 1005,
    "ballots_valid": 980,
    "ballots_invalid": 25,
    "votes": {"Q1-1": 800, "Q1-2": 700, "Q1-3": 600, "Q1-4": 300, "Q1-5": 200},
}
WARNING = "Số phiếu phát ra (1.005) khác số cử tri đã tham gia bỏ phiếu (1.000)"
RETURN_REASON = "Số phiếu phát ra chưa khớp biên bản giấy"
FIXED = {**FIRST, "ballots_issued": 1000, "ballots_received": 1000, "ballots_invalid": 20}
CORRECTION_REASON = "Đếm lại số phiếu phát ra và thu vào"


def _versions(page) -> dict[str, list[tuple[str, bool]]]:
    """The versions table: row heading → [(cell text, marked as changed), …]."""
    rows = page.locator("table.versions tbody tr:not(.group)").evaluate_all(
        """rows => rows.map(row => [
            row.querySelector("th").innerText.trim(),
            Array.from(row.querySelectorAll("td"), td => [
                td.innerText.replace("(đã thay đổi)", "").trim(),
                td.classList.contains("changed"),
            ]),
        ])"""
    )
    return {heading: [tuple(cell) for cell in cells] for heading, cells in rows}


def test_a_reviewer_returns_a_record_with_a_warning_compares_versions_and_verifies_it(
    browsing, server
):
    first = server.submit(FIRST)
    assert [w["message"] for w in first["warnings"]] == [WARNING]
    record = first["id"]

    page = browsing.open("reviewer")
    expect(page.locator("h1")).to_have_text("Kiểm tra biên bản — Quận Một")
    page.get_by_role("link", name="Biên bản cần kiểm tra").click()
    page.wait_for_url("/review")
    expect(page.locator("h1")).to_have_text("Biên bản kiểm phiếu trong phạm vi của bạn")
    expect(page.locator("#queue-caption")).to_contain_text("Đã nộp, chờ xác nhận: ")
    row = page.locator("table.queue tbody tr").filter(has_text=f"Biên bản số {record}")
    expect(row).to_have_class("has-warnings")
    assert texts(row.locator(".warn-item")) == [WARNING]
    expect(row.locator('[data-label="Khu vực bỏ phiếu"]')).to_contain_text(
        "Khu vực bỏ phiếu số 1 (T1B-1)"
    )
    expect(row.locator('[data-label="Cấp bầu cử"]')).to_have_text("HĐND cấp huyện")

    # A record is named by its voting area and contest (issue #20); its number is beside it.
    row.get_by_role("link", name="T1B-1 · HĐND cấp huyện").click()
    page.wait_for_url(f"/tally/record/{record}")
    expect(page.locator("h1")).to_have_text(
        "Biên bản kết quả kiểm phiếu — Khu vực bỏ phiếu số 1 (T1B-1) · Đại biểu HĐND quận, huyện"
    )
    assert texts(page.locator(".receipt .warn-list li")) == [WARNING]
    page.get_by_label("Lý do trả lại cho Tổ bầu cử").fill(RETURN_REASON)
    page.get_by_role("button", name="Trả lại biên bản").click()
    # On to the next record waiting in the district, or back to the queue when none is left.
    expect(page.locator(".flash")).to_contain_text(
        "Đã trả lại biên bản T1B-1 · HĐND cấp huyện cho Tổ bầu cử."
    )
    page.goto(f"/tally/record/{record}")
    expect(page.locator(".receipt .status")).to_have_text("Bị trả lại")

    # The polling team corrects it through the API.
    body = {**FIXED, "reason": CORRECTION_REASON, "expected_version": 1}
    status, reply = server.api("POST", f"/tallies/{record}/corrections", "T1B-1", body)
    assert (status, reply["version"], reply["warnings"]) == (201, 2, [])

    page.reload()
    expect(page.locator(".receipt .status")).to_have_text("Đã nộp")
    assert texts(page.locator("table.versions thead th")) == [
        "Nội dung",
        "Phiên bản 1",
        "Phiên bản 2 (hiện hành)",
    ]
    versions = _versions(page)
    assert versions["Lý do sửa"] == [("—", False), (CORRECTION_REASON, False)]
    assert versions["3. Số phiếu phát ra"] == [("1.005", False), ("1.000", True)]
    assert versions["4. Số phiếu thu vào"] == [("1.005", False), ("1.000", True)]
    assert versions["6. Số phiếu không hợp lệ"] == [("25", False), ("20", True)]
    assert versions["5. Số phiếu hợp lệ"] == [("980", False), ("980", False)]
    assert versions["Cảnh báo"] == [(WARNING, False), ("—", False)]
    assert page.locator("table.versions td.changed").count() == 3
    history = texts(page.locator(".history li"))
    assert [h.split(" · ")[1] for h in history] == [
        "Nộp biên bản (phiên bản 1)",
        "Trả lại (phiên bản 1)",
        "Sửa biên bản (phiên bản 2)",
    ]
    browsing.shoot(page, "tally-record-versions")

    page.get_by_role("button", name="Xác nhận phiên bản 2").click()
    expect(page.locator(".flash")).to_contain_text("Đã xác nhận biên bản T1B-1 · HĐND cấp huyện.")
    page.goto(f"/tally/record/{record}")
    expect(page.locator(".receipt .status")).to_have_text("Đã xác nhận")

    page.goto("/review")
    page.get_by_label("Trạng thái").select_option(label="Đã xác nhận")
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url("**/review?status=verified*")  # the other filters travel empty
    verified = page.locator("table.queue tbody tr").filter(has_text=f"Biên bản số {record}")
    expect(verified.locator(".status")).to_have_text("Đã xác nhận")
    expect(verified.locator('[data-label="Phiên bản"]')).to_have_text("2")
