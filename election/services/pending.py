"""What a write transaction leaves for the step after its commit (``services.settle``).

Its audit events and what it adds to the far totals are kept in the session while it works
and stored as one ``pending_write`` row when it commits: one insert, whatever it wrote.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, insert
from sqlalchemy.orm import Session, SessionTransaction

from election.domain.clock import utcnow
from election.models import IdempotencyKey, PendingWrite

# The ``Session.info`` key; ``db._Session.commit`` looks for it.
KEY = "pending"


@dataclass
class Pending:
    transaction: SessionTransaction | None
    events: list[dict] = field(default_factory=list)  # as ``audit_event`` rows, unnumbered
    delta: Any = None  # a ``ledger.Ledger`` of the far rows
    key: dict | None = None  # an ``idempotency_key`` row, inserted with the pending row

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
    row = {
        "at": utcnow(),
        "events": [_as_json(e) for e in found.events],
        "delta": found.delta.as_json() if found.delta else None,
    }
    if found.key is None:
        session.connection().execute(_STORE, row)
    else:  # one statement; an IntegrityError if a twin stored the same key first
        session.connection().execute(
            _STORE_WITH_KEY, _prefixed("pending_", row) | _prefixed("key_", found.key)
        )
    return True


def keep_key(session: Session, row: dict) -> bool:
    """Insert an ``idempotency_key`` row with the pending row (one statement less); whether kept.

    Only on PostgreSQL, and only once the transaction has events pending, so that its
    commit stores them; otherwise the caller inserts the row itself.
    """
    if session.get_bind().dialect.name != "postgresql":
        return False
    found = session.info.get(KEY)
    if not found or found.transaction is not session.get_transaction():
        return False
    found.key = row
    return True


def _prefixed(prefix: str, row: dict) -> dict:
    return {f"{prefix}{name}": value for name, value in row.items()}


def _store_with_key():
    def values(table, prefix: str) -> dict:
        names = [c.name for c in table.columns if c.name != "id"]
        return {n: bindparam(f"{prefix}{n}", type_=table.c[n].type) for n in names}

    keys = IdempotencyKey.__table__
    key_row = insert(keys).values(values(keys, "key_")).cte("key_row")
    pending = PendingWrite.__table__
    return insert(pending).values(values(pending, "pending_")).add_cte(key_row)


_STORE = insert(PendingWrite.__table__)
_STORE_WITH_KEY = _store_with_key()


def _as_json(event: dict) -> dict:
    return event | {"at": event["at"].isoformat()}


def event_from_json(stored: dict) -> dict:
    return stored | {"at": dt.datetime.fromisoformat(stored["at"])}
