"""Generated passwords are changed at first sign-in; a change ends the user's other sessions."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from election.models import AuditEvent
from election.services.identity import users


def _token(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _login(client, username, password):
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": _token(client, "/login")},
    )


@pytest.fixture
def generated(app, logins):
    with app.extensions["election.sessions"]() as session:
        return users.create_user(session, "ubbc2", "board").password


def _change(client, current, new, confirm=None):
    return client.post(
        "/password",
        data={
            "current_password": current,
            "new_password": new,
            "confirm": new if confirm is None else confirm,
            "csrf_token": _token(client, "/password"),
        },
    )


def test_a_generated_password_must_be_changed_before_anything_else(client, generated):
    assert _login(client, "ubbc2", generated).status_code == 302
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/password"
    assert client.get("/results").headers["Location"] == "/password"


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("sai-mat-khau-cu", "mat-khau-moi-dai", None, "Mật khẩu hiện tại không đúng"),
        (None, "ngan", None, "Mật khẩu mới phải có ít nhất 10 ký tự"),
        (
            None,
            "mat-khau-moi-dai",
            "mat-khau-khac-nua",
            "Hai lần nhập mật khẩu mới không giống nhau",
        ),
    ],
)
def test_a_bad_change_is_refused_with_the_reason(client, generated, current, new, confirm, message):
    _login(client, "ubbc2", generated)
    response = _change(client, current or generated, new, confirm)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_change_keeps_this_session_ends_the_others_and_is_audited(app, client, generated):
    other = app.test_client()
    _login(other, "ubbc2", generated)
    _login(client, "ubbc2", generated)
    response = _change(client, generated, "mat-khau-moi-dai")
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302  # the other session has ended
    assert _login(app.test_client(), "ubbc2", "mat-khau-moi-dai").status_code == 302
    with app.extensions["election.sessions"]() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert (event.action, event.object_id) == ("login", "ubbc2")
    with app.extensions["election.sessions"]() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == "ubbc2")
        ).all()
    assert "user.password_change" in actions
