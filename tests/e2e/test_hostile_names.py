"""A candidate named ``<img src=x onerror=alert(1)>`` (and a comment saying the same) is shown
as text on every page; no element is made of it and no dialog opens (the fixture fails on one).

T1B-2's QH record: roll 1.300, voted 1.170, invalid 23, valid 1.147; votes 1.147, 573, 382, 7, 0.
"""

from __future__ import annotations

from tests.e2e.conftest import HOSTILE, expect, qh_body, texts


def _no_markup_from_names(page) -> None:
    assert page.locator("img").count() == 0
    assert page.locator("[onerror]").count() == 0


def test_a_hostile_candidate_name_and_comment_show_as_text(browsing, server):
    record = server.submit(qh_body("T1B-2", 1300, comment=HOSTILE))["id"]
    page = browsing.open("board")

    page.goto("/results/unit/QH1")
    expect(page.locator("h1")).to_have_text("Đơn vị bầu cử số 1 — Đại biểu Quốc hội khóa XV")
    expect(page.locator('tr[data-cand="QH1-5"] th')).to_have_text(HOSTILE)
    assert texts(page.locator("table.candidates tbody th"))[-1] == HOSTILE
    _no_markup_from_names(page)
    browsing.shoot(page, "results-unit")

    page.goto("/results/T1B?contest=QH")
    expect(page.locator("h1")).to_have_text("Kết quả bầu cử — Phường Cát Dài")
    expect(page.locator('[data-candidates] tr[data-cand="QH1-5"] th')).to_have_text(HOSTILE)
    _no_markup_from_names(page)

    page.goto(f"/tally/record/{record}")
    expect(page.locator("table.versions tbody th").filter(has_text=HOSTILE)).to_have_text(
        f"5. {HOSTILE}"
    )
    comment = page.locator("table.versions tbody tr").filter(
        has=page.locator("th", has_text="Ghi chú")
    )
    expect(comment.locator("td")).to_have_text(HOSTILE)
    _no_markup_from_names(page)

    page.goto("/audit?action=tally.submit")
    expect(page.locator("h1")).to_have_text("Nhật ký hệ thống")
    event = page.locator("table.audit tbody tr").filter(has_text="Biên bản T1B-2 · Quốc hội")
    expect(event.locator('[data-label="Sau"]')).to_contain_text(f"Ghi chú: {HOSTILE};")
    _no_markup_from_names(page)
