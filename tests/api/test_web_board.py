"""The board's results pages: figures worked out by hand from tests/factories.py.

After ``three`` (QH records of T1A-1, T1A-2, T1B-1, see test_results_api.py), district T1 has
3 of its 4 voting areas reported: roll 3.300, voted 2.970 (90,00%), valid 2.912 (98,05%),
invalid 58 (1,95%); QH1-1 2.912 (100,00%), QH1-2 1.455 (49,97%), QH1-3 970 (33,31%),
QH1-4 21 (0,72%), QH1-5 0 (0,00%).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from election.models import User
from election.services.audit.chain import Actor
from election.services.identity import users
from election.services.results import rounds
from election.services.setup.setup import store_setup
from election.web.board import updated_text
from tests.api.conftest import PASSWORD, THREE
from tests.api.conftest import tally_body as _body
from tests.factories import small_setup

NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em"]


def _login(client, username: str) -> None:
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    data = {"username": username, "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data).status_code == 302


def _officer_token(app, va: str) -> str:
    with app.extensions["election.sessions"]() as session:
        return users.create_user(
            session, f"to-{va.lower()}", "officer", va, "mat-khau-dai", token_label="cli"
        ).token


def _submit(app, client, va: str) -> None:
    headers = {"Authorization": f"Bearer {_officer_token(app, va)}"}
    assert client.post("/api/v1/tallies", json=_body(va), headers=headers).status_code == 201


@pytest.fixture
def three(app, client, logins):
    """QH records of three of district T1's four voting areas, each by its polling team."""
    for va in THREE:
        _submit(app, client, va)
    return logins


def _page(client, who: str, path: str) -> str:
    _login(client, who)
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def _field(html: str, name: str) -> list[str]:
    """The texts of every element marked data-field=name, in page order."""
    return re.findall(rf'data-field="{name}"[^>]*>([^<]*)<', html)


def test_the_district_page_shows_its_figures_in_vietnamese_format(client, three):
    html = _page(client, "board", "/results/T1?contest=QH")
    assert "<h1>Kết quả bầu cử — Quận Một</h1>" in html
    # The summary comes first, then one row per ward (T1A: 2/2 reported, T1B: 1/2). The roll
    # of the three reported voting areas is 1.000 + 1.100 + 1.200; all four add T1B-2's 1.300.
    assert _field(html, "voters_on_roll") == [
        "3.300 (của 3/4 khu vực đã báo cáo; cả danh sách 4.600)",
        "2.100",
        "1.200 (của 1/2 khu vực đã báo cáo; cả danh sách 2.500)",
    ]
    assert _field(html, "voters_voted")[0] == "2.970"
    assert _field(html, "turnout_pct")[0] == "90,00%"
    assert _field(html, "ballots_valid")[0] == "2.912"
    assert _field(html, "valid_pct")[0] == "98,05%"
    assert _field(html, "ballots_invalid")[0] == "58"
    assert _field(html, "invalid_pct")[0] == "1,95%"
    assert _field(html, "reported") == ["3/4", "2/2", "1/2"]
    assert '<progress id="summary-reported" data-progress="reported" max="4"' in html
    assert _field(html, "verified")[0] == "0/4"
    assert re.search(r"Cập nhật lúc \d\d:\d\d:\d\d ngày \d\d/\d\d/\d{4}", html)


def test_the_city_page_drills_down_to_its_districts(client, three):
    html = _page(client, "board", "/results")
    assert "<h1>Kết quả bầu cử — Thành phố Thử</h1>" in html
    assert '<a href="/results/T1?contest=QH">Quận Một</a>' in html
    assert '<a href="/results/T2?contest=QH">Huyện Hai</a>' in html
    assert _field(html, "reported") == ["3/6", "3/4", "0/2"]
    # Every contest of the election is a tab; QH is the current one.
    assert 'href="/results?contest=HDND_TINH"' in html
    assert 'href="/results?contest=QH" aria-current="page">Quốc hội</a>' in html


