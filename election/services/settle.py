"""The short step after a write's commit: chain its audit events, fold its far totals.

A write never waits for a row every other writer needs. In its own transaction it writes
its record, the totals of its ward and district (rows only that district's writers share),
its events into ``audit_pending`` and what it adds to the far totals (the city, the
country, units that span districts) as one ``total_pending`` row. After it commits, the
same session runs ``settle`` in a new, short transaction: lock the chain's head, give every
pending event its number and hash in id order, add every pending delta to its rows, delete
what was moved, commit. The head's lock makes one settler at a time; a settler that finds
nothing left (another took it) ends at once, so under load one step serves many writes.

Why the chain stays whole (docs/SCALING.md has the longer sketch):

- an event is in exactly one place at any moment: pending rows are deleted in the
  transaction that chains them, so a committed event is either pending or in the chain,
  never both and never neither;
- numbers follow the head, which only the holder of its lock moves, so they are dense and
  each event's ``prev_hash`` is the hash of the event numbered one less, as before;
- the events of one record are chained in the order of its versions: a record's next
  version waits for the lock on its row, taken after the previous one committed, so its
  pending id is larger, and every settler takes pending events in id order;
- nothing that was committed is lost if a settler dies: its transaction rolls back and the
  next settle (after any write, or ``flask settle``) takes the same rows again.

On SQLite there is one writer at a time anyway, so the step runs in the write's own
transaction, just before its commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import delete
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from election.domain.clock import utcnow
from election.models import PendingWrite
from election.services import pending
from election.services.audit import chain
from election.services.results import ledger

log = logging.getLogger(__name__)
# The ``Session.info`` key of the process's ``settler.Settler``; without one, a write settles
# in the same request, right after its commit.
SETTLER = "settler"
_TAKE = delete(PendingWrite).returning(
    PendingWrite.id, PendingWrite.at, PendingWrite.events, PendingWrite.delta
)


def settle(session: Session) -> int:
    """Chain the pending events and fold the pending totals, in the caller's transaction.

    The head stays locked until that transaction ends, and the events it appends after this
    are chained at once: a certification or a reopening does this first, so the anchor it
    reads is the chain's whole past and its own events come right after it. What the
    transaction itself left pending so far comes last, after every committed write's.
    Returns the number of writes settled.
    """
    own = pending.take(session)
    head = chain.lock_head(session)
    # Taken and deleted in one statement; under the lock no other settler takes them.
    rows = sorted(session.connection().execute(_TAKE).all())
    events = [pending.event_from_json(e) for row in rows for e in row.events]
    deltas = [row.delta for row in rows if row.delta]
    if own is not None:
        events += own.events
        if own.delta:
            deltas.append(own.delta.as_json())
    chain.chain(session, events, head)
    if deltas:
        latest = max((row.at for row in rows if row.delta), default=None)
        ledger.fold(session, deltas, latest or utcnow())
    return len(rows) + (own is not None)


def settle_now(session: Session) -> int:
    """Settle in a transaction of its own (ends the session's current one first).

    Returns the number of writes settled.
    """
    session.commit()
    settled = settle(session)
    session.commit()
    return settled


def commit(session: Session, commit_: Callable[[], None]) -> None:
    """Commit the session's transaction (``db._Session.commit`` calls this with its own).

    A write that left work pending stores it, commits, then settles in a new transaction, or
    asks the process's settler to (``services.settler``), which settles the writes of a short
    spell together.
    """
    if not pending.store(session):
        commit_()
        return
    if session.get_bind().dialect.name == "sqlite":
        settle(session)  # one writer at a time anyway: in the same transaction
        commit_()
        return
    commit_()
    settler = session.info.get(SETTLER)
    if settler is not None:  # the worker's thread settles it, with the writes near it in time
        settler.ask()
        return
    try:
        if settle(session):
            session.commit()
        else:
            session.rollback()
    except SQLAlchemyError as exc:
        # The write itself is committed; what it left waits for the next settle.
        session.rollback()
        log.warning("settling after a commit failed; the next write settles it: %s", exc)
