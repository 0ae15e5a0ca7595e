"""Racing writers: one record wins, keyed retries replay, and the audit chain never forks."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from election.domain.errors import Conflict
from election.models import AuditEvent, TallyRecord, TallyVersion
from election.services import tallies
from election.services.audit import check as audit_check
from election.services.audit.chain import Actor
from election.services.identity import users
from election.services.setup.setup import store_setup
from election.services.tallies.idempotency import Key
from tests.factories import small_setup
from tests.integration.test_tally_rules_stored import entry_for

THREADS = 8


@pytest.fixture
def officers(sessions):
    with sessions() as session:
        store_setup(session, small_setup(), Actor(None, "system"))
        made = {}
        for va in ("T1A-1", "T1A-2", "T1B-1", "T1B-2", "T2A-1", "T2A-2"):
            made[va] = users.create_user(
                session, f"to-{va.lower()}", "officer", va, "mat-khau-dai-du"
            ).user
    return made


def _race(sessions, jobs):
    """Run the callables at the same instant, each with its own session; collect outcomes."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list = [None] * len(jobs)

    def run(i, job):
        with sessions() as session:
            barrier.wait()
            try:
                outcomes[i] = job(session)
            except Exception as exc:  # the outcome is what the test inspects
                outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def _count(sessions, model):
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_parallel_first_submissions_of_one_record_give_one_201_and_409s(sessions, officers):
    officer = officers["T1A-1"]
    entry = entry_for("T1A-1")
    outcomes = _race(
        sessions,
        [lambda s: tallies.submit(s, officer, "T1A-1", "QH", entry) for _ in range(THREADS)],
    )
    created = [o for o in outcomes if isinstance(o, tallies.Receipt)]
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(created) == 1
    assert len(conflicts) == THREADS - 1
    assert {c.details["id"] for c in conflicts} == {created[0].id}
    assert _count(sessions, TallyRecord) == 1
    assert _count(sessions, TallyVersion) == 1


def test_parallel_retries_with_one_key_store_one_record_and_replay_it(sessions, officers):
    officer = officers["T1A-1"]
    entry = entry_for("T1A-1")
    key = Key.of("retry-1", "POST", "/api/v1/tallies", {"same": "body"})
    outcomes = _race(
        sessions,
        [lambda s: tallies.submit(s, officer, "T1A-1", "QH", entry, key) for _ in range(THREADS)],
    )
    assert all(isinstance(o, tallies.Receipt) for o in outcomes), outcomes
    with sessions() as session:
        stored = session.scalars(select(TallyRecord.id)).all()
    # One record; its id is whatever the sequence gave (a twin that lost may have taken one).
    assert len(stored) == 1
    assert {(r.id, r.version) for r in outcomes} == {(stored[0], 1)}
    assert _count(sessions, TallyVersion) == 1


def test_concurrent_writers_keep_one_unbroken_audit_chain(sessions, officers):
    jobs = [
        (lambda s, va=va, c=c: tallies.submit(s, officers[va], va, c, entry_for(va, c)))
        for va in officers
        for c in ("QH", "HDND_TINH")
    ]
    outcomes = _race(sessions, jobs)
    assert all(isinstance(o, tallies.Receipt) for o in outcomes), outcomes
    with sessions() as session:
        seqs = session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
        report = audit_check.verify(session)
    assert seqs == list(range(1, len(seqs) + 1))
    assert report.ok, report
    assert _count(sessions, TallyRecord) == len(jobs)