def test_the_area_page_lists_its_candidates_with_their_share(client, three):
    html = _page(client, "board", "/results/T1?contest=QH")
    assert _field(html, "votes") == ["2.912", "1.455", "970", "21", "0"]
    shares = re.findall(r'<span class="share-text">([^<]*)</span>', html)
    assert shares == ["100,00%", "49,97%", "33,31%", "0,72%", "0,00%"]
    assert '<span class="bar" aria-hidden="true"><span class="w-50"></span></span>' in html


def test_the_ward_page_marks_the_voting_area_without_a_record(client, three):
    html = _page(client, "board", "/results/T1B?contest=QH")
    assert '<span class="not-reported">Chưa có biên bản</span>' in html
    missing = re.search(r"<ul data-missing-list>(.*?)</ul>", html, re.S).group(1)
    assert re.findall(r"<li>([^<]*)</li>", missing) == ["Khu vực bỏ phiếu số 2 (T1B-2)"]
    assert "<span data-missing-count>1</span>" in html
    # The reported one links to its record (the third one submitted).
    assert '<a href="/tally/record/3">Đã nộp</a>' in html
    # City → district → ward.
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', html, re.S).group(0)
    assert re.findall(r">([^<>]+)</(?:a|li)>", crumbs) == [
        "Thành phố Thử",
        "Quận Một",
        "Phường Cát Dài",
    ]


def test_a_voting_area_page_links_to_its_record(client, three):
    html = _page(client, "board", "/results/T1A-2?contest=QH")
    assert "<h1>Kết quả bầu cử — Khu vực bỏ phiếu số 1</h1>" not in html
    assert "<h1>Kết quả bầu cử — Khu vực bỏ phiếu số 2</h1>" in html
    assert 'href="/tally/record/2"' in html
    assert _field(html, "voters_on_roll")[0] == "1.100"
    assert _field(html, "votes") == ["971", "485", "323", "7", "0"]


def test_the_unit_page_lists_candidates_in_ballot_order_with_the_outcome(client, three):
    html = _page(client, "board", "/results/unit/QH1")
    rows = re.findall(r'<th scope="row" data-sort="([^"]*)">', html)
    assert rows == NAMES
    assert _field(html, "votes") == ["2.912", "1.455", "970", "21", "0"]
    assert re.findall(r'<span class="share-text">([^<]*)</span>', html)[1] == "49,97%"
    # Three of six voting areas: the round is incomplete, so nobody is elected and nothing
    # is proposed; the three within the seats lead (issue #14: this page used to mark QH1-1
    # elected and propose an additional election on these partial data).
    first = re.search(r'<tr data-cand="QH1-1">.*?</tr>', html, re.S).group(0)
    assert '<span class="mark-leading">Dẫn đầu</span>' in first and "Trúng cử" not in first
    second = re.search(r'<tr data-cand="QH1-2">.*?</tr>', html, re.S).group(0)
    assert "Không đạt" in second and "Dẫn đầu" in second
    fourth = re.search(r'<tr data-cand="QH1-4">.*?</tr>', html, re.S).group(0)
    assert "Dẫn đầu" not in fourth
    assert "Trúng cử" not in html and 'class="elected"' not in html
    assert "đề nghị bầu cử thêm" not in html.lower() and "flag-alert" not in html
    assert '<li class="flag-info">Đang tổng hợp</li>' in html
    assert "Mới có 3/6 khu vực bỏ phiếu gửi biên bản kiểm phiếu" in html
    assert "Chưa có người trúng cử." in html
    assert _field(html, "reported")[0] == "3/6"


def test_the_units_list_links_each_unit_of_a_contest(client, three):
    html = _page(client, "board", "/results/units?contest=HDND_TINH")
    assert '<a href="/results/unit/TP1">Đơn vị bầu cử số 1</a>' in html
    assert '<a href="/results/unit/TP2">Đơn vị bầu cử số 2</a>' in html
    assert "/results/unit/QH1" not in html


