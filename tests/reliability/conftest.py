"""A real service for the reliability tests: gunicorn workers over a PostgreSQL database of their own.

Each test gets a fresh database ``reliability_<random>`` on the server of
TEST_DATABASE_URL (never the shared test database itself), migrated and loaded with
the small election and one user per role, and a gunicorn server started against it.
The tests skip unless TEST_DATABASE_URL names a PostgreSQL database, except the evidence
ones, which also run on a SQLite file (``loaded``) and give the server an ``EVIDENCE_DIR``.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.engine import URL, make_url

from election import migrate
from election.db import make_engine, make_sessionmaker
from election.services.audit.chain import Actor
from election.services.identity import users
from election.services.setup.setup import store_setup
from tests.factories import small_setup

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_PG = PG_URL.startswith("postgresql")
PASSWORD = "mat-khau-thu-nghiem"
CONTESTS = ("QH", "HDND_TINH", "HDND_HUYEN", "HDND_XA")
VOTING_AREAS = ("T1A-1", "T1A-2", "T1B-1", "T1B-2", "T2A-1", "T2A-2")
CLIENT_TIMEOUT = 10.0

# Every test here: slow, a database test (selected by `-m db`), PostgreSQL only.
RELIABILITY = [
    pytest.mark.slow,
    pytest.mark.db,
    pytest.mark.skipif(not ON_PG, reason="needs TEST_DATABASE_URL=postgresql+psycopg://…"),
]


def contests_of(va: str) -> tuple[str, ...]:
    """The contests a voting area of the small election takes part in (T2 has no HDND_HUYEN)."""
    return tuple(c for c in CONTESTS if not (c == "HDND_HUYEN" and va.startswith("T2")))


def places() -> list[tuple[str, str]]:
    return [(va, c) for va in VOTING_AREAS for c in contests_of(va)]


_SETUP = small_setup()
_UNIT = {(v.code, c): u for v in _SETUP.voting_areas for c, u in v.units.items()}
_VOTERS = {(v.voting_area, v.contest): v.voters for v in _SETUP.voters}


def tally_body(va: str, contest: str, shift: int = 0) -> dict:
    """A valid record (90 % turnout, 2 % invalid); ``shift`` moves votes from candidate 4 to 5."""
    voters = _VOTERS[(va, contest)]
    voted = voters * 9 // 10
    invalid = voted // 50
    valid = voted - invalid
    unit = _UNIT[(va, contest)]
    votes = {f"{unit}-1": valid, f"{unit}-2": valid // 2, f"{unit}-3": valid // 3}
    votes |= {f"{unit}-4": 7 - shift, f"{unit}-5": shift}
    return {
        "voting_area": va,
        "contest": contest,
        "voters_on_roll": voters,
        "voters_voted": voted,
        "ballots_issued": voted,
        "ballots_received": voted,
        "ballots_valid": valid,
        "ballots_invalid": invalid,
        "votes": votes,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: object
    seconds: float


def call(
    port: int,
    method: str,
    path: str,
    token: str | None = None,
    body: dict | None = None,
    headers: dict | None = None,
    timeout: float = CLIENT_TIMEOUT,
) -> Answer:
    """One request on a new connection; connection errors and timeouts propagate."""
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        raw = response.read()
        answer_headers = {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()
    try:
        parsed: object = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return Answer(response.status, answer_headers, parsed, time.monotonic() - started)


# --- the database ----------------------------------------------------------------------


@dataclass
class Database:
    url: str
    tokens: dict[str, str] = field(default_factory=dict)

    def sessions(self):
        engine = make_engine(self.url)
        return engine, make_sessionmaker(engine)


def _admin_connect():
    import psycopg

    u = make_url(PG_URL)
    return psycopg.connect(
        host=u.host or "127.0.0.1",
        port=u.port or 5432,
        user=u.username or "postgres",
        password=u.password,
        dbname="postgres",
        autocommit=True,
    )


def db_url_at(name: str, port: int | None = None) -> str:
    u: URL = make_url(PG_URL).set(database=name)
    if port is not None:
        u = u.set(host="127.0.0.1", port=port)
    return u.render_as_string(hide_password=False)


def loaded(url: str) -> Database:
    """The empty database at ``url`` migrated and loaded with the small election and its users."""
    db = Database(url)
    migrate.upgrade(db.url)
    engine, sessions = db.sessions()
    with sessions() as session:
        store_setup(session, small_setup(), Actor(None, "system"))
        for va in VOTING_AREAS:
            db.tokens[va] = users.create_user(
                session, f"to-{va.lower()}", "officer", va, PASSWORD, token_label="cli"
            ).token
        for name, role, area in (
            ("reviewer", "reviewer", "T"),
            ("reviewer-t1", "reviewer", "T1"),
            ("reviewer-t2", "reviewer", "T2"),
            ("board", "board", None),
        ):
            db.tokens[name] = users.create_user(
                session, name, role, area, PASSWORD, token_label="cli"
            ).token
    engine.dispose()
    return db


@pytest.fixture
def database() -> Database:
    """A fresh database of this test's own, loaded with the small election and its users."""
    name = f"reliability_{secrets.token_hex(4)}"
    with _admin_connect() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield loaded(db_url_at(name))
    finally:
        with _admin_connect() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the server ------------------------------------------------------------------------


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path

    def workers(self) -> list[int]:
        """The PIDs of the master's live worker processes (from /proc)."""
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == self.process.pid and fields[0] != "Z":
                found.append(int(entry))
        return found

    def wait_ready(self, token: str, workers: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-3000:]}")
            try:
                if (
                    call(self.port, "GET", "/api/v1/whoami", token, timeout=5).status == 200
                    and len(self.workers()) >= workers
                ):
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn not ready: {self.log.read_text()[-3000:]}")

    def errors_logged(self) -> list[str]:
        """Lines of unexpected errors the app logged (a 500 writes 'unhandled error')."""
        return [
            line
            for line in self.log.read_text(errors="replace").splitlines()
            if "unhandled error" in line
        ]


