"""A reviewer of the whole city pages through more than 2.000 records and filters them; verify
lands on the next record of the filtered queue (issue #20, CONTRACT §6.6).

The city demo filled to 30 % gives 2.396 submitted records; the reviewer's scope is the city.
"""

from __future__ import annotations

import re
import secrets

import pytest
from sqlalchemy import text

from election import migrate
from election.db import make_engine, make_sessionmaker
from election.domain.numbers import fmt_int
from election.services.identity import secretbox, users
from election.services.setup import demo
from tests.e2e.conftest import PASSWORD, expect, serve, watched

FILL = 30
PER_PAGE = 50
# The same count, straight from the tables: the current version of each submitted record,
# its voting area and contest, as the queue should find them.
COUNT = """
SELECT count(*) FROM tally_record r
JOIN voting_area va ON va.id = r.voting_area_id
JOIN contest c ON c.id = r.contest_id
WHERE r.status = 'submitted' AND c.code LIKE :contest AND va.code LIKE :voting_area
"""


@pytest.fixture(scope="module")
def city(chromium, tmp_path_factory):
    """A server over the city demo filled to 30 %, with a reviewer of the whole city."""
    home = tmp_path_factory.mktemp("e2e-city")
    url = f"sqlite:///{home / 'city.db'}"
    migrate.upgrade(url)
    secret_key = secrets.token_hex(32)
    engine = make_engine(url)
    try:
        info = {secretbox.INFO_KEY: secretbox.derive_key(secret_key)}
        with make_sessionmaker(engine, info)() as session:
            demo.load(session, "city", fill=FILL, roll_voting_areas=[])
            users.create_user(session, "reviewer", "reviewer", "HP", PASSWORD)
    finally:
        engine.dispose()
    with serve(home, url, secret_key, {}) as running:
        yield running


@pytest.fixture
def city_browsing(chromium, city):
    with watched(chromium, city) as session:
        yield session


def _count(city, contest="%", voting_area="%") -> int:
    engine = make_engine(city.database_url)
    try:
        with engine.connect() as connection:
            params = {"contest": contest, "voting_area": voting_area}
            return connection.execute(text(COUNT), params).scalar_one()
    finally:
        engine.dispose()


def _ids(page) -> list[int]:
    hrefs = page.locator("table.queue tbody td[data-label='Biên bản'] a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    return [int(re.match(r"/tally/record/(\d+)", h).group(1)) for h in hrefs]


def test_a_reviewer_pages_through_every_record_and_filters(city_browsing, city):
    waiting = _count(city)
    assert waiting > 2000
    pages = -(-waiting // PER_PAGE)
    page = city_browsing.open("reviewer")
    page.goto("/review")
    expect(page.locator("#waiting")).to_have_text(
        f"Trong phạm vi của bạn có {fmt_int(waiting)} biên bản đang chờ xác nhận."
    )
    expect(page.locator("#queue-caption")).to_have_text(
        f"Đã nộp, chờ xác nhận: {fmt_int(waiting)} biên bản · hiển thị 1–50"
    )
    city_browsing.shoot(page, "review-queue", full_page=False)

    # Every page, by its "next" link: each record once, none left out.
    seen: list[int] = []
    for number in range(1, pages + 1):
        expect(page.locator(".pager span")).to_have_text(f"Trang {number}/{pages}")
        seen += _ids(page)
        if number < pages:
            page.get_by_role("link", name="Trang sau ›").click()
    assert len(seen) == len(set(seen)) == waiting
    expect(page.locator("#queue-caption")).to_have_text(
        f"Đã nộp, chờ xác nhận: {fmt_int(waiting)} biên bản · "
        f"hiển thị {fmt_int((pages - 1) * PER_PAGE + 1)}–{fmt_int(waiting)}"
    )

    # Filters: the QH records of district HP03 (voting areas HP03-…), then a ward's by code.
    page.get_by_label("Cấp bầu cử").select_option("QH")
    page.get_by_label("Phường, xã, quận, huyện").select_option("HP03")
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url(re.compile(r".*/review\?status=submitted&contest=QH&area=HP03.*"))
    in_district = _count(city, "QH", "HP03-%")
    expect(page.locator("#queue-caption")).to_contain_text(f": {fmt_int(in_district)} biên bản")
    first, second = _ids(page)[:2]
    page.get_by_label("Tìm khu vực bỏ phiếu (mã hoặc tên)").fill("HP03-02-")
    page.get_by_role("button", name="Lọc").click()
    in_ward = _count(city, "QH", "HP03-02-%")
    assert 0 < in_ward < in_district
    expect(page.locator("#queue-caption")).to_contain_text(f": {fmt_int(in_ward)} biên bản")
    assert len(_ids(page)) == min(in_ward, PER_PAGE)

    # Verify the district's first QH record: the next one under the same filters opens.
    page.goto("/review?status=submitted&contest=QH&area=HP03")
    page.locator(f"a[href^='/tally/record/{first}?']").click()
    expect(page.locator(".decide")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Xác nhận phiên bản")).click()
    page.wait_for_url(f"**/tally/record/{second}?status=submitted&contest=QH&area=HP03")
    expect(page.locator(".flash")).to_contain_text("Đây là biên bản tiếp theo trong danh sách.")
    page.get_by_role("link", name="Biên bản cần kiểm tra").click()
    expect(page.locator("#waiting")).to_contain_text(f"có {fmt_int(waiting - 1)} biên bản")
    expect(page.locator("#queue-caption")).to_contain_text(f": {fmt_int(in_district - 1)} biên bản")
