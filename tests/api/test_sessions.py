"""Issue 15, finding 5: sign-out ends the session on the server; sessions have a longest life."""

from __future__ import annotations

import re
import time

from election.http import access
from election.models import AuditEvent
from tests.api.test_web_board import _login


def _csrf(client) -> str:
    html = client.get("/password").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _opens_home(client) -> bool:
    response = client.get("/")
    return response.status_code == 200


def test_a_cookie_copied_before_logout_opens_nothing_after_it(app, client, logins):
    _login(client, "reviewer")
    copied = client.get_cookie("session").value
    assert _opens_home(client)
    assert client.post("/logout", data={"csrf_token": _csrf(client)}).status_code == 302
    assert not _opens_home(client)
    client.set_cookie("session", copied)  # the attacker's copy
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    with app.extensions["election.sessions"]() as session:
        last = session.query(AuditEvent).order_by(AuditEvent.seq.desc()).first()
        assert (last.action, last.actor, last.after) == ("logout", "reviewer", {"epoch": 1})


def test_signing_in_again_after_logout_works(client, logins):
    _login(client, "reviewer")
    client.post("/logout", data={"csrf_token": _csrf(client)})
    _login(client, "reviewer")
    assert _opens_home(client)


def test_a_busy_session_still_ends_at_its_longest_life(app, client, logins, monkeypatch):
    app.config["SESSION_MAX_SECONDS"] = 3 * 3600
    start = time.time()
    clock = {"now": start}
    monkeypatch.setattr(access.time, "time", lambda: clock["now"])
    _login(client, "board")
    # A request every 20 minutes keeps it from going idle, for 3 hours…
    for step in range(1, 10):
        clock["now"] = start + step * 20 * 60
        assert _opens_home(client), step
    # …and then it is over.
    clock["now"] = start + 3 * 3600 + 60
    assert not _opens_home(client)


def test_an_idle_session_ends_after_the_idle_limit(app, client, logins, monkeypatch):
    start = time.time()
    clock = {"now": start}
    monkeypatch.setattr(access.time, "time", lambda: clock["now"])
    _login(client, "board")
    clock["now"] = start + 29 * 60
    assert _opens_home(client)
    clock["now"] += 31 * 60
    assert not _opens_home(client)
