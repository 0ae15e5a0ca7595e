"""The posts of the officer's outbox (records kept on the device while offline) and the service
worker that keeps the entry page: JSON answers, one record per key, the photo stored once.

Voting area T1A-1 has 1.000 voters in QH (tests/factories.py); unit QH1 elects 3 of 5.
"""

from __future__ import annotations

import io
import re

from PIL import Image
from sqlalchemy import func, select

from election.models import TallyRecord, TallyVersion
from tests.api.test_web_tallies import VALID, _login

SEND = "/tally/T1A-1/QH/send"


def _token(client, path: str = "/") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _send(client, key: str, figures: dict[str, str] = VALID, token: str | None = None):
    data = {**figures, "idempotency_key": key, "csrf_token": token or _token(client)}
    return client.post(SEND, data=data, headers={"Accept": "application/json"})


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (250, 250, 240)).save(out, "PNG")
    return out.getvalue()


def _counts(app) -> tuple[int, int]:
    with app.extensions["election.sessions"]() as session:
        records = session.scalar(select(func.count()).select_from(TallyRecord))
        versions = session.scalar(select(func.count()).select_from(TallyVersion))
    return records, versions


def test_a_record_sent_three_times_under_one_key_is_stored_once(app, client, logins):
    _login(client, "officer")
    token = _token(client)
    answers = [_send(client, "khoa-thiet-bi-1", token=token) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    first = answers[0].get_json()
    assert first["version"] == 1 and first["status"] == "submitted"
    assert first["url"] == f"/tally/record/{first['id']}"
    assert all(a.get_json() == first for a in answers)
    assert _counts(app) == (1, 1)


def test_the_same_figures_written_another_way_are_the_same_request(app, client, logins):
    _login(client, "officer")
    first = _send(client, "khoa-2")
    again = _send(client, "khoa-2", {**VALID, "voters_on_roll": "1000", "comment": "  "})
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert _counts(app) == (1, 1)


def test_another_key_for_a_stored_record_gets_409_with_the_record(app, client, logins):
    _login(client, "officer")
    record_id = _send(client, "khoa-3").get_json()["id"]
    other = _send(client, "khoa-khac")
    assert other.status_code == 409
    assert other.get_json()["id"] == record_id
    assert _counts(app) == (1, 1)


def test_a_broken_rule_is_refused_with_the_fields_at_fault(app, client, logins):
    _login(client, "officer")
    answer = _send(client, "khoa-4", {**VALID, "ballots_invalid": "21"})
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["code"] == "rule_broken"
    message = "Số phiếu hợp lệ (880) + số phiếu không hợp lệ (21) phải bằng số phiếu thu vào (900)"
    assert message in body["errors"]["ballots_valid"]
    assert _counts(app) == (0, 0)


def test_unreadable_or_missing_figures_and_a_missing_key_are_refused_per_field(client, logins):
    _login(client, "officer")
    answer = _send(client, "khoa-5", {**VALID, "voters_voted": "chín trăm", "ballots_valid": ""})
    assert answer.status_code == 400
    errors = answer.get_json()["errors"]
    assert errors["voters_voted"] == [
        "Chỉ nhập chữ số, có thể dùng dấu chấm ngăn cách hàng nghìn (ví dụ 1.480)"
    ]
    assert errors["ballots_valid"] == ["Hãy nhập số (không có thì ghi 0)"]
    no_key = _send(client, "")
    assert no_key.status_code == 400
    assert list(no_key.get_json()["errors"]) == ["idempotency_key"]


def test_without_csrf_token_or_session_the_answer_is_json(client, logins):
    _login(client, "officer")
    no_csrf = client.post(SEND, data={**VALID, "idempotency_key": "k"})
    assert no_csrf.status_code == 400
    assert no_csrf.get_json()["code"] == "csrf"
    client.post("/logout", data={"csrf_token": _token(client, "/")})
    # The page's token is gone with its session: the script is told so, and signs in again.
    stale = client.post(SEND, data={**VALID, "idempotency_key": "k", "csrf_token": "x"})
    assert (stale.status_code, stale.get_json()["code"]) == (400, "csrf")
    signed_out = client.post(
        SEND, data={**VALID, "idempotency_key": "k", "csrf_token": _token(client, "/login")}
    )
    assert (signed_out.status_code, signed_out.get_json()["code"]) == (401, "unauthorized")


def test_other_roles_and_other_voting_areas_are_refused(client, logins):
    _login(client, "reviewer")
    assert _send(client, "k", token=_token(client, "/")).status_code == 403
    client.post("/logout", data={"csrf_token": _token(client, "/")})
    _login(client, "officer")
    other = client.post(
        "/tally/T1A-2/QH/send",
        data={**VALID, "idempotency_key": "k", "csrf_token": _token(client)},
    )
    assert other.status_code == 403
    assert other.get_json()["code"] == "forbidden"


def test_the_photo_sent_twice_is_attached_once(app, client, logins):
    _login(client, "officer")
    record_id = _send(client, "khoa-6").get_json()["id"]
    token = _token(client, f"/tally/record/{record_id}")
    path = f"/tally/record/{record_id}/evidence/send"
    answers = [
        client.post(
            path,
            data={"csrf_token": token, "file": (io.BytesIO(_png()), "bien-ban.png")},
            content_type="multipart/form-data",
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].get_json() == answers[1].get_json()
    assert answers[0].get_json()["media_type"] == "image/png"
    record = client.get(f"/api/v1/tallies/{record_id}", headers=logins.headers("officer"))
    assert len(record.get_json()["evidence"]) == 1


def test_a_photo_that_is_not_one_is_refused_as_json(client, logins):
    _login(client, "officer")
    record_id = _send(client, "khoa-7").get_json()["id"]
    token = _token(client, f"/tally/record/{record_id}")
    answer = client.post(
        f"/tally/record/{record_id}/evidence/send",
        data={"csrf_token": token, "file": (io.BytesIO(b"<svg/>"), "bien-ban.png")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 415
    assert "errors" in answer.get_json()


def test_the_service_worker_is_served_fresh_from_the_root(client):
    with client.get("/sw.js") as response:
        body = response.get_data()
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/tally/"
    assert "Content-Security-Policy" in response.headers
    assert b'addEventListener("fetch"' in body


def test_the_entry_page_carries_the_outbox_and_no_inline_script(client, logins):
    _login(client, "officer")
    page = client.get("/tally/T1A-1/QH").get_data(as_text=True)
    assert 'src="/static/outbox.js"' in page
    assert 'data-page="/tally/T1A-1/QH"' in page
    assert "data-outbox" in page and 'data-user="officer"' in page
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
