"""Workers SIGKILLed again and again while keyed submissions and corrections run.

Clients retry on a lost connection or a 5xx with the same Idempotency-Key and body; each
key must end up as exactly one stored version, and nothing half-written may remain.
"""

from __future__ import annotations

import collections
import http.client
import os
import random
import signal
import threading
import time

from sqlalchemy import func, select

from election.models import IdempotencyKey, TallyRecord, TallyVersion, TallyVote
from election.services.audit import check as audit_check
from election.services.results import recompute
from tests.reliability.conftest import (
    RELIABILITY,
    VOTING_AREAS,
    call,
    contests_of,
    tally_body,
)

pytestmark = RELIABILITY

WORKERS = 4
KILLS = 15
KILL_EVERY = 0.3  # seconds
MAX_CHANGES = 45  # per officer, under the limit of 60 a minute


class Client:
    """One officer: submits its voting area's records, then corrects them, all keyed."""

    def __init__(self, port: int, va: str, token: str, stop: threading.Event):
        self.port, self.va, self.token, self.stop = port, va, token, stop
        self.sent: list[tuple[str, str, dict, object]] = []  # (key, path, body, final answer)
        self.retries = 0
        self.errors: collections.Counter = collections.Counter()

    def send(self, key: str, path: str, body: dict):
        """POST until an answer that is not a lost connection or a 5xx; same key, same body."""
        delay = 0.05
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = call(self.port, "POST", path, self.token, body, {"Idempotency-Key": key})
                if answer.status < 500:
                    self.sent.append((key, path, body, answer))
                    return answer
                self.errors[answer.status] += 1
            except (OSError, http.client.HTTPException) as exc:
                self.errors[type(exc).__name__] += 1
            assert time.monotonic() < deadline, f"{key}: no answer within 60 s"
            self.retries += 1
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def run(self) -> None:
        ids, versions = {}, {}
        for contest in contests_of(self.va):
            key = f"{self.va}/{contest}/submit"
            answer = self.send(key, "/api/v1/tallies", tally_body(self.va, contest))
            assert answer.status == 201, (key, answer.status, answer.body)
            ids[contest], versions[contest] = answer.body["id"], 1
        n = len(ids)
        while not self.stop.is_set() and n < MAX_CHANGES:
            contest = contests_of(self.va)[n % len(ids)]
            body = {
                **tally_body(self.va, contest, versions[contest] % 2),
                "reason": "Sửa lỗi cộng",
                "expected_version": versions[contest],
            }
            key = f"{self.va}/{contest}/v{versions[contest] + 1}"
            answer = self.send(key, f"/api/v1/tallies/{ids[contest]}/corrections", body)
            assert answer.status == 201, (key, answer.status, answer.body)
            versions[contest] = answer.body["version"]
            n += 1


def test_sigkilled_workers_lose_nothing_and_double_nothing(database, start_server):
    tokens = database.tokens
    server = start_server(database.url, tokens["board"], WORKERS)
    stop = threading.Event()
    clients = [Client(server.port, va, tokens[va], stop) for va in VOTING_AREAS]
    failures: list[BaseException] = []

    def guarded(client: Client) -> None:
        try:
            client.run()
        except BaseException as exc:  # reported by the test below
            failures.append(exc)

    threads = [threading.Thread(target=guarded, args=(c,)) for c in clients]
    started = time.monotonic()
    for t in threads:
        t.start()
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
    stop.set()
    for t in threads:
        t.join(90)
    elapsed = time.monotonic() - started
    assert not failures, failures
    assert server.process.poll() is None, "the gunicorn master died"

    # Every key, sent once more after the storm, replays exactly the answer its client kept.
    server.wait_ready(tokens["board"], WORKERS)
    sent = [s for c in clients for s in c.sent]
    for c in clients:
        for key, path, body, answer in c.sent:
            again = call(server.port, "POST", path, c.token, body, {"Idempotency-Key": key})
            assert (again.status, again.body) == (answer.status, answer.body), key

    engine, sessions = database.sessions()
    try:
        with sessions() as session:
            records = session.execute(
                select(TallyRecord.id, TallyRecord.current_version, TallyRecord.status)
            ).all()
            versions = collections.defaultdict(list)
            for record_id, version, version_id in session.execute(
                select(TallyVersion.record_id, TallyVersion.version, TallyVersion.id)
            ):
                versions[record_id].append((version, version_id))
            votes_of = collections.Counter(session.scalars(select(TallyVote.version_id)).all())
            stored_keys = session.scalar(select(func.count()).select_from(IdempotencyKey))
            comparison = recompute.compare(session)
            chain = audit_check.verify(session)
    finally:
        engine.dispose()

    assert len(records) == sum(len(contests_of(va)) for va in VOTING_AREAS)
    for record_id, current, _ in records:  # no record without its versions, no gap
        assert sorted(v for v, _ in versions[record_id]) == list(range(1, current + 1))
    all_versions = [vid for vs in versions.values() for _, vid in vs]
    assert all(votes_of[vid] == 5 for vid in all_versions)  # no version without its votes
    # One key, one version: nothing lost, nothing stored twice.
    receipts = {(a.body["id"], a.body["version"]) for _, _, _, a in sent}
    assert len(receipts) == len(sent) == len(all_versions) == stored_keys
    assert receipts == {(rid, v) for rid, vs in versions.items() for v, _ in vs}
    assert comparison.ok, comparison.differences[:5]
    assert chain.ok, chain
    assert not server.errors_logged()

    retries = sum(c.retries for c in clients)
    errors = sum((c.errors for c in clients), collections.Counter())
    print(
        f"\n[crashes] clients={len(clients)} workers={WORKERS} kills={len(killed)} "
        f"in {elapsed:.1f}s keyed requests={len(sent)} retries={retries} "
        f"errors seen={dict(errors)} records={len(records)} versions={len(all_versions)} "
        f"replays checked={len(sent)} audit events={chain.events}"
    )
    assert retries > 0, "no request was interrupted: the kills proved nothing"