@pytest.fixture
def start_server(tmp_path):
    """start_server(database_url, token, workers=4, env=None) → a running gunicorn, with
    ``env`` added to its environment; stopped at teardown."""
    started: list[Server] = []

    def start(url: str, token: str, workers: int = 4, env: dict | None = None) -> Server:
        port = free_port()
        log = tmp_path / f"gunicorn-{port}.log"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "ELECTION_FAST_PASSWORD_HASH": "1",
            "SECRET_KEY": "reliability-secret",
            **(env or {}),
        }
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    str(GUNICORN),
                    "--workers",
                    str(workers),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--timeout",
                    "30",
                    "wsgi:app",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = Server(port, process, log)
        started.append(server)
        server.wait_ready(token, workers)
        return server

    yield start
    for server in started:
        if server.process.poll() is None:
            server.process.send_signal(signal.SIGTERM)
            try:
                server.process.wait(15)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait(5)


# --- a TCP proxy in front of PostgreSQL, to cut the database without stopping it -------


class Proxy:
    """Forwards 127.0.0.1:port → target; ``cut()`` refuses and drops every connection."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                t = threading.Thread(target=self._pump, args=(a, b), daemon=True)
                t.start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(source)
            self._drop(sink)

    def _drop(self, s: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(s)
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_RDWR)
        s.close()

    def cut(self) -> int:
        """Stop accepting and drop every live connection; returns how many were dropped."""
        if self._listener is not None:
            # shutdown wakes the thread blocked in accept() (close alone does not, on Linux)
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            live = list(self._sockets)
        for s in live:
            self._drop(s)
        return len(live) // 2

    def close(self) -> None:
        self.cut()


@pytest.fixture
def proxy():
    target = make_url(PG_URL)
    p = Proxy((target.host or "127.0.0.1", target.port or 5432))
    p.open()
    yield p
    p.close()