def test_the_area_json_shows_a_new_record_at_once(app, client, three):
    _login(client, "board")
    before = client.get("/results/T1.json?contest=QH")
    assert before.headers["Cache-Control"] == "no-store"
    assert before.get_json()["figures"]["reported"]["text"] == "3/4"
    _submit(app, client, "T1B-2")
    # T1B-2: roll 1.300, voted 1.170, invalid 23, valid 1.147; votes 1.147, 573, 382, 7, 0.
    body = client.get("/results/T1.json?contest=QH").get_json()
    assert {k: v["text"] for k, v in body["figures"].items()} == {
        "voters_on_roll": "4.600",
        "voters_voted": "4.140",
        "turnout_pct": "90,00%",
        "ballots_issued": "4.140",
        "ballots_received": "4.140",
        "ballots_valid": "4.059",
        "valid_pct": "98,04%",
        "ballots_invalid": "81",
        "invalid_pct": "1,96%",
        "returned": "",
        "reported": "4/4",
        "verified": "0/4",
    }
    assert (body["voting_areas_reported"], body["ballots_valid"], body["valid_pct"]) == (
        4,
        4059,
        "98.04",
    )
    assert [c["pct_of_valid"]["text"] for c in body["candidates"]][:3] == [
        "100,00%",
        "49,96%",
        "33,31%",
    ]
    t1b = next(c for c in body["children"] if c["code"] == "T1B")
    assert t1b["figures"]["reported"]["text"] == "2/2"
    assert body["updated_text"].startswith("Cập nhật lúc ")


def test_the_ward_json_turns_a_missing_row_into_a_record_link(app, client, three):
    _login(client, "board")
    row = client.get("/results/T1B.json?contest=QH").get_json()["children"][1]
    assert (row["code"], row["status_text"], row["record_href"]) == (
        "T1B-2",
        "Chưa có biên bản",
        None,
    )
    # Without a record: its roll (1.300), and "chưa có" rather than zero votes.
    assert row["figures"]["voters_on_roll"]["text"] == "1.300"
    assert row["figures"]["voters_voted"]["text"] == "chưa có"
    assert row["figures"]["turnout_pct"]["text"] == "chưa có"
    _submit(app, client, "T1B-2")
    row = client.get("/results/T1B.json?contest=QH").get_json()["children"][1]
    assert (row["status_text"], row["record_href"]) == ("Đã nộp", "/tally/record/4")
    assert row["figures"]["voters_on_roll"]["text"] == "1.300"


def test_the_unit_json_gives_the_outcome_and_its_texts(client, three):
    _login(client, "board")
    body = client.get("/results/unit/QH1.json").get_json()
    # Partial data: no conclusion (issue #14; this used to give QH1-1 and an additional
    # election for 2 seats).
    assert (body["elected"], body["winners"], body["additional_election"]) == ([], [], False)
    current = body["current"]
    assert [c["name"] for c in current["candidates"]] == NAMES
    assert [c["leading"] for c in current["candidates"]] == [True, True, True, False, False]
    assert current["candidates"][1]["pct_of_valid"]["text"] == "49,97%"
    assert current["flags"] == [{"kind": "info", "text": "Đang tổng hợp"}]
    assert current["notes"] == [
        "Mới có 3/6 khu vực bỏ phiếu gửi biên bản kiểm phiếu: kết quả này chỉ là tạm tính."
    ]


def test_a_reviewer_cannot_open_another_districts_results(client, three):
    _login(client, "reviewer")
    for path in ("/results/T2?contest=QH", "/results/T2.json?contest=QH", "/results/T2A-1"):
        response = client.get(path)
        assert response.status_code == 403
        assert "nằm ngoài phạm vi của bạn" in response.get_data(as_text=True)
    assert client.get("/results/T1?contest=QH").status_code == 200
    # Their results start at their own district; the city above it is named, not linked.
    assert client.get("/results").headers["Location"] == "/results/T1"
    html = client.get("/results/T1A?contest=QH").get_data(as_text=True)
    assert "<li>Thành phố Thử</li>" in html
    assert '<li><a href="/results/T1?contest=QH">Quận Một</a></li>' in html


