"""The deployment of deploy/cluster.sh, proven: HAProxy over two gunicorn hosts, a
PostgreSQL primary and its streaming replica, all started on this machine for this module.

Skipped without haproxy and PostgreSQL 15's initdb and pg_basebackup; with
REQUIRE_CLUSTER=1 (CI) a missing tool fails instead. Needs no TEST_DATABASE_URL: the
cluster is its own.
"""

from __future__ import annotations

import collections
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from election.db import make_engine
from tests.reliability.conftest import (
    VOTING_AREAS,
    Answer,
    Database,
    call,
    free_port,
    loaded,
    tally_body,
)
from tests.reliability.keyed import Client, check_stored_once, run_clients, stop_clients

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "cluster.sh"
PGBIN = Path("/usr/lib/postgresql/15/bin")
# A replica replaying this far behind is still read (the default is 5 s): test (c) pauses
# replay and must find the replica still in use a few seconds later on a busy machine.
MAX_LAG = 30
KILL_AT = 100  # keyed requests answered before a host dies (of 6 × 45 in all)
RUN_AFTER_KILL = 10.0  # seconds the clients may go on with the one host left


def missing_tools() -> list[str]:
    found = {
        "haproxy": shutil.which("haproxy"),
        "initdb": (PGBIN / "initdb").exists(),
        "pg_basebackup": (PGBIN / "pg_basebackup").exists(),
    }
    return [name for name, there in found.items() if not there]


