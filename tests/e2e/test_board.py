"""The board watches the city overview update by itself, then drills down to a voting area.

District T2 (Huyện Hai) has one ward, T2A (Xã Đồng Thái), with two voting areas. QH records:
T2A-2: roll 1.500, voted 1.350, invalid 27, valid 1.323 (98,00%); votes 1.323, 661, 441, 7, 0.
T2A-1: roll 1.400, voted 1.260, invalid 25, valid 1.235; votes 1.235, 617, 411, 7, 0.
Both: roll 2.900, voted 2.610 (90,00%), valid 2.558 (98,01%), invalid 52 (1,99%).
"""

from __future__ import annotations

import re
import time

from tests.e2e.conftest import expect, qh_body, texts

FIGURES = (
    "voters_on_roll",
    "voters_voted",
    "turnout_pct",
    "ballots_issued",
    "ballots_received",
    "ballots_valid",
    "valid_pct",
    "ballots_invalid",
    "invalid_pct",
)


def _row(page, code: str) -> dict[str, str]:
    row = page.locator(f'tr[data-code="{code}"]')
    return {name: row.locator(f'[data-field="{name}"]').inner_text() for name in FIGURES}


def test_the_city_overview_shows_a_new_record_within_5_seconds_and_drills_down(browsing, server):
    second = server.submit(qh_body("T2A-2", 1500))
    page = browsing.open("board")
    expect(page.locator("h1")).to_have_text("Ủy ban bầu cử thành phố")
    page.get_by_role("link", name="Kết quả bầu cử", exact=True).click()
    page.wait_for_url("/results")
    expect(page.locator("h1")).to_have_text("Kết quả bầu cử — Thành phố Thử")
    expect(page.locator('.tabs a[aria-current="page"]')).to_have_text("Quốc hội")
    t2 = page.locator('tr[data-code="T2"]')
    expect(t2.locator('[data-field="reported"]')).to_have_text("1/2")
    assert _row(page, "T2") == {
        # One of T2's two voting areas has reported: its roll, beside the whole roll.
        "voters_on_roll": "1.500 (của 1/2 khu vực đã báo cáo; cả danh sách 2.900)",
        "voters_voted": "1.350",
        "turnout_pct": "90,00%",
        "ballots_issued": "1.350",
        "ballots_received": "1.350",
        "ballots_valid": "1.323",
        "valid_pct": "98,00%",
        "ballots_invalid": "27",
        "invalid_pct": "2,00%",
    }
    city = page.locator("[data-figures] .progress-text[data-field='reported']")
    before = int(re.fullmatch(r"(\d+)/6", city.inner_text()).group(1))
    page.evaluate("() => { window.e2eSamePage = true; }")

    first = server.submit(qh_body("T2A-1", 1400))
    submitted = time.monotonic()
    expect(t2.locator('[data-field="reported"]')).to_have_text("2/2", timeout=5000)
    assert time.monotonic() - submitted < 5
    expect(city).to_have_text(f"{before + 1}/6")
    assert _row(page, "T2") == {
        "voters_on_roll": "2.900",
        "voters_voted": "2.610",
        "turnout_pct": "90,00%",
        "ballots_issued": "2.610",
        "ballots_received": "2.610",
        "ballots_valid": "2.558",
        "valid_pct": "98,01%",
        "ballots_invalid": "52",
        "invalid_pct": "1,99%",
    }
    assert page.evaluate("() => window.e2eSamePage === true")  # updated in place, no reload
    expect(page.locator("[data-updated]")).to_have_text(
        re.compile(r"Cập nhật lúc \d\d:\d\d:\d\d ngày \d\d/\d\d/\d{4}")
    )
    browsing.shoot(page, "results-city")

    page.get_by_role("link", name="Huyện Hai").click()
    expect(page.locator("h1")).to_have_text("Kết quả bầu cử — Huyện Hai")
    page.get_by_role("link", name="Xã Đồng Thái").click()
    expect(page.locator("h1")).to_have_text("Kết quả bầu cử — Xã Đồng Thái")
    assert texts(page.locator("nav.crumbs li")) == ["Thành phố Thử", "Huyện Hai", "Xã Đồng Thái"]
    expect(page.locator("[data-missing-count]")).to_have_text("0")
    expect(page.locator("[data-missing-none]")).to_have_text(
        "Tất cả khu vực bỏ phiếu đã gửi biên bản."
    )
    for code, receipt in (("T2A-1", first), ("T2A-2", second)):
        status = page.locator(f'tr[data-code="{code}"] [data-status] a')
        expect(status).to_have_text("Đã nộp")
        expect(status).to_have_attribute("href", f"/tally/record/{receipt['id']}")
    assert texts(page.locator("[data-candidates] [data-field=votes]")) == [
        "2.558",
        "1.278",
        "852",
        "14",
        "0",
    ]
    assert texts(page.locator("[data-candidates] .share-text")) == [
        "100,00%",
        "49,96%",
        "33,31%",
        "0,55%",
        "0,00%",
    ]
    browsing.shoot(page, "results-ward")

    page.locator('tr[data-code="T2A-1"] th a').click()
    expect(page.locator("h1")).to_have_text("Kết quả bầu cử — Khu vực bỏ phiếu số 1")
    assert texts(page.locator("nav.crumbs li")) == [
        "Thành phố Thử",
        "Huyện Hai",
        "Xã Đồng Thái",
        "Khu vực bỏ phiếu số 1",
    ]
    expect(page.locator("[data-figures] [data-field=voters_on_roll]")).to_have_text("1.400")
    expect(page.get_by_role("link", name=f"Đã nộp — xem biên bản số {first['id']}")).to_be_visible()
    assert texts(page.locator("[data-candidates] [data-field=votes]")) == [
        "1.235",
        "617",
        "411",
        "7",
        "0",
    ]
