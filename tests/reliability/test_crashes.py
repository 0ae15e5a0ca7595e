"""Workers SIGKILLed again and again while keyed submissions and corrections run.

Clients retry on a lost connection or a 5xx with the same Idempotency-Key and body; each
key must end up as exactly one stored version, and nothing half-written may remain.
"""

from __future__ import annotations

import collections
import os
import random
import signal
import threading
import time

from tests.reliability.conftest import RELIABILITY, VOTING_AREAS
from tests.reliability.keyed import Client, check_stored_once, run_clients, stop_clients

pytestmark = RELIABILITY

WORKERS = 4
KILLS = 15
KILL_EVERY = 0.3  # seconds


def test_sigkilled_workers_lose_nothing_and_double_nothing(database, start_server):
    tokens = database.tokens
    server = start_server(database.url, tokens["board"], WORKERS)
    stop = threading.Event()
    clients = [Client(server.port, va, tokens[va], stop) for va in VOTING_AREAS]
    started = time.monotonic()
    threads, failures = run_clients(clients)
    killed = []
    born: dict[int, float] = {}
    rng = random.Random(6)
    while len(killed) < KILLS and time.monotonic() - started < 60:
        time.sleep(KILL_EVERY)
        now = time.monotonic()
        workers = server.workers()
        for pid in workers:
            born.setdefault(pid, now)
        # Kill only a worker that has loaded the app (~1.3 s) and so may be serving a request.
        serving = [pid for pid in workers if now - born[pid] >= 1.5]
        if serving:
            pid = rng.choice(serving)
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
    stop_clients(stop, threads, failures)
    elapsed = time.monotonic() - started
    assert server.process.poll() is None, "the gunicorn master died"

    # Every key, sent once more after the storm, replays exactly the answer its client kept.
    server.wait_ready(tokens["board"], WORKERS)
    stored = check_stored_once(database, clients, server.port)
    assert not server.errors_logged()

    retries = sum(c.retries for c in clients)
    errors = sum((c.errors for c in clients), collections.Counter())
    print(
        f"\n[crashes] clients={len(clients)} workers={WORKERS} kills={len(killed)} "
        f"in {elapsed:.1f}s keyed requests={stored.versions} retries={retries} "
        f"errors seen={dict(errors)} records={stored.records} "
        f"versions={stored.versions} replays checked={stored.versions} "
        f"audit events={stored.audit_events}"
    )
    assert retries > 0, "no request was interrupted: the kills proved nothing"
