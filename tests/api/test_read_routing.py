"""Lag-tolerant reads on a replica, without a cluster: the "replica" is a SQLite copy of the
primary taken before the records came in, so an answer read there is visibly behind, and
the replica's own report of its state (election.replica.replica_state) is faked."""

from __future__ import annotations

import shutil
import sqlite3
import time

import pytest

from election import create_app
from election.http import reads
from election.replica import ReplicaState
from tests.api.conftest import THREE, tally_body
from tests.api.test_web_board import _login

AREA = "/api/v1/results/areas/T1?contest=QH"
KEEPING_UP = ReplicaState(in_recovery=True, streaming=True, lag_seconds=0.4)


@pytest.fixture
def app(_sqlite_template, tmp_path):
    primary, replica = tmp_path / "primary.db", tmp_path / "replica.db"
    shutil.copy(_sqlite_template, primary)
    shutil.copy(_sqlite_template, replica)
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{primary}",
            "DATABASE_REPLICA_URL": f"sqlite:///{replica}",
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "TOTP_REQUIRED_ROLES": (),
            "EVIDENCE_DIR": str(tmp_path / "evidence"),
        }
    )
    app.config["paths"] = (primary, replica)
    yield app
    app.extensions["election.engine"].dispose()
    app.extensions["election.replica_engine"].dispose()


@pytest.fixture
def state(monkeypatch):
    """What the replica says about itself; a test sets ``state.now``."""

    class Fake:
        now: ReplicaState | None = KEEPING_UP

    monkeypatch.setattr(reads, "replica_state", lambda _session: Fake.now)
    return Fake


@pytest.fixture
def lagging(app, client, logins, state):
    """The replica holds the election and its users; the three QH records of T1 reached only
    the primary. Returns the officers' tokens by voting area."""
    primary, replica = app.config["paths"]
    with sqlite3.connect(primary) as source, sqlite3.connect(replica) as copy:
        source.backup(copy)
    tokens = {}
    for va in THREE:
        tokens[va] = logins.tokens["officer"] if va == "T1A-1" else _officer(app, va)
        headers = {"Authorization": f"Bearer {tokens[va]}"}
        response = client.post("/api/v1/tallies", json=tally_body(va), headers=headers)
        assert response.status_code == 201
        # An officer's write leaves the marker; this client is every caller at once.
        client.delete_cookie(reads.WROTE_COOKIE)
    return tokens


def _officer(app, va: str) -> str:
    from election.services.identity import users

    with app.extensions["election.sessions"]() as session:
        return users.create_user(
            session, f"to-{va.lower()}", "officer", va, "mat-khau-dai", token_label="cli"
        ).token


def _reported(client, headers: dict, path: str = AREA) -> tuple[str, int]:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.headers["X-Read-From"], response.get_json()["voting_areas_reported"]


def test_the_board_reads_the_replica_while_it_keeps_up(client, logins, lagging):
    assert _reported(client, logins.headers("board")) == ("replica", 0)


def test_officers_and_reviewers_read_the_primary_with_their_writes(client, logins, lagging):
    officer = logins.headers("officer")
    assert _reported(client, officer, "/api/v1/results/areas/T1A-1?contest=QH") == ("primary", 1)
    assert _reported(client, logins.headers("reviewer")) == ("primary", 3)


@pytest.mark.parametrize(
    "report",
    [
        ReplicaState(True, True, 5.0),  # at the limit of REPLICA_MAX_LAG_SECONDS
        ReplicaState(True, False, 0.0),  # not streaming from the primary
        ReplicaState(False, True, 0.0),  # promoted
        None,  # down
    ],
)
def test_a_replica_out_of_step_is_skipped_for_the_primary(client, logins, lagging, state, report):
    state.now = report
    assert _reported(client, logins.headers("board")) == ("primary", 3)


def test_the_board_reads_its_own_write_then_the_replica_again(app, client, logins, lagging):
    board = logins.headers("board")
    record = client.get("/api/v1/voting-areas/T1A-2", headers=board).get_json()
    tally = record["contests"][0]["tally"]
    verified = client.post(
        f"/api/v1/tallies/{tally['id']}/verify", json={"expected_version": 1}, headers=board
    )
    assert verified.status_code == 200, verified.get_json()
    marker = client.get_cookie(reads.WROTE_COOKIE)
    assert marker is not None and abs(int(marker.value) - time.time()) <= 2
    progress = client.get("/api/v1/progress?area=T1", headers=board)
    assert progress.headers["X-Read-From"] == "primary"
    qh = next(p for p in progress.get_json() if p["contest"] == "QH")
    assert (qh["reported"], qh["verified"]) == (3, 1)
    # Once REPLICA_MAX_LAG_SECONDS have passed, a replica within the limit has the write.
    client.set_cookie(reads.WROTE_COOKIE, str(int(time.time()) - 6))
    assert _reported(client, board) == ("replica", 0)


def test_the_public_reads_the_replica(client, lagging, state):
    page = client.get("/public")
    assert (page.status_code, page.headers["X-Read-From"]) == (200, "replica")
    answer = client.get("/api/v1/public/results?contest=QH")
    assert (answer.status_code, answer.headers["X-Read-From"]) == (200, "replica")
    state.now = None
    assert client.get("/public").headers["X-Read-From"] == "primary"


def test_the_board_pages_read_the_replica_and_the_rest_the_primary(client, lagging):
    _login(client, "board")
    client.delete_cookie(reads.WROTE_COOKIE)  # signing in is a write
    page = client.get("/results/T1.json?contest=QH")
    assert (page.status_code, page.headers["X-Read-From"]) == (200, "replica")
    queue = client.get("/review")
    assert (queue.status_code, queue.headers["X-Read-From"]) == (200, "primary")


def test_without_a_replica_nothing_changes(_sqlite_template, tmp_path):
    path = tmp_path / "only.db"
    shutil.copy(_sqlite_template, path)
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "TESTING": True, "SECRET_KEY": "s"})
    response = app.test_client().get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})
    assert "X-Read-From" not in response.headers
    assert "election.replica" not in app.extensions
    app.extensions["election.engine"].dispose()


def test_healthz_answers_503_when_the_database_is_down(tmp_path):
    app = create_app(
        {
            "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:9/nowhere",
            "TESTING": True,
            "SECRET_KEY": "s",
            "EVIDENCE_DIR": str(tmp_path / "evidence"),
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["code"] == "unavailable"
    assert response.headers["Retry-After"] == "5"