@dataclass
class Cluster:
    env: dict[str, str]
    directory: Path
    lb: int
    hosts: tuple[int, int]
    database: Database
    replica_url: str

    def script(self, command: str) -> str:
        done = subprocess.run(
            [str(SCRIPT), command],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def replica(self, statement: str) -> object:
        engine = make_engine(self.replica_url)
        try:
            with engine.connect() as conn:
                return conn.execute(text(statement)).scalar()
        finally:
            engine.dispose()

    def caught_up(self, timeout: float = 30) -> None:
        """Wait until the replica has replayed everything the primary wrote until now."""
        engine = make_engine(self.database.url)
        with engine.connect() as conn:
            lsn = conn.execute(text("SELECT pg_current_wal_lsn()::text")).scalar()
        engine.dispose()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.replica(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn"):
                return
            time.sleep(0.1)
        raise AssertionError(f"the replica did not replay up to {lsn} within {timeout} s")


@pytest.fixture(scope="module")
def cluster():
    missing = missing_tools()
    if missing and os.environ.get("REQUIRE_CLUSTER") == "1":
        pytest.fail(f"REQUIRE_CLUSTER=1 but missing: {', '.join(missing)}")
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (deploy/cluster.sh installs them)")
    # Under /tmp, not pytest's private directory: the postgres user runs the servers in it.
    directory = Path(tempfile.mkdtemp(prefix="election-cluster-"))
    primary, replica, host1, host2, lb = (free_port() for _ in range(5))
    env = {
        **os.environ,
        "CLUSTER_DIR": str(directory),
        "CLUSTER_PRIMARY_PORT": str(primary),
        "CLUSTER_REPLICA_PORT": str(replica),
        "CLUSTER_HOST_PORTS": f"{host1} {host2}",
        "CLUSTER_LB_PORT": str(lb),
        "CLUSTER_DEMO": "0",
        "REPLICA_MAX_LAG_SECONDS": str(MAX_LAG),
    }
    url = "postgresql+psycopg://postgres@127.0.0.1:{}/election"
    made = Cluster(env, directory, lb, (host1, host2), Database(""), url.format(replica))
    try:
        began = time.monotonic()
        made.script("start")
        made.database = loaded(url.format(primary))
        made.caught_up()
        print(f"\n[cluster] started and loaded in {time.monotonic() - began:.1f}s")
        yield made
    finally:
        made.script("remove")
        shutil.rmtree(directory, ignore_errors=True)


def board_read(cluster: Cluster, path: str, cookie: str | None = None) -> Answer:
    headers = {"Cookie": cookie} if cookie else None
    answer = call(cluster.lb, "GET", path, cluster.database.tokens["board"], headers=headers)
    assert answer.status == 200, (path, answer.status, answer.body)
    return answer


def test_a_host_killed_mid_run_loses_no_keyed_record_and_doubles_none(cluster):
    tokens = cluster.database.tokens
    stop = threading.Event()
    clients = [Client(cluster.lb, va, tokens[va], stop) for va in VOTING_AREAS]
    started = time.monotonic()
    threads, failures = run_clients(clients)
    while sum(len(c.sent) for c in clients) < KILL_AT and time.monotonic() - started < 30:
        time.sleep(0.02)
    answered_before = sum(len(c.sent) for c in clients)
    master = int((cluster.directory / f"host-{cluster.hosts[0]}.pid").read_text())
    group = os.getpgid(master)
    assert group != os.getpgid(0)
    os.killpg(group, signal.SIGKILL)  # the master and its workers: the whole host at once
    killed_at = time.monotonic() - started
    deadline = time.monotonic() + RUN_AFTER_KILL  # the clients finish on the survivor
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    stop_clients(stop, threads, failures)
    elapsed = time.monotonic() - started

    stored = check_stored_once(cluster.database, clients, cluster.lb)
    retries = sum(c.retries for c in clients)
    errors = sum((c.errors for c in clients), collections.Counter())
    print(
        f"\n[cluster kill] clients={len(clients)} host killed at {killed_at:.1f}s "
        f"after {answered_before} answers, "
        f"run {elapsed:.1f}s keyed requests={stored.versions} retries={retries} "
        f"errors seen={dict(errors)} records={stored.records} versions={stored.versions} "
        f"audit events={stored.audit_events}"
    )
    assert retries > 0, "no request was interrupted: the kill proved nothing"
    # Both hosts served, and the survivor went on alone after the kill.
    served = [
        (cluster.directory / f"host-{port}.access.log").read_text().count("POST /api/v1/tallies")
        for port in cluster.hosts
    ]
    assert all(n > 0 for n in served), served
    # Running the script again starts what is missing (the killed host) and reuses the rest.
    again = cluster.script("start")
    assert f"host started on port {cluster.hosts[0]}" in again
    assert f"host on port {cluster.hosts[1]} already runs" in again
    assert again.count("already runs") == 3  # the primary, the replica, the other host


def test_reads_fall_back_to_the_primary_when_the_replica_stops(cluster):
    path = "/api/v1/results/areas/T?contest=QH"
    cluster.caught_up()
    before = board_read(cluster, path)
    assert before.headers["x-read-from"] == "replica"
    cluster.script("replica-stop")
    try:
        after = board_read(cluster, path)
        assert after.headers["x-read-from"] == "primary"
        assert after.body == before.body  # the same figures, caught up before the stop
        public = call(cluster.lb, "GET", "/api/v1/public/results?contest=QH")
        assert (public.status, public.headers["x-read-from"]) == (200, "primary")
    finally:
        cluster.script("start")  # the replica again, from its own data
    cluster.caught_up()
    assert board_read(cluster, path).headers["x-read-from"] == "replica"


def _votes(answer: Answer) -> dict[str, int]:
    return {c["code"]: c["votes"] for c in answer.body["candidates"]}


def test_with_replay_paused_each_writer_reads_its_own_write(cluster):
    """(After the kill test, which stores every record: here the officer corrects one.)"""
    tokens = cluster.database.tokens
    va, contest = "T2A-1", "QH"
    area = f"/api/v1/results/areas/{va}?contest={contest}"
    place = call(cluster.lb, "GET", f"/api/v1/voting-areas/{va}", tokens[va]).body
    tally = next(c["tally"] for c in place["contests"] if c["contest"] == contest)
    version = tally["version"]
    cluster.caught_up()
    before = board_read(cluster, area)
    assert before.headers["x-read-from"] == "replica"
    cluster.replica("SELECT pg_wal_replay_pause()")
    try:
        body = {
            **tally_body(va, contest, shift=version % 2),  # the figures it does not have now
            "reason": "Sửa lỗi cộng",
            "expected_version": version,
        }
        path = f"/api/v1/tallies/{tally['id']}/corrections"
        corrected = call(cluster.lb, "POST", path, tokens[va], body)
        assert corrected.status == 201, corrected.body
        # The officer reads the record and its area's totals at once: from the primary.
        own = call(cluster.lb, "GET", f"/api/v1/tallies/{tally['id']}", tokens[va])
        assert (own.status, own.headers["x-read-from"]) == (200, "primary")
        assert own.body["version"] == version + 1
        totals = call(cluster.lb, "GET", area, tokens[va])
        assert (totals.status, totals.headers["x-read-from"]) == (200, "primary")
        assert _votes(totals)["QH1-5"] == version % 2 != _votes(before)["QH1-5"]
        # The board's lag-tolerant read comes from the paused replica, which lacks it…
        stale = board_read(cluster, area)
        assert stale.headers["x-read-from"] == "replica"
        assert _votes(stale) == _votes(before)
        # …until the board writes itself: its next reads go to the primary.
        verified = call(
            cluster.lb,
            "POST",
            f"/api/v1/tallies/{tally['id']}/verify",
            tokens["board"],
            {"expected_version": version + 1},
        )
        assert verified.status == 200, verified.body
        cookie = verified.headers["set-cookie"].split(";")[0]
        assert cookie.startswith("election_wrote=")
        mine = board_read(cluster, area, cookie)
        assert mine.headers["x-read-from"] == "primary"
        assert _votes(mine) == _votes(totals)
    finally:
        cluster.replica("SELECT pg_wal_replay_resume()")
    cluster.caught_up()
    fresh = board_read(cluster, area)
    assert fresh.headers["x-read-from"] == "replica"
    assert _votes(fresh) == _votes(totals)
