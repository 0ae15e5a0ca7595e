"""The append-only audit log, a hash chain."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from election.db import Base


class AuditEvent(Base):
    """One change or login; ``hash`` covers ``prev_hash`` and the canonical content."""

    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    # What the actor came through: "session" (the pages), "token:<id>" (the API), "cli".
    # None on events written before issue 15, whose hash does not cover it.
    credential: Mapped[str | None] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(80))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (
        Index("ix_audit_event_object", "object_type", "object_id"),
        # An actor's latest events first (the submission rate limit), and any lookup by actor.
        Index("ix_audit_event_actor_seq", "actor_id", "seq"),
        Index("ix_audit_event_action", "action"),
    )


class PendingWrite(Base):
    """What one committed write left for the short step after it (``services.settle``).

    ``events`` are its audit events, not chained yet (no numbers, no hashes); ``delta`` is
    what it adds to the totals every district shares (the city, the country, units that span
    districts), summed (``ledger.Ledger.as_json``). The step chains the events in the order
    of ``id``, adds the deltas and deletes the row in one transaction. Nothing here is part
    of the chain: a stored total plus the pending deltas is the sum of the records.
    """

    __tablename__ = "pending_write"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    events: Mapped[list] = mapped_column(JSON)
    delta: Mapped[dict | None] = mapped_column(JSON)


class AuditHead(Base):
    """The single row holding the chain's head; locking it serialises appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
