"""Keyed clients for the reliability tests, and the check that every key was stored once.

A client resends a POST with the same Idempotency-Key and body on a lost connection or a
5xx; ``check_stored_once`` then shows that each key became exactly one stored version.
"""

from __future__ import annotations

import collections
import http.client
import threading
import time
from dataclasses import dataclass

from sqlalchemy import func, select

from election.models import IdempotencyKey, TallyRecord, TallyVersion, TallyVote
from election.services.audit import check as audit_check
from election.services.results import recompute
from tests.reliability.conftest import VOTING_AREAS, Database, call, contests_of, tally_body

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


def run_clients(clients: list[Client]) -> tuple[list[threading.Thread], list[BaseException]]:
    """Start each client in a thread; what a client raises is collected, not lost."""
    failures: list[BaseException] = []

    def guarded(client: Client) -> None:
        try:
            client.run()
        except BaseException as exc:  # reported by the test
            failures.append(exc)

    threads = [threading.Thread(target=guarded, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    return threads, failures


def stop_clients(stop: threading.Event, threads: list[threading.Thread], failures: list) -> None:
    """Tell the clients to finish, wait for them, and fail with what any of them raised."""
    stop.set()
    for t in threads:
        t.join(90)
    assert not failures, failures


@dataclass
class Stored:
    records: int
    versions: int
    audit_events: int


def check_stored_once(database: Database, clients: list[Client], port: int) -> Stored:
    """Every key resent replays its first answer; each key is one stored version, none lost,
    no version without its votes; totals equal a recomputation and the audit chain holds."""
    for c in clients:
        for key, path, body, answer in c.sent:
            again = call(port, "POST", path, c.token, body, {"Idempotency-Key": key})
            assert (again.status, again.body) == (answer.status, answer.body), key

    engine, sessions = database.sessions()
    try:
        with sessions() as session:
            records = session.execute(select(TallyRecord.id, TallyRecord.current_version)).all()
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
    for record_id, current in records:  # no record without its versions, no gap
        assert sorted(v for v, _ in versions[record_id]) == list(range(1, current + 1))
    all_versions = [vid for vs in versions.values() for _, vid in vs]
    assert all(votes_of[vid] == 5 for vid in all_versions)  # no version without its votes
    # One key, one version: nothing lost, nothing stored twice.
    sent = [s for c in clients for s in c.sent]
    receipts = {(a.body["id"], a.body["version"]) for _, _, _, a in sent}
    assert len(receipts) == len(sent) == len(all_versions) == stored_keys
    assert receipts == {(rid, v) for rid, vs in versions.items() for v, _ in vs}
    assert comparison.ok, comparison.differences[:5]
    assert chain.ok, chain
    return Stored(len(records), len(all_versions), chain.events)
