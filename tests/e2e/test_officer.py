"""A polling team enters a count record with the keyboard alone: Tab, typing and Enter.

Voting area T1A-1 has 1.000 voters on the QH roll; its unit QH1 elects 3 of 5 candidates, the
fifth named ``<img src=x onerror=alert(1)>``.
"""

from __future__ import annotations

import re

from tests.e2e.conftest import HOSTILE, PASSWORD, RECEIPT_CODE, expect, tab_to, texts

# 880 valid + 21 invalid ballots are not the 900 received: a hard rule, on three fields.
SUM_RULE = "Số phiếu hợp lệ (880) + số phiếu không hợp lệ (21) phải bằng số phiếu thu vào (900)"
SUM_FIELDS = ("ballots_valid", "ballots_invalid", "ballots_received")


def _type(page, value: str) -> None:
    page.keyboard.press("Control+A")
    page.keyboard.type(value)


def _messages(page, field: str) -> list[str]:
    return texts(page.locator(f'[id="err-{field}"] .field-error'))


def test_an_officer_enters_a_record_with_a_mistake_fixes_it_and_gets_a_receipt(browsing, server):
    page = browsing.open()
    # The 422 answer to the record with the mistake is what the test asks for.
    browsing.allow(r"status of 422")
    page.goto("/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")
    browsing.shoot(page, "login", full_page=False)

    # The name field has the focus on arrival.
    page.keyboard.type("officer")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("/")
    expect(page.locator("h1")).to_have_text("Tổ bầu cử — Khu vực bỏ phiếu số 1")

    tab_to(page, 'a[href="/tally/T1A-1/QH"]')
    page.keyboard.press("Enter")
    page.wait_for_url("/tally/T1A-1/QH")
    expect(page.locator("h1")).to_have_text(
        "Biên bản kết quả kiểm phiếu — Đại biểu Quốc hội khóa XV"
    )
    expect(page.get_by_label("1. Tổng số cử tri")).to_have_value("1.000")  # from the roll
    hostile = page.locator('label[for="f-votes.QH1-5"]')
    expect(hostile).to_contain_text(f"5. {HOSTILE}")

    # Figures 2 to 6, then the five candidates, one field after the other.
    tab_to(page, "#f-voters_voted")
    for value in ("900", "900", "900", "880", "21", "700", "600", "500", "400", "300"):
        _type(page, value)
        if value != "300":
            page.keyboard.press("Tab")
    # Checked while typing, before anything is sent: the rule's message once, under the
    # lowest of its fields, which are all marked.
    assert [_messages(page, field) for field in SUM_FIELDS] == [[], [SUM_RULE], []]
    for field in SUM_FIELDS:
        expect(page.locator(f'[id="f-{field}"]')).to_have_attribute("aria-invalid", "true")
    assert _messages(page, "voters_voted") == []
    expect(page.locator("#votes-total")).to_have_text("2.500")
    browsing.shoot(page, "tally-entry")

    page.keyboard.press("Enter")  # submits the form from its last field
    page.wait_for_url("/tally/T1A-1/QH/review")
    summary = page.locator("#error-summary")
    expect(summary.locator("h2")).to_have_text("Biên bản chưa được lưu")
    assert texts(summary.locator("li")) == [SUM_RULE]
    expect(summary).to_be_focused()
    assert [_messages(page, field) for field in SUM_FIELDS] == [[], [SUM_RULE], []]
    expect(page.get_by_label("6. Số phiếu không hợp lệ")).to_have_value("21")  # as typed

    # The summary's link puts the cursor in the first field of the rule.
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text(SUM_RULE)
    page.keyboard.press("Enter")
    expect(page.locator('[id="f-ballots_valid"]')).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator('[id="f-ballots_invalid"]')).to_be_focused()
    _type(page, "20")
    for field in SUM_FIELDS:
        assert _messages(page, field) == []
    page.keyboard.press("Enter")

    page.wait_for_url("/tally/T1A-1/QH/review")
    expect(page.locator("h1")).to_have_text("Xem lại biên bản — Đại biểu Quốc hội khóa XV")
    rows = page.locator("table.paper tbody tr:not(.group)")
    assert [r.split("\t") for r in texts(rows)][:11] == [
        ["1. Tổng số cử tri", "1.000"],
        ["2. Số cử tri đã tham gia bỏ phiếu", "900"],
        ["3. Số phiếu phát ra", "900"],
        ["4. Số phiếu thu vào", "900"],
        ["5. Số phiếu hợp lệ", "880"],
        ["6. Số phiếu không hợp lệ", "20"],
        ["1. Nguyễn Văn An sinh ngày 11/01/1961", "700"],
        ["2. Trần Thị Bình sinh ngày 12/02/1962", "600"],
        ["3. Lê Văn Cường sinh ngày 13/03/1963", "500"],
        ["4. Phạm Thị Dung sinh ngày 14/04/1964", "400"],
        [f"5. {HOSTILE} sinh ngày 15/05/1965", "300"],
    ]
    expect(page.locator(".warnings")).to_contain_text("Không có cảnh báo.")
    browsing.shoot(page, "tally-review")

    tab_to(page, "form[data-once] button:not(.secondary)")
    expect(page.locator(":focus")).to_have_text("Nộp biên bản")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/tally/record/\d+$"))
    expect(page.locator(".flash")).to_have_text("Đã nộp biên bản, lưu thành phiên bản 1.")
    receipt = page.locator(".receipt")
    expect(receipt.locator(".status")).to_have_text("Đã nộp")
    expect(receipt.locator("dd").nth(1)).to_have_text("Phiên bản 1")
    expect(receipt.locator(".receipt-code")).to_have_text(RECEIPT_CODE)
    expect(receipt).to_contain_text("Không có cảnh báo.")
    assert page.locator("img").count() == 0  # the candidate's name stayed text
    browsing.shoot(page, "tally-receipt")

    page.goto("/")
    card = page.locator(".contest-card").filter(has_text="Đại biểu Quốc hội khóa XV")
    expect(card.locator(".status")).to_have_text("Đã nộp")
