"""Submission rate limit per user, counted from the audit log (shared by every worker)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.domain.clock import as_utc, utcnow
from election.domain.errors import TooManyRequests
from election.models import AuditEvent, User

WINDOW = dt.timedelta(minutes=1)
MAX_CHANGES = 60
COUNTED = ("tally.submit", "tally.correct", "turnout.report")


def check(session: Session, user: User) -> None:
    """Refuse a user's 61st record change within a minute (429 with Retry-After)."""
    now = utcnow()
    times = session.scalars(
        select(AuditEvent.at)
        .where(
            AuditEvent.actor_id == user.id,
            AuditEvent.action.in_(COUNTED),
            AuditEvent.at >= now - WINDOW,
        )
        .order_by(AuditEvent.seq.desc())
        .limit(MAX_CHANGES)
    ).all()
    if len(times) < MAX_CHANGES:
        return
    oldest = as_utc(times[-1])
    wait = int((oldest + WINDOW - now).total_seconds()) + 1
    raise TooManyRequests(
        f"Quá {MAX_CHANGES} lần gửi biên bản trong một phút; hãy thử lại sau {max(1, wait)} giây",
        wait,
    )
