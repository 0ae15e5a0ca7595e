"""The officer's phone (issue #20 item 4), on a 390 × 844 touch screen.

Voting area T1A-1 has 993 voters on the HĐND xã, phường roll (unit XA1: 3 of 5 candidates) and
1.000 on the QH and HĐND thành phố rolls. This module writes T1A-1's HDND_XA record and its
turnout reports at 11:00.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from election.db import make_engine, make_sessionmaker
from election.models import User
from election.services import tallies
from tests.e2e.conftest import RECEIPT_CODE, expect, qh_body, texts

SUM_RULE = "Số phiếu hợp lệ (880) + số phiếu không hợp lệ (21) phải bằng số phiếu thu vào (900)"
ROLL_RULE = "Số cử tri đã tham gia bỏ phiếu (1.180) không được lớn hơn tổng số cử tri (993)"
WIDTH = "() => document.scrollingElement.scrollWidth"


def _field(page, name: str):
    return page.locator(f'[id="f-{name}"]')


def _retype(page, name: str, value: str) -> None:
    """Tap a field and type, as a thumb does: no select-all first."""
    _field(page, name).tap()
    page.keyboard.type(value)


def _messages(page, name: str) -> list[str]:
    return texts(page.locator(f'[id="err-{name}"] .field-error'))


def _fits(page) -> None:
    """The page does not scroll sideways on the 390-px screen."""
    assert page.evaluate(WIDTH) <= 390, page.url


def _returned_by_the_reviewer(server, record_id: int) -> None:
    """The reviewer of T1 sends the record back (through the service: the reviewer's pages
    are another test's)."""
    engine = make_engine(server.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            reviewer = session.scalars(select(User).where(User.username == "reviewer")).one()
            tallies.return_(session, reviewer, record_id, "Thiếu chữ ký của Tổ trưởng", 1)
    finally:
        engine.dispose()


def test_an_officer_enters_corrects_submits_and_back_shows_the_receipt(browsing, server):
    page = browsing.open("officer", phone=True)
    browsing.allow(r"status of 422")  # the record with the mistake, as the test asks
    _fits(page)
    page.locator('a[href="/tally/T1A-1/HDND_XA"]').tap()
    page.wait_for_url("/tally/T1A-1/HDND_XA")
    _fits(page)

    # The roll figure is prefilled and selected on focus: typing replaces it.
    expect(_field(page, "voters_on_roll")).to_have_value("993")
    _retype(page, "voters_on_roll", "993")
    expect(_field(page, "voters_on_roll")).to_have_value("993")

    # A count is shown as Vietnamese write it once the field is left; a rule of two fields
    # has one message, under the lower one, and both fields are marked.
    _retype(page, "voters_voted", "1180")
    expect(_field(page, "voters_voted")).to_have_value("1180")
    _field(page, "ballots_issued").tap()
    expect(_field(page, "voters_voted")).to_have_value("1.180")
    assert _messages(page, "voters_voted") == [ROLL_RULE]
    assert _messages(page, "voters_on_roll") == []
    expect(_field(page, "voters_on_roll")).to_have_attribute("aria-invalid", "true")
    _retype(page, "voters_voted", "900")  # selected on focus: replaces "1.180"
    expect(_field(page, "voters_voted")).to_have_value("900")
    assert _messages(page, "voters_voted") == []

    for name, value in (
        ("ballots_issued", "900"),
        ("ballots_received", "900"),
        ("ballots_valid", "880"),
        ("ballots_invalid", "21"),
        *((f"votes.XA1-{n}", v) for n, v in enumerate(("700", "600", "500", "400", "300"), 1)),
    ):
        _retype(page, name, value)
    assert page.locator(".field-error", has_text=SUM_RULE).count() == 1
    assert _messages(page, "ballots_invalid") == [SUM_RULE]
    for name in ("ballots_valid", "ballots_received"):
        expect(_field(page, name)).to_have_attribute("aria-invalid", "true")
    _fits(page)
    browsing.shoot(page, "tally-entry-phone")

    # Sent anyway: the server says it once in the summary and once beside the fields.
    page.get_by_role("button", name="Kiểm tra và xem lại").tap()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    assert texts(summary.locator("li")) == [SUM_RULE]
    assert page.locator(".field-error", has_text=SUM_RULE).count() == 1
    _retype(page, "ballots_invalid", "20")
    assert _messages(page, "ballots_invalid") == []
    page.get_by_role("button", name="Kiểm tra và xem lại").tap()

    page.wait_for_url("/tally/T1A-1/HDND_XA/review")  # a GET, after the server's 303
    expect(page.locator("h1")).to_have_text("Xem lại biên bản — Đại biểu HĐND xã, phường")
    _fits(page)
    page.get_by_role("button", name="Nộp biên bản").tap()

    page.wait_for_url(re.compile(r"/tally/record/\d+$"))
    receipt_url = page.url
    receipt = page.locator(".receipt")
    expect(receipt.locator(".receipt-code")).to_have_text(RECEIPT_CODE)
    # The receipt's own figures, in the paper's order, inside the screen.
    figures = receipt.locator(".paper-fields dd")
    assert texts(figures)[:6] == ["993", "900", "900", "900", "880", "20"]
    box = receipt.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    _fits(page)
    browsing.shoot(page, "tally-receipt-phone")

    # Back: the review page is asked for again and leads to the receipt, not to the
    # browser's question about sending the form again.
    page.go_back()
    page.wait_for_url(receipt_url)
    expect(page.locator("h1")).to_contain_text(
        "Biên bản kết quả kiểm phiếu — Khu vực bỏ phiếu số 1 (T1A-1) · "
    )
    expect(page.locator(".receipt .receipt-code")).to_have_text(RECEIPT_CODE)

    page.goto("/")
    card = page.locator(".contest-card").filter(has_text="Đại biểu HĐND xã, phường")
    expect(card.locator(".status")).to_have_text("Đã nộp")

    # Returned, it comes first on the home page, marked, with the way to correct it.
    _returned_by_the_reviewer(server, int(receipt_url.rsplit("/", 1)[1]))
    page.reload()
    first = page.locator(".contest-card").first
    expect(first).to_have_class("contest-card is-returned")
    expect(first.locator("h3")).to_have_text("Đại biểu HĐND xã, phường")
    expect(first.locator(".status")).to_have_text("Bị trả lại")
    expect(first.get_by_role("link")).to_have_text(
        "Xem lý do và sửa biên bản — Đại biểu HĐND xã, phường"
    )
    _fits(page)
    browsing.shoot(page, "officer-home-phone")


def test_the_turnout_page_reports_every_contest_in_one_step_on_a_phone(browsing):
    page = browsing.open("officer", phone=True)
    page.goto("/turnout/report")
    _fits(page)
    labels = texts(page.locator(".turnout-form .part label"))
    assert [label.split("\n")[0] for label in labels] == [
        "Đại biểu Quốc hội khóa XV",
        "Đại biểu HĐND thành phố",
        "Đại biểu HĐND quận, huyện",
        "Đại biểu HĐND xã, phường",
    ]
    page.get_by_label("Mốc giờ báo cáo").select_option("11:00")
    # Counts read as everywhere else once left: 1000 → 1.000 (then emptied: not reported).
    city = page.get_by_label("Đại biểu HĐND thành phố")
    city.fill("1000")
    city.press("Tab")
    expect(city).to_have_value("1.000")
    city.fill("")
    page.get_by_label("Đại biểu Quốc hội khóa XV").fill("300")
    page.get_by_label("Đại biểu HĐND xã, phường").fill("290")
    page.get_by_role("button", name="Gửi báo cáo").tap()
    expect(page.locator(".flash")).to_have_text(
        "Đã ghi nhận báo cáo lúc 11:00: Đại biểu Quốc hội khóa XV: 300; "
        "Đại biểu HĐND xã, phường: 290."
    )
    expect(page.locator('[id="hint-voters_voted.QH"]')).to_have_text(
        "Danh sách: 1.000 cử tri · đã báo 11:00: 300"
    )
    expect(page.locator('[id="hint-voters_voted.HDND_TINH"]')).to_have_text(
        "Danh sách: 1.000 cử tri · chưa báo cáo"
    )
    _fits(page)
    browsing.shoot(page, "turnout-report-phone")


def test_the_board_reads_a_partly_reported_ward_on_a_phone(browsing, server):
    # HĐND quận, huyện in ward T1A: T1A-2 (roll 1.093) reports and is returned; T1A-1 (993)
    # has not reported. So 1.093 of a roll of 2.086 is in, and one record is returned.
    body = qh_body("T1A-2", 1093, contest="HDND_HUYEN")
    body["votes"] = {code.replace("QH1", "Q1"): n for code, n in body["votes"].items()}
    _returned_by_the_reviewer(server, server.submit(body)["id"])
    page = browsing.open("board", phone=True)
    page.goto("/results/T1A?contest=HDND_HUYEN")
    _fits(page)
    expect(page.locator("[data-figures] [data-field=voters_on_roll]")).to_have_text(
        "1.093 (của 1/2 khu vực đã báo cáo; cả danh sách 2.086)"
    )
    expect(page.locator("[data-figures] [data-field=returned]")).to_have_text("1 bị trả lại")
    waiting = page.locator('tr[data-code="T1A-1"]')
    expect(waiting.locator("[data-field=voters_on_roll]")).to_have_text("993")
    expect(waiting.locator("[data-field=voters_voted]")).to_have_text("chưa có")
    returned = page.locator('tr[data-code="T1A-2"]')
    expect(returned).to_have_class("row-returned")
    expect(returned.locator("[data-field=returned]")).to_have_text("1 bị trả lại")
    expect(returned.locator("[data-field=voters_voted]")).to_have_text("983")
    # The table scrolls inside its frame; the voting area's name stays where it was.
    name = returned.locator("th")
    before = name.bounding_box()["x"]
    frame = page.locator('section[aria-labelledby="children-title"] .scroll')
    frame.evaluate("(frame) => { frame.scrollLeft = 400; }")
    assert frame.evaluate("(frame) => frame.scrollLeft") > 0
    assert abs(name.bounding_box()["x"] - before) < 1
    frame.evaluate("(frame) => { frame.scrollLeft = 0; }")
    _fits(page)
    browsing.shoot(page, "results-ward-phone")


def test_a_focused_count_is_selected_once_and_then_edited_where_clicked(browsing):
    # Nothing is sent: T1A-1's HĐND quận, huyện entry form (roll 993) only.
    page = browsing.open("officer")
    page.goto("/tally/T1A-1/HDND_HUYEN")
    roll = _field(page, "voters_on_roll")
    selection = "(input) => [input.selectionStart, input.selectionEnd]"
    roll.click()
    assert roll.evaluate(selection) == [0, 3]
    page.keyboard.type("1000")
    page.keyboard.press("Tab")
    expect(roll).to_have_value("1.000")
    page.keyboard.press("Shift+Tab")  # by keyboard too: the whole figure, ready to replace
    assert roll.evaluate(selection) == [0, 5]
    # A click inside the field that already has the focus puts the caret there.
    roll.click(position={"x": 5, "y": 5})
    start, end = roll.evaluate(selection)
    assert start == end
