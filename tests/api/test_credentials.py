"""Issue 15, findings 1 and 2: nobody obtains a credential that acts as another; every audit
event names the credential it came through."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, update

from election.domain.errors import Unauthorized
from election.models import ApiToken, AuditEvent, AuditHead
from election.services.audit import chain
from election.services.audit import check as audit_check
from election.services.identity import signin, tokens, users
from tests.api.conftest import tally_body
from tests.api.test_web_board import _login


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _token_count(app) -> int:
    with app.extensions["election.sessions"]() as session:
        return session.scalar(select(func.count()).select_from(ApiToken))


@pytest.mark.parametrize("victim", ["officer", "board", "reviewer"])
def test_an_admin_cannot_issue_a_token_that_acts_as_a_person(app, client, logins, victim):
    before = _token_count(app)
    _login(client, "admin")
    html = client.get("/admin/tokens").get_data(as_text=True)
    answer = client.post(
        "/admin/tokens", data={"username": victim, "label": "giả danh", "csrf_token": _csrf(html)}
    )
    assert answer.status_code == 403
    text = answer.get_data(as_text=True)
    assert "Chỉ cấp cho chính mình hoặc cho một tài khoản dịch vụ" in text
    assert 'id="new-token"' not in text
    assert _token_count(app) == before


def test_the_admin_attack_of_the_issue_no_longer_works(app, client, logins):
    # Issue 15: tokens for the officer and the board let one admin submit and verify a record.
    with app.extensions["election.sessions"]() as session:
        admin = users.require_user(session, "admin")
        for victim in ("officer", "board"):
            with pytest.raises(Exception) as refused:
                tokens.issue(session, admin, victim, "giả danh")
            assert refused.value.code == "forbidden"


def test_each_user_issues_and_revokes_their_own_token_on_their_page(app, client, logins):
    _login(client, "officer")
    html = client.get("/tokens").get_data(as_text=True)
    answer = client.post("/tokens", data={"label": "máy tính bảng tổ", "csrf_token": _csrf(html)})
    assert answer.status_code == 200
    token = re.search(r'<code id="new-token">([^<]+)</code>', answer.get_data(as_text=True))[1]
    whoami = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})
    assert whoami.get_json()["username"] == "officer"
    # The page lists the officer's own tokens only (the one from create-user and the new one).
    listed = client.get("/tokens").get_data(as_text=True)
    assert listed.count("Thu hồi mã số") == 2
    assert "reviewer" not in listed
    with app.extensions["election.sessions"]() as session:
        other = session.scalar(
            select(ApiToken.id).join(ApiToken.user).where(ApiToken.user.has(username="board"))
        )
    for confirm in ("", "1"):
        refused = client.post(
            f"/tokens/{other}/revoke", data={"csrf_token": _csrf(listed), "confirm": confirm}
        )
        assert refused.status_code == 404
    assert client.get("/api/v1/whoami", headers=logins.headers("board")).status_code == 200


def test_a_service_account_reads_and_never_writes(app, client, logins):
    _login(client, "admin")
    html = client.get("/admin/tokens").get_data(as_text=True)
    answer = client.post(
        "/admin/service-accounts",
        data={
            "service_username": "bang-dien-tu",
            "full_name": "Bảng điện tử",
            "csrf_token": _csrf(html),
        },
    )
    assert answer.status_code == 200
    token = re.search(r'<code id="new-token">([^<]+)</code>', answer.get_data(as_text=True))[1]
    headers = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/whoami", headers=headers).get_json()
    assert (me["username"], me["role"]) == ("bang-dien-tu", None)
    assert client.get("/api/v1/results/areas/T?contest=QH", headers=headers).status_code == 200
    submit = client.post("/api/v1/tallies", json=tally_body("T1A-1"), headers=headers)
    assert submit.status_code == 403
    assert client.get("/api/v1/audit", headers=headers).status_code == 403
    # It has no password: no sign-in to the pages, whatever is typed.
    with app.extensions["election.sessions"]() as session:
        for password in ("", "!", "mat-khau-thu-nghiem"):
            with pytest.raises(Unauthorized):
                signin.authenticate(session, "bang-dien-tu", password, "10.0.0.9")


def test_an_admin_cannot_create_a_service_account_that_writes_from_the_pages(app, logins):
    with app.extensions["election.sessions"]() as session:
        admin = users.require_user(session, "admin")
        new = users.create_service_account(session, admin, "tich-hop", "Tích hợp")
        assert (new.user.role, new.user.service) == (None, True)


def test_the_cli_gives_a_service_account_a_role_at_setup(app, client, logins):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-service", "may-quet", "--role", "officer", "--area", "T1A-2"]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        client.post("/api/v1/tallies", json=tally_body("T1A-2"), headers=headers).status_code == 201
    )


# -- finding 2: the credential of every event --------------------------------------------------


def _events(client, logins) -> list[dict]:
    return client.get("/api/v1/audit?limit=1000", headers=logins.headers("board")).get_json()[
        "events"
    ]


def test_every_event_names_the_credential_it_came_through(app, client, logins):
    with app.extensions["election.sessions"]() as session:
        officer_token = session.scalar(
            select(ApiToken.id).join(ApiToken.user).where(ApiToken.user.has(username="officer"))
        )
    assert (
        client.post(
            "/api/v1/tallies", json=tally_body("T1A-1"), headers=logins.headers("officer")
        ).status_code
        == 201
    )
    _login(client, "reviewer")
    html = client.get("/tally/record/1").get_data(as_text=True)
    client.post("/tally/record/1/verify", data={"csrf_token": _csrf(html), "expected_version": "1"})
    events = _events(client, logins)
    by_action = {e["action"]: e["credential"] for e in events}
    assert by_action["user.create"] == "cli"  # the fixture creates users as the command line
    assert by_action["tally.submit"] == f"token:{officer_token}"
    assert by_action["login"] == "session"
    assert by_action["tally.verify"] == "session"


def test_the_credential_is_covered_by_the_hash(app, client, logins):
    with app.extensions["election.sessions"]() as session:
        last = session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
        assert last.credential == "cli"
        session.execute(
            update(AuditEvent).where(AuditEvent.seq == last.seq).values(credential="session")
        )
        session.commit()
        report = audit_check.verify(session)
    assert (report.ok, report.first_bad_seq) == (False, last.seq)


def test_events_written_before_credentials_still_verify(app, logins):
    # An event as the chain wrote it before issue 15: no credential, its hash without one.
    with app.extensions["election.sessions"]() as session:
        head = session.get(AuditHead, 1)
        seq = head.seq + 1
        at = session.scalar(select(AuditEvent.at).where(AuditEvent.seq == head.seq))
        content = chain.canonical(seq, at, "system", "setup.import", "election", None, None, {})
        digest = chain.chain_hash(head.hash, content)
        session.add(
            AuditEvent(
                seq=seq,
                at=at,
                actor_id=None,
                actor="system",
                action="setup.import",
                object_type="election",
                object_id=None,
                before=None,
                after={},
                prev_hash=head.hash,
                hash=digest,
                credential=None,
            )
        )
        head.seq, head.hash = seq, digest
        session.commit()
        report = audit_check.verify(session)
    assert (report.ok, report.events) == (True, seq)
