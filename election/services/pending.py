"""What a write transaction leaves for the step after its commit (``services.settle``).

Its audit events and what it adds to the far totals are kept in the session while it works
and stored as one ``pending_write`` row when it commits: one insert, whatever it wrote.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session, SessionTransaction

from election.domain.clock import utcnow
from election.models import PendingWrite

# The ``Session.info`` key; ``db._Session.commit`` looks for it.
KEY = "pending"


@dataclass
class Pending:
    transaction: SessionTransaction | None
    events: list[dict] = field(default_factory=list)  # as ``audit_event`` rows, unnumbered
    delta: Any = None  # a ``ledger.Ledger`` of the far rows

    def __bool__(self) -> bool:
        return bool(self.events or self.delta)


def of(session: Session) -> Pending:
    """The session's transaction's pending work (empty at first)."""
    current = session.get_transaction()
    found = session.info.get(KEY)
    if found is None or found.transaction is not current:
        found = session.info[KEY] = Pending(current)
    return found


def take(session: Session) -> Pending | None:
    """The transaction's pending work, forgotten by the session (None when there is none)."""
    found = session.info.pop(KEY, None)
    if not found or found.transaction is not session.get_transaction():
        return None
    return found


def store(session: Session) -> bool:
    """Store the transaction's pending work as one row, before its commit; whether there was any."""
    found = take(session)
    if found is None:
        return False
    session.connection().execute(
        _STORE,
        {
            "at": utcnow(),
            "events": [_as_json(e) for e in found.events],
            "delta": found.delta.as_json() if found.delta else None,
        },
    )
    return True


_STORE = insert(PendingWrite)


def _as_json(event: dict) -> dict:
    return event | {"at": event["at"].isoformat()}


def event_from_json(stored: dict) -> dict:
    return stored | {"at": dt.datetime.fromisoformat(stored["at"])}
