"""The officer's phone (issue #20 item 4): cards, post/redirect/get, one message per rule,
the receipt's figures, turnout for every contest in one step.

Figures from tests/factories.py: voting area T1A-1 has 1.000 voters in QH and HDND_TINH and
993 in HDND_HUYEN and HDND_XA; the report times are the election's default ones.
"""

from __future__ import annotations

import random
import re

from sqlalchemy import select

from election.models import TallyVersion, TurnoutReport
from tests.api.conftest import tally_body
from tests.api.test_web_tallies import (
    VALID,
    _counts,
    _csrf,
    _hidden,
    _login,
    _messages_of,
    _text,
)


def _post_review(client, figures=VALID, va="T1A-1", contest="QH"):
    data = {**figures, "csrf_token": _csrf(client, "/")}
    return client.post(f"/tally/{va}/{contest}/review", data=data)


def _stored(app) -> TallyVersion:
    with app.extensions["election.sessions"]() as session:
        return session.scalars(select(TallyVersion)).one()


def test_review_is_a_get_after_a_303_and_back_after_submit_shows_the_receipt(app, client, logins):
    _login(client, "officer")
    posted = _post_review(client)
    assert posted.status_code == 303
    assert posted.headers["Location"] == "/tally/T1A-1/QH/review"

    review = client.get("/tally/T1A-1/QH/review")
    page = _text(review)
    assert review.status_code == 200
    assert review.headers["Cache-Control"] == "no-store"  # Back asks the server again
    assert "<h1>Xem lại biên bản — Đại biểu Quốc hội khóa XV</h1>" in page
    assert '<td class="num">880</td>' in page
    # "Back to edit" is a link to the entry page, which has the figures from the review.
    assert '<a class="button secondary" href="/tally/T1A-1/QH">Quay lại sửa số liệu</a>' in page
    entry = _text(client.get("/tally/T1A-1/QH"))
    assert 'name="votes.QH1-3" value="500"' in entry
    assert _counts(app) == (0, 0)

    submitted = client.post("/tally/T1A-1/QH/submit", data=_hidden(page))
    assert submitted.status_code == 303
    receipt_path = submitted.headers["Location"]
    assert re.fullmatch(r"/tally/record/\d+", receipt_path)
    # The browser's Back reloads the review page: it leads to the receipt, not a re-post.
    back = client.get("/tally/T1A-1/QH/review")
    assert back.status_code == 303
    assert back.headers["Location"] == receipt_path
    assert _counts(app) == (1, 1)


def test_a_review_page_without_figures_sends_back_to_the_entry_form(client, logins):
    _login(client, "officer")
    response = client.get("/tally/T1A-1/QH/review")
    assert response.status_code == 302
    assert response.headers["Location"] == "/tally/T1A-1/QH"


def test_formatted_and_plain_counts_are_stored_as_the_same_integers(app, client, logins):
    _login(client, "officer")
    figures = {**VALID, "voters_on_roll": "1000", "ballots_valid": "880", "votes.QH1-1": "7 00"}
    figures["voters_voted"] = "900"
    _post_review(client, figures)
    page = _text(client.get("/tally/T1A-1/QH/review"))
    # The review page carries the figures as plain integers to the submit step.
    assert _hidden(page)["voters_on_roll"] == "1000"
    assert _hidden(page)["votes.QH1-1"] == "700"
    client.post("/tally/T1A-1/QH/submit", data=_hidden(page))
    stored = _stored(app)
    assert (stored.voters_on_roll, stored.voters_voted, stored.ballots_valid) == (1000, 900, 880)


def test_dotted_thousands_as_the_phone_shows_them_are_read_back_as_numbers(app, client, logins):
    _login(client, "officer")
    dotted = {**VALID, "voters_on_roll": "1.000", "ballots_valid": "880", "votes.QH1-1": "700"}
    assert _post_review(client, dotted).status_code == 303
    page = _text(client.get("/tally/T1A-1/QH/review"))
    client.post("/tally/T1A-1/QH/submit", data=_hidden(page))
    assert _stored(app).voters_on_roll == 1000


