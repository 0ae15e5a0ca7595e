"""The board's pages (issue #20 item 5): the roll of a partial total, voting areas without a
record, returned records marked where counted, the law's order of contests.

After ``three`` (QH records of T1A-1, T1A-2, T1B-1, records 1–3): rolls from tests/factories.py
are 1.000, 1.100, 1.200, 1.300 in district T1 (T1A-1, T1A-2, T1B-1, T1B-2) and 1.400, 1.500 in
T2 (T2A-1, T2A-2); so T1 has 3.300 of 4.600 reported and unit QH1 3.300 of 7.500.
"""

from __future__ import annotations

import dataclasses
import re

from election.services.audit.chain import Actor
from election.services.identity import users
from election.services.setup.setup import store_setup
from tests.api.conftest import PASSWORD
from tests.api.test_web_board import _field, _page, three  # noqa: F401 (a fixture)
from tests.factories import small_setup


def _return_first_record(client, logins) -> None:
    """The reviewer of T1 returns T1A-1's QH record (record 1)."""
    response = client.post(
        "/api/v1/tallies/1/return",
        json={"reason": "Số phiếu chưa khớp", "expected_version": 1},
        headers=logins.headers("reviewer"),
    )
    assert response.status_code == 200


def test_a_partial_total_names_its_reported_areas_and_the_full_roll(client, three):  # noqa: F811
    html = _page(client, "board", "/results/unit/QH1")
    assert _field(html, "voters_on_roll")[0] == (
        "3.300 (của 3/6 khu vực đã báo cáo; cả danh sách 7.500)"
    )
    city = _page(client, "board", "/results?contest=QH")
    # City, then T1 (3 of 4) and T2 (none of 2: 0 reported of a roll of 2.900).
    assert _field(city, "voters_on_roll") == [
        "3.300 (của 3/6 khu vực đã báo cáo; cả danh sách 7.500)",
        "3.300 (của 3/4 khu vực đã báo cáo; cả danh sách 4.600)",
        "0 (của 0/2 khu vực đã báo cáo; cả danh sách 2.900)",
    ]


def test_a_voting_area_without_a_record_shows_its_roll_and_not_yet(client, three):  # noqa: F811
    html = _page(client, "board", "/results/T1B?contest=QH")
    row = re.search(r'<tr data-code="T1B-2".*?</tr>', html, re.S).group(0)
    assert _field(row, "voters_on_roll") == ["1.300"]
    assert _field(row, "voters_voted") == ["chưa có"]
    assert _field(row, "ballots_valid") == ["chưa có"]
    assert _field(row, "turnout_pct") == ["chưa có"]
    own = _page(client, "board", "/results/T1B-2?contest=QH")
    assert _field(own, "voters_on_roll")[0] == "1.300"
    assert _field(own, "ballots_valid")[0] == "chưa có"


def test_returned_records_are_marked_wherever_they_are_counted(client, three):  # noqa: F811
    _return_first_record(client, three)
    ward = _page(client, "board", "/results/T1A?contest=QH")
    row = re.search(r'<tr data-code="T1A-1"[^>]*>', ward).group(0)
    assert 'class="row-returned"' in row
    assert _field(ward, "returned")[:2] == ["1 bị trả lại", "1 bị trả lại"]  # summary, T1A-1
    district = _page(client, "board", "/results/T1?contest=QH")
    assert _field(district, "returned") == ["1 bị trả lại", "1 bị trả lại", ""]  # T1, T1A, T1B
    assert re.search(r'<tr data-code="T1A" class="row-returned">', district)
    assert _field(_page(client, "board", "/results/unit/QH1"), "returned")[0] == "1 bị trả lại"
    assert _field(_page(client, "board", "/results/T1B-1?contest=QH"), "returned") == [""]


def test_contests_are_listed_in_the_laws_order_whatever_the_setup_order(app, client):
    setup = small_setup()
    setup = dataclasses.replace(setup, contests=list(reversed(setup.contests)))
    with app.extensions["election.sessions"]() as session:
        store_setup(session, setup, Actor(None, "system"))
        users.create_user(session, "board", "board", None, PASSWORD)
    home = _page(client, "board", "/")
    voters = re.findall(r"<th scope=\"row\">Cử tri — ([^<]*)</th>", home)
    assert voters == ["Quốc hội", "HĐND cấp tỉnh/thành phố", "HĐND cấp huyện", "HĐND cấp xã"]
    results = _page(client, "board", "/results")
    tabs = re.findall(r'<li><a href="/results\?contest=([A-Z_]+)"', results)
    assert tabs == ["QH", "HDND_TINH", "HDND_HUYEN", "HDND_XA"]
    assert 'href="/results?contest=QH" aria-current="page"' in results  # QH by default