def test_an_officer_sees_only_their_own_voting_area(client, three):
    _login(client, "officer")
    response = client.get("/results/T1?contest=QH")
    assert response.status_code == 403
    assert "<h1>Lỗi 403</h1>" in response.get_data(as_text=True)
    assert client.get("/results/T1A-2?contest=QH").status_code == 403
    assert client.get("/results/T1A-1?contest=QH").status_code == 200
    assert client.get("/results?contest=QH").headers["Location"] == "/results/T1A-1?contest=QH"


def test_results_need_a_signed_in_user(client, three):
    for path in ("/results", "/results/T1.json?contest=QH", "/results/unit/QH1"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_an_unknown_contest_area_or_unit_is_404(client, three):
    _login(client, "board")
    assert client.get("/results/T1?contest=XX").status_code == 404
    assert client.get("/results/KHONG-CO?contest=QH").status_code == 404
    assert client.get("/results/unit/KHONG-CO").status_code == 404


def test_the_pages_carry_no_inline_script_style_or_handler(client, three):
    _login(client, "board")
    for path in ("/results", "/results/T1B?contest=QH", "/results/unit/QH1", "/results/units"):
        html = client.get(path).get_data(as_text=True)
        assert "style=" not in html
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert not re.search(r"\son[a-z]+=", html)
        assert 'src="/static/board.js"' in html


def test_a_candidate_name_is_escaped(app, client):
    setup = small_setup()
    setup.candidates[0].full_name = "<script>alert(1)</script> Nguyễn"
    with app.extensions["election.sessions"]() as session:
        store_setup(session, setup, Actor(None, "system"))
        users.create_user(session, "board", "board", None, PASSWORD)
    html = _page(client, "board", "/results/unit/QH1")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Nguyễn" in html
    assert "<script>alert" not in html


def test_update_times_are_shown_in_vietnam_time():
    at = dt.datetime(2021, 5, 23, 12, 42, 5, tzinfo=dt.UTC)
    assert updated_text(at) == "Cập nhật lúc 19:42:05 ngày 23/05/2021"
    # SQLite hands back naive times, which are UTC too.
    assert updated_text(at.replace(tzinfo=None, hour=17)) == "Cập nhật lúc 00:42:05 ngày 24/05/2021"
    assert updated_text(None) == "Chưa có biên bản nào được gửi"


def test_a_later_round_is_shown_above_the_earlier_one(app, client, three):
    for va in ("T1B-2", "T2A-1", "T2A-2"):
        _submit(app, client, va)
    with app.extensions["election.sessions"]() as session:
        board = session.scalar(select(User).where(User.username == "board"))
        rounds.open_round(session, board, "QH1", "additional")
    html = _page(client, "board", "/results/unit/QH1")
    current = html.index('<h2 id="round-2-title">Bầu cử thêm</h2>')
    earlier = html.index('<h2 id="round-1-title">Bầu cử lần đầu (vòng 1)</h2>')
    assert html.index('data-round="current"') < current < earlier
    # The additional election's ballot: the four candidates not elected in the first round.
    rows = re.findall(r'<th scope="row" data-sort="([^"]*)">', html[current:earlier])
    assert rows == NAMES[1:]
    assert '<li class="flag-info">Chưa có kết quả</li>' in html[current:earlier]
    assert "Chưa có khu vực bỏ phiếu nào gửi biên bản kiểm phiếu." in html[current:earlier]
    assert "<li>Đơn vị bầu cử còn thiếu 2 đại biểu; đề nghị bầu cử thêm.</li>" in html[earlier:]
    assert client.get("/results/unit/QH1.json").get_json()["rounds_count"] == 2
