"""The audit log as people read it: newest first, from a sequence number or a time (#20)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from election.domain.clock import as_utc
from election.models.audit import AuditEvent
from election.services.audit.chain import filtered


@dataclass(frozen=True)
class Chosen:
    """The events a reader asks for: one action, one actor, some objects of one type."""

    action: str | None = None
    actor: str | None = None
    object_type: str | None = None
    object_ids: list[str] | None = None


def older(session: Session, chosen: Chosen, limit: int, before: int | None) -> list[AuditEvent]:
    """Up to ``limit`` events numbered below ``before`` (from the newest when None), newest first."""
    query = select(AuditEvent)
    if before is not None:
        query = query.where(AuditEvent.seq < before)
    query = _chosen(query, chosen).order_by(AuditEvent.seq.desc()).limit(limit)
    return list(session.scalars(query))


def newer(session: Session, chosen: Chosen, limit: int, after: int) -> list[AuditEvent]:
    """The ``limit`` events just after number ``after``, newest first: the page above."""
    query = _chosen(select(AuditEvent).where(AuditEvent.seq > after), chosen)
    return list(reversed(session.scalars(query.order_by(AuditEvent.seq).limit(limit)).all()))


def last_at(session: Session, at: dt.datetime) -> int | None:
    """The number of the last event written at or before ``at`` (None: the log starts later)."""
    # Events are appended in time order, so walking the key down from the newest finds it.
    return session.scalar(
        select(AuditEvent.seq)
        .where(AuditEvent.at <= as_utc(at).astimezone(dt.UTC))
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )


def newest_seq(session: Session) -> int:
    return session.scalar(select(func.max(AuditEvent.seq))) or 0


def _chosen(query, chosen: Chosen):
    return filtered(query, chosen.action, chosen.actor, chosen.object_type, chosen.object_ids)
