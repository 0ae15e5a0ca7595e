"""Failed sign-ins are also limited per client address: 429 with Retry-After, audited."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from election.domain.clock import utcnow
from election.models import AuditEvent, LoginFailure
from election.services.identity import throttle
from tests.api.conftest import PASSWORD

MESSAGE = "Địa chỉ của bạn đã đăng nhập sai quá 20 lần; hãy thử lại sau 15 phút"


def _login(client, username, password="sai-mat-khau"):
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    data = {"username": username, "password": password, "csrf_token": token}
    return client.post("/login", data=data)


def _client(app, address="203.0.113.7"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _spray(app, count=20):
    """One failure on each of ``count`` accounts: no single account reaches its own limit."""
    client = _client(app)
    for n in range(count):
        assert _login(client, f"khong-co-{n}").status_code == 401
    return client


def test_twenty_failures_from_one_address_lock_it_out_for_a_while(app, logins):
    client = _spray(app)
    refused = _login(client, "board", PASSWORD)  # even a right password waits now
    assert refused.status_code == 429
    assert 14 * 60 < int(refused.headers["Retry-After"]) <= 15 * 60 + 1
    assert MESSAGE in refused.get_data(as_text=True)
    with app.extensions["election.sessions"]() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert (event.action, event.object_id) == ("login.throttled", "board")
    assert event.after == {"address": "203.0.113.7", "limit": "address"}


def test_every_failed_attempt_is_audited_with_its_address(app, logins):
    _spray(app, 3)
    with app.extensions["election.sessions"]() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "login.failed").order_by(AuditEvent.seq)
        ).all()
    assert [e.object_id for e in events] == ["khong-co-0", "khong-co-1", "khong-co-2"]
    assert {e.after["address"] for e in events} == {"203.0.113.7"}


def test_nineteen_failures_still_let_a_right_password_in(app, logins):
    client = _spray(app, 19)
    assert _login(client, "board", PASSWORD).status_code == 302


def test_another_address_is_not_affected(app, logins):
    _spray(app)
    other = _client(app, "198.51.100.2")
    assert _login(other, "board", PASSWORD).status_code == 302


def test_failures_older_than_the_window_no_longer_count_and_are_dropped(app, logins):
    old = utcnow() - throttle.WINDOW - dt.timedelta(minutes=1)
    with app.extensions["election.sessions"]() as session:
        session.add_all(
            LoginFailure(address="203.0.113.7", username=f"cu-{n}", at=old) for n in range(20)
        )
        session.commit()
    client = _client(app)
    assert _login(client, "khong-co-ai").status_code == 401
    assert _login(client, "board", PASSWORD).status_code == 302
    with app.extensions["election.sessions"]() as session:
        assert session.scalar(select(func.count()).select_from(LoginFailure)) == 1
        assert throttle.active_failures(session, "203.0.113.7") == 1
