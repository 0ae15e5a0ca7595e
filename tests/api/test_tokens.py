"""API tokens: issued by an admin and shown once, listed with their last use, revoked at once."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from election.models import ApiToken, AuditEvent, TallyRecord, User
from election.services.identity import users
from tests.api.test_web_board import _login


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_an_admin_issues_a_token_that_works_and_is_kept_only_as_a_hash(app, client, logins):
    with app.extensions["election.sessions"]() as session:
        users.create_user(session, "bao-chi", None, service=True)
    _login(client, "admin")
    page = client.get("/admin/tokens").get_data(as_text=True)
    answer = client.post(
        "/admin/tokens",
        data={"username": "bao-chi", "label": "Máy chủ báo chí", "csrf_token": _csrf(page)},
    )
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    token = re.search(r'<code id="new-token">([^<]+)</code>', html).group(1)
    client.get("/logout")
    whoami = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})
    assert whoami.status_code == 200 and whoami.get_json()["username"] == "bao-chi"
    with app.extensions["election.sessions"]() as session:
        stored = session.scalars(select(ApiToken).where(ApiToken.label == "Máy chủ báo chí")).one()
        assert stored.token_hash != token and token not in stored.token_hash
        assert stored.last_used_at is not None
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "token.create")).one()
        assert event.after == {"user": "bao-chi", "label": "Máy chủ báo chí"}


def test_the_list_shows_last_use_and_a_revoked_token_stops_at_once(app, client, logins):
    assert client.get("/api/v1/whoami", headers=logins.headers("officer")).status_code == 200
    _login(client, "admin")
    html = client.get("/admin/tokens").get_data(as_text=True)
    assert "officer" in html and "Chưa dùng" in html  # the other users' tokens are unused
    with app.extensions["election.sessions"]() as session:
        officer_token = session.scalars(
            select(ApiToken).join(ApiToken.user).where(ApiToken.user.has(username="officer"))
        ).one()
        token_id = officer_token.id
    # The first press only asks (issue #20 item 7): the token still works.
    asked = client.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": _csrf(html)})
    assert asked.status_code == 200
    asked_html = asked.get_data(as_text=True)
    assert f"Thu hồi mã truy cập số {token_id}</strong> của officer" in asked_html
    assert 'name="confirm" value="1"' in asked_html
    assert client.get("/api/v1/whoami", headers=logins.headers("officer")).status_code == 200
    with app.extensions["election.sessions"]() as session:
        assert session.get(ApiToken, token_id).revoked_at is None
    revoked = client.post(
        f"/admin/tokens/{token_id}/revoke", data={"csrf_token": _csrf(html), "confirm": "1"}
    )
    assert revoked.status_code == 302
    assert "Đã thu hồi mã truy cập số" in client.get("/admin/tokens").get_data(as_text=True)
    answer = client.get("/api/v1/whoami", headers=logins.headers("officer"))
    assert answer.status_code == 401
    for confirm in ("1", ""):
        again = client.post(
            f"/admin/tokens/{token_id}/revoke",
            data={"csrf_token": _csrf(html), "confirm": confirm},
        )
        assert again.status_code == 409
        assert f"Mã truy cập số {token_id} đã bị thu hồi trước đó" in again.get_data(as_text=True)


def test_only_admins_manage_tokens_and_bad_input_is_a_field_error(client, logins):
    _login(client, "board")
    assert client.get("/admin/tokens").status_code == 403
    client.get("/logout")
    _login(client, "admin")
    html = client.get("/admin/tokens").get_data(as_text=True)
    unknown = client.post(
        "/admin/tokens", data={"username": "nobody", "label": "x", "csrf_token": _csrf(html)}
    )
    assert unknown.status_code == 404
    assert "Tên đăng nhập không tồn tại" in unknown.get_data(as_text=True)
    blank = client.post(
        "/admin/tokens", data={"username": "reviewer", "label": " ", "csrf_token": _csrf(html)}
    )
    assert blank.status_code == 400
    assert "Bắt buộc, tối đa 100 ký tự" in blank.get_data(as_text=True)
    assert (
        client.post("/admin/tokens", data={"username": "reviewer", "label": "x"}).status_code == 400
    )


def test_the_cli_lists_and_revokes(app, logins):
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["tokens"])
    assert (
        listed.exit_code == 0
        and "officer\tcli\tdùng lần cuối: chưa dùng\tcòn hiệu lực" in listed.output
    )
    first = listed.output.splitlines()[0].split("\t")[0]
    assert runner.invoke(args=["revoke-token", first]).exit_code == 0
    assert "thu hồi" in runner.invoke(args=["tokens"]).output.splitlines()[0]
    again = runner.invoke(args=["revoke-token", first])
    assert again.exit_code == 1


def _last_use(app, username: str):
    with app.extensions["election.sessions"]() as session:
        return session.scalars(
            select(ApiToken.last_used_at).join(ApiToken.user).where(User.username == username)
        ).one()


def test_a_submission_records_its_tokens_use_with_the_record(app, client, logins):
    from tests.api.test_tallies_api import QH

    assert _last_use(app, "officer") is None
    answer = client.post("/api/v1/tallies", json=QH, headers=logins.headers("officer"))
    assert answer.status_code == 201
    assert _last_use(app, "officer") is not None
    with app.extensions["election.sessions"]() as session:
        assert session.scalar(select(func.count()).select_from(TallyRecord)) == 1