def test_one_message_per_rule_and_the_summary_names_each_field(client, logins):
    _login(client, "officer")
    figures = {**VALID, "ballots_invalid": "21", "voters_voted": "", "ballots_issued": ""}
    page = _text(_post_review(client, figures))
    assert _messages_of(page, "voters_voted") == ["Hãy nhập số (không có thì ghi 0)"]
    assert _messages_of(page, "ballots_issued") == ["Hãy nhập số (không có thì ghi 0)"]
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S).group(0)
    items = re.findall(r'<li><a href="#f-([^"]+)">([^<]*)</a></li>', summary)
    assert items == [
        ("voters_voted", "Số cử tri đã tham gia bỏ phiếu: hãy nhập số (không có thì ghi 0)"),
        ("ballots_issued", "Số phiếu phát ra: hãy nhập số (không có thì ghi 0)"),
    ]
    # The empty fields stop the checks of the rules; with them filled in, the rule's message
    # is in the summary once, as the rule says it, and once beside the fields.
    page = _text(_post_review(client, {**VALID, "ballots_invalid": "21"}))
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S).group(0)
    message = "Số phiếu hợp lệ (880) + số phiếu không hợp lệ (21) phải bằng số phiếu thu vào (900)"
    assert re.findall(r'<li><a href="#f-([^"]+)">([^<]*)</a></li>', summary) == [
        ("ballots_valid", message)
    ]
    assert page.count(f'<p class="field-error">{message}</p>') == 1
    assert '<div class="msgs" id="err-ballots_valid" data-for="ballots_valid" data-marked' in page


def test_the_home_page_is_cards_with_returned_records_first(app, client, logins):
    officer = {"Authorization": f"Bearer {logins.tokens['officer']}"}
    ids = {}
    for contest in ("QH", "HDND_TINH"):
        body = tally_body("T1A-1", contest)
        response = client.post("/api/v1/tallies", json=body, headers=officer)
        assert response.status_code == 201
        ids[contest] = response.get_json()["id"]
    returned = client.post(
        f"/api/v1/tallies/{ids['HDND_TINH']}/return",
        json={"reason": "Thiếu chữ ký", "expected_version": 1},
        headers=logins.headers("reviewer"),
    )
    assert returned.status_code == 200
    _login(client, "officer")
    home = _text(client.get("/"))
    assert "<table" not in home
    cards = re.findall(r'<li class="contest-card( is-returned)?">\s*<h3>([^<]*)</h3>', home)
    assert cards == [
        (" is-returned", "Đại biểu HĐND thành phố"),
        ("", "Đại biểu Quốc hội khóa XV"),
        ("", "Đại biểu HĐND quận, huyện"),
        ("", "Đại biểu HĐND xã, phường"),
    ]
    assert "<strong>1 biên bản bị trả lại</strong> cần sửa" in home
    assert f'href="/tally/record/{ids["HDND_TINH"]}">Xem lý do và sửa biên bản' in home
    assert 'href="/tally/T1A-1/HDND_XA">Nhập biên bản' in home
    assert "<dt>Cử tri trong danh sách</dt><dd>993</dd>" in home


def test_the_receipt_lists_the_stored_figures_of_its_version(app, client, logins):
    officer = {"Authorization": f"Bearer {logins.tokens['officer']}"}
    record = client.post("/api/v1/tallies", json=tally_body("T1A-1"), headers=officer)
    _login(client, "officer")
    page = _text(client.get(f"/tally/record/{record.get_json()['id']}"))
    receipt = re.search(r'<section class="receipt card".*?</section>', page, re.S).group(0)
    # T1A-1 QH: roll 1.000, voted 900, invalid 18, valid 882; votes 882, 441, 294, 7, 0.
    figures = re.findall(r"<dd>([^<]*)</dd>", receipt.split('class="paper-fields"')[1])
    assert figures[:6] == ["1.000", "900", "900", "900", "882", "18"]
    assert figures[7:12] == ["882", "441", "294", "7", "0"]


def _turnout(client, **fields):
    return client.post("/turnout/report", data={**fields, "csrf_token": _csrf(client, "/")})


