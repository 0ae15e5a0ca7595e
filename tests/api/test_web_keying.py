"""Blind second keying on the pages: the keyer sees the photo and an empty form, never the
figures; a mismatch goes to the reconciliation page; the queue shows each record's quality.

T1A-1's QH record (tests/factories.py): valid 882, invalid 18; QH1-2 441, QH1-3 294.
"""

from __future__ import annotations

import re

from sqlalchemy import update

from election.models import Election
from tests.api.conftest import tally_body
from tests.api.test_web_board import _login


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _setup(app, client, logins) -> int:
    with app.extensions["election.sessions"]() as session:
        session.execute(update(Election).values(second_keying="required"))
        session.commit()
    sent = client.post(
        "/api/v1/tallies", json=tally_body("T1A-1"), headers=logins.headers("officer")
    )
    return sent.get_json()["id"]


def _form(html: str, changes: dict | None = None) -> dict:
    body = tally_body("T1A-1")
    data = {
        name: str(body[name])
        for name in (
            "voters_on_roll",
            "voters_voted",
            "ballots_issued",
            "ballots_received",
            "ballots_valid",
            "ballots_invalid",
        )
    }
    data.update({f"votes.{code}": str(n) for code, n in body["votes"].items()})
    data.update(changes or {})
    return {**data, "csrf_token": _csrf(html), "expected_version": "1"}


def test_the_keyer_sees_an_empty_form_beside_the_photo_and_no_figure(app, client, logins):
    record_id = _setup(app, client, logins)
    _login(client, "reviewer")
    html = client.get(f"/tally/record/{record_id}").get_data(as_text=True)
    assert "<h1>Nhập lại đối chiếu biên bản — Khu vực bỏ phiếu số 1 (T1A-1) · " in html
    for secret in ("882", "441", "294"):
        assert secret not in html
    assert 'name="ballots_valid"' in html and 'value="882"' not in html
    queue = client.get("/review").get_data(as_text=True)
    assert "Chưa nhập lại" in queue and "Chưa có ảnh" in queue
    assert "Ẩn cho đến khi nhập lại đối chiếu" in queue


def test_a_mismatch_goes_to_reconciliation_a_match_lets_the_board_verify(app, client, logins):
    record_id = _setup(app, client, logins)
    _login(client, "reviewer")
    page = client.get(f"/tally/record/{record_id}").get_data(as_text=True)
    sent = client.post(
        f"/tally/record/{record_id}/key",
        data=_form(page, {"ballots_valid": "881", "votes.QH1-2": "414"}),
    )
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith(f"/tally/record/{record_id}/reconcile")
    html = client.get(f"/tally/record/{record_id}/reconcile").get_data(as_text=True)
    differing = re.findall(r'<td class="num differs">([^<]*)<', html)
    assert differing == ["881", "414"]
    queue = client.get("/review").get_data(as_text=True)
    assert "Đã nhập lại" in queue and "Lệch" in queue

    # The board keys it right and may then verify it.
    client.post("/logout", data={"csrf_token": _csrf(html)})
    _login(client, "board")
    page = client.get(f"/tally/record/{record_id}").get_data(as_text=True)
    assert "Xác nhận phiên bản 1" not in page  # figures visible now, but not yet matched
    right = client.post(f"/tally/record/{record_id}/key", data=_form(page))
    assert right.status_code == 302
    assert right.headers["Location"].endswith(f"/tally/record/{record_id}")
    page = client.get(f"/tally/record/{record_id}").get_data(as_text=True)
    assert "Lần nhập lại khớp với phiên bản 1" in page
    assert "Xác nhận phiên bản 1" in page


def test_the_board_page_counts_records_backed_by_a_photo_and_keyed(app, client, logins):
    record_id = _setup(app, client, logins)
    _login(client, "board")
    page = client.get(f"/tally/record/{record_id}").get_data(as_text=True)
    client.post(f"/tally/record/{record_id}/key", data=_form(page))
    html = client.get("/results/T1?contest=QH").get_data(as_text=True)
    line = re.search(r'<p class="backing"[^>]*>(.*?)</p>', html, re.S).group(1)
    text = re.sub(r"<[^>]+>", "", line)
    assert " ".join(text.split()) == (
        "Biên bản có ảnh bản giấy: 0 · đã nhập lại đối chiếu: 1 · khớp: 1"
    )
