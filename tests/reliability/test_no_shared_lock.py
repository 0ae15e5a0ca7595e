"""No row every writer waits for (issue #19), on PostgreSQL.

One submission's transaction is held open at its last statement (its COMMIT not yet sent);
a submission in another district commits meanwhile, although both count towards the same
city total and the same National Assembly unit (QH1 spans both districts). A submission in
the same district does wait, which shows the test can see a wait: they share the district's
total, the one row they both change.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import event, func, select

from election.models import (
    Area,
    AuditEvent,
    Contest,
    PendingWrite,
    ResultTotal,
    TallyRecord,
    Unit,
    User,
)
from election.services import tallies
from election.services.audit import chain
from election.services.results import recompute
from tests.integration.test_tally_rules_stored import entry_for
from tests.reliability.conftest import RELIABILITY

pytestmark = RELIABILITY

WAIT = 15.0  # seconds the other submission is given to finish while the first is held


def _officer(session, va: str) -> User:
    return session.scalar(select(User).where(User.username == f"to-{va.lower()}"))


def _held_and_other(database, held_va: str, other_va: str, wait: float = WAIT):
    """Hold ``held_va``'s submission before its COMMIT and send ``other_va``'s meanwhile.

    Returns (whether the other finished while the first was held, the two receipts).
    """
    engine, sessions = database.sessions()
    at_commit, release = threading.Event(), threading.Event()
    held_session, other_session = sessions(), sessions()

    @event.listens_for(held_session, "before_commit")
    def hold(_session) -> None:
        # Every statement of the write has run, the pending row too; only COMMIT is left.
        # (Its settle commits again afterwards: hold the first commit only.)
        if not at_commit.is_set():
            at_commit.set()
            release.wait(60)

    receipts: dict[str, object] = {}

    def submit(session, va: str) -> None:
        receipts[va] = tallies.submit(session, _officer(session, va), va, "QH", entry_for(va))

    first = threading.Thread(target=submit, args=(held_session, held_va))
    first.start()
    assert at_commit.wait(30), "the first submission never reached its commit"
    other = threading.Thread(target=submit, args=(other_session, other_va))
    started = time.monotonic()
    other.start()
    other.join(wait)
    finished_while_held = not other.is_alive()
    took = time.monotonic() - started
    release.set()
    first.join(30)
    other.join(30)
    assert not first.is_alive() and not other.is_alive()
    held_session.close()
    other_session.close()
    engine.dispose()
    return finished_while_held, took, receipts


def test_a_submission_in_another_district_commits_while_one_is_held_open(database):
    finished, took, receipts = _held_and_other(database, "T1A-1", "T2A-1")
    assert finished, f"the other district's submission waited {took:.1f} s for the held one"
    assert set(receipts) == {"T1A-1", "T2A-1"}

    engine, sessions = database.sessions()
    with sessions() as session:
        # Both stored once, both settled: nothing pending, the chain whole, the totals right.
        assert session.scalar(select(func.count()).select_from(TallyRecord)) == 2
        assert session.scalar(select(func.count()).select_from(PendingWrite)) == 0
        assert chain.verify_chain(session).ok
        assert recompute.compare(session).ok
        submits = session.execute(
            select(AuditEvent.object_id).where(AuditEvent.action == "tally.submit")
        ).all()
        # The other district's event was chained first: it committed first.
        assert [int(s) for (s,) in submits] == [receipts["T2A-1"].id, receipts["T1A-1"].id]
        # Read your writes: the city's and the unit's totals count both, once settled.
        for kind, scope in (
            ("area", select(Area.id).where(Area.code == "T")),
            ("unit", select(Unit.id).where(Unit.code == "QH1")),
        ):
            reported = session.scalar(
                select(ResultTotal.reported).where(
                    ResultTotal.scope_kind == kind,
                    ResultTotal.scope_id == scope.scalar_subquery(),
                    ResultTotal.contest_id
                    == select(Contest.id).where(Contest.code == "QH").scalar_subquery(),
                    ResultTotal.round_no == 1,
                )
            )
            assert reported == 2, kind
    engine.dispose()


def test_a_submission_in_the_same_district_waits_for_the_held_one(database):
    # T1A-1 and T1B-1: two wards of district T1; both add to T1's total.
    finished, _took, receipts = _held_and_other(database, "T1A-1", "T1B-1", wait=3.0)
    assert not finished, "the same district's submission should wait for the district's row"
    assert set(receipts) == {"T1A-1", "T1B-1"}  # and goes through once the first commits
    engine, sessions = database.sessions()
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(PendingWrite)) == 0
        assert chain.verify_chain(session).ok
        assert recompute.compare(session).ok
    engine.dispose()
