"""Issue 15, finding 6: the smaller holes, each closed (dummy work, files, headers, links, logs)."""

from __future__ import annotations

import io
import os
import stat

import openpyxl
import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from election.db import make_engine
from election.domain.errors import Unauthorized
from election.models import Area
from election.services.audit.chain import Actor
from election.services.identity import passwords, signin, users
from tests.api.conftest import tally_body


def _verify_calls(monkeypatch) -> list[str]:
    """The stored hashes argon2 verifies against, in order."""
    seen: list[str] = []
    real = passwords._hasher

    class Counting:
        def verify(self, stored, password):
            seen.append(stored)
            return real.verify(stored, password)

    monkeypatch.setattr(passwords, "_hasher", Counting())
    return seen


def test_a_team_account_without_a_password_costs_the_same_argon2_work_as_an_unknown_name(
    app, logins, monkeypatch
):
    with app.extensions["election.sessions"]() as session:
        users.ensure_team_accounts(session, ["T1A-2"], Actor(None, "system"))
        seen = _verify_calls(monkeypatch)
        for name in ("to.t1a-2", "no-such-user"):
            with pytest.raises(Unauthorized):
                signin.authenticate(session, name, "any-password-at-all", "10.0.0.1")
    # One full argon2id verification each, against a real hash, never a shortcut.
    assert len(seen) == 2
    assert all(h.startswith("$argon2id$") for h in seen), seen


def test_a_disabled_password_never_matches_even_the_dummy_one(monkeypatch):
    assert passwords.check_password(users.DISABLED_PASSWORD, "x") is False


def test_pages_with_records_are_not_kept_by_browsers_or_proxies(app, client, three):
    from tests.api.test_web_board import _login

    _login(client, "board")
    for path in ("/tally/record/1", "/results/T1?contest=QH", "/results/unit/QH1", "/audit", "/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path


def test_the_sqlite_file_is_created_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "fresh" / "election.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    engine.dispose()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_an_existing_world_readable_sqlite_file_is_closed_to_others(tmp_path):
    path = tmp_path / "old.db"
    path.write_bytes(b"")
    path.chmod(0o644)
    make_engine(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_failed_statement_does_not_carry_its_bound_values(session):
    row = {"code": "T", "name": "secret-name-4711", "path": "/x/"}  # no level: refused
    with pytest.raises(IntegrityError) as caught:
        session.execute(insert(Area), [row])
    session.rollback()
    text = str(caught.value)
    assert "[parameters:" not in text
    assert "[SQL parameters hidden due to hide_parameters=True]" in text
    if session.get_bind().dialect.name == "sqlite":
        assert "secret-name-4711" not in text
    # (PostgreSQL's own message may still quote a failing row: docs/SECURITY.md.)


def _stamp_texts(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    ws = openpyxl.load_workbook(io.BytesIO(response.data)).active
    return " ".join(c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str))


FORM = "/api/v1/forms/count-record?contest=QH&scope=T1A-1"


def test_the_verification_link_never_takes_a_forged_host_header(app, client, three):
    headers = {**three.headers("board"), "Host": "bau-cu-gia.example"}
    text = _stamp_texts(client.get(FORM, headers=headers))
    assert "bau-cu-gia.example" not in text
    code = client.get(FORM, headers=headers).headers["X-Verification-Codes"]
    assert f"Kiểm tra bản này tại /verify/{code}" in text


def test_a_trusted_host_and_public_url_make_the_link(app, client, three):
    text = _stamp_texts(client.get(FORM, headers=three.headers("board")))
    assert "tại http://localhost/verify/" in text
    app.config["PUBLIC_URL"] = "https://ketqua.haiphong.gov.vn"
    headers = {**three.headers("board"), "Host": "bau-cu-gia.example"}
    text = _stamp_texts(client.get(FORM, headers=headers))
    assert "tại https://ketqua.haiphong.gov.vn/verify/" in text
    assert "bau-cu-gia.example" not in text


def test_a_record_body_is_accepted_as_before(client, logins):
    # The body check of finding 6 leaves ordinary requests alone.
    response = client.post(
        "/api/v1/tallies", json=tally_body("T1A-1"), headers=logins.headers("officer")
    )
    assert response.status_code == 201


def test_an_officer_reads_no_unit_so_no_neighbours_unverified_record(client, three):
    # T1A-1's officer lies in unit QH1 with T1A-2 and T1B-1, whose records are unverified.
    for path in ("/api/v1/results/units/QH1", "/api/v1/forms/unit-record?contest=QH&scope=QH1"):
        response = client.get(path, headers=three.headers("officer"))
        assert response.status_code == 403, path
        assert response.get_json()["message"] == (
            "Tổ bầu cử chỉ xem được kết quả khu vực bỏ phiếu của mình"
        )
    # Its own voting area is still open to it.
    own = client.get("/api/v1/results/areas/T1A-1?contest=QH", headers=three.headers("officer"))
    assert own.status_code == 200
