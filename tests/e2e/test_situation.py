"""The board's page "Tình hình" in a browser: triage, flags and the as-of time picker."""

from __future__ import annotations

import datetime as dt

from election.domain.clock import VIETNAM_TIME
from tests.e2e.conftest import expect


def test_the_board_reads_the_situation_and_looks_back_in_time(browsing, server):
    page = browsing.open("board")
    page.get_by_role("link", name="Tình hình", exact=True).click()
    page.wait_for_url("**/situation")
    expect(page.locator("h1")).to_have_text("Tình hình")
    # HĐND of the city: unit TP1 (T1, 4 voting areas) and TP2 (T2A, 2), in triage order.
    page.get_by_role("link", name="HĐND cấp tỉnh/thành phố").click()
    rows = page.locator("#triage-table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#triage-table")).to_contain_text("cử tri đi bầu lên quá một nửa")
    expect(page.locator("#flags-title")).to_contain_text("Dấu hiệu bất thường")
    # The next whole minute (Chromium writes a datetime-local with :00 seconds without them,
    # and Playwright's fill then refuses the value it set): every event so far is before it.
    now = (dt.datetime.now(VIETNAM_TIME) + dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    page.locator("#at").fill(now)
    page.get_by_role("button", name="Xem").click()
    expect(page.locator("#asof-title + form + p.note")).to_contain_text(
        "Theo nhật ký đến sự kiện số"
    )
    expect(page.locator("#asof-table tbody tr")).to_have_count(2)
    browsing.shoot(page, "situation")


def test_a_results_page_at_a_chosen_time_stops_polling_and_comes_back(browsing, server):
    page = browsing.open("board")
    page.goto(f"{server.url}/results/unit/QH1")
    expect(page.locator(".board[data-live]")).to_have_count(1)
    page.locator("#as-of-at").fill("2000-01-01T00:00")
    page.get_by_role("button", name="Xem", exact=True).click()
    banner = page.locator("[data-as-of]")
    expect(banner).to_have_attribute("data-as-of", "0")  # before the first event of the chain
    expect(banner).to_contain_text("bắt đầu nhật ký")
    expect(page.locator(".board[data-live]")).to_have_count(0)
    expect(page.locator("#decision")).to_have_count(0)  # triage is about now
    page.get_by_role("link", name="Xem kết quả hiện tại").click()
    expect(page.locator(".board[data-live]")).to_have_count(1)
    expect(page.locator("[data-as-of]")).to_have_count(0)