def _reports(app) -> set[tuple[int, str, int]]:
    with app.extensions["election.sessions"]() as session:
        rows = session.scalars(select(TurnoutReport)).all()
        return {(r.contest_id, r.slot, r.voters_voted) for r in rows}


def test_turnout_reports_every_contest_in_one_form_and_shows_what_was_reported(app, client, logins):
    _login(client, "officer")
    page = _text(client.get("/turnout/report"))
    for name in ("Đại biểu Quốc hội khóa XV", "Đại biểu HĐND xã, phường"):
        assert name in page
    assert page.count('name="voters_voted.') == 4
    assert "Danh sách: 1.000 cử tri · chưa báo cáo" in page
    assert '<option value="11:00" selected>11:00</option>' in page  # the first time not reported

    fields = {"time": "11:00", "voters_voted.QH": "500", "voters_voted.HDND_XA": "1.000"}
    refused = _turnout(client, **fields)
    # HDND_XA has 993 voters: refused by its field, and QH is not stored either.
    assert refused.status_code == 422
    assert (
        "Đại biểu HĐND xã, phường: số cử tri đã bỏ phiếu (1.000) không được lớn hơn "
        "tổng số cử tri (993)"
    ) in _text(refused)
    assert _reports(app) == set()

    done = _turnout(client, **{**fields, "voters_voted.HDND_XA": "490"})
    assert done.status_code == 303
    assert len(_reports(app)) == 2
    page = _text(client.get("/turnout/report"))
    assert (
        "Đã ghi nhận báo cáo lúc 11:00: Đại biểu Quốc hội khóa XV: 500; Đại biểu HĐND xã, phường: 490."
        in page
    )
    assert "Danh sách: 1.000 cử tri · đã báo 11:00: 500" in page
    assert "Danh sách: 993 cử tri · đã báo 11:00: 490" in page
    # Two contests still have not reported at 11:00, so the form stays there.
    assert '<option value="11:00" selected>11:00</option>' in page

    empty = _turnout(client, time="11:00")
    assert empty.status_code == 400
    assert "Hãy nhập số cử tri đã bỏ phiếu của ít nhất một cấp bầu cử" in _text(empty)
    bad = _turnout(client, time="11:00", **{"voters_voted.QH": "năm trăm"})
    assert bad.status_code == 400
    assert "Chỉ nhập chữ số" in _text(bad)


def test_each_contest_keeps_its_own_figures_between_review_and_submit(client, logins):
    _login(client, "officer")
    _post_review(client)
    tinh = {name.replace("QH1-", "TP1-"): value for name, value in VALID.items()}
    _post_review(client, {**tinh, "votes.TP1-2": "601"}, contest="HDND_TINH")
    assert 'name="votes.QH1-2" value="600"' in _text(client.get("/tally/T1A-1/QH"))
    assert 'name="votes.TP1-2" value="601"' in _text(client.get("/tally/T1A-1/HDND_TINH"))
    assert client.get("/tally/T1A-1/QH/review").status_code == 200
    assert client.get("/tally/T1A-1/HDND_TINH/review").status_code == 200


def test_figures_too_long_for_a_cookie_are_reviewed_at_once_instead(app, client, logins):
    _login(client, "officer")
    # 2.000 characters drawn from 20.000 (Han script, pasted by mistake) do not compress:
    # above a cookie's 4 KB, where Vietnamese text of that length fits (about 2 KB).
    pick = random.Random(20)
    comment = "".join(chr(pick.randrange(0x4E00, 0x9FA5)) for _ in range(2000))
    response = _post_review(client, {**VALID, "comment": comment})
    page = _text(response)
    # Shown as the answer to the post: the review page, its figures in the form, none kept.
    assert response.status_code == 200
    assert "<h1>Xem lại biên bản — Đại biểu Quốc hội khóa XV</h1>" in page
    assert 'formaction="/tally/T1A-1/QH">Quay lại sửa số liệu</button>' in page
    assert client.get("/tally/T1A-1/QH/review").status_code == 302
    assert client.post("/tally/T1A-1/QH/submit", data=_hidden(page)).status_code == 303
    assert _stored(app).comment == comment
