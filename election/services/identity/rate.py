"""Submission rate limit per user, counted from the audit log (shared by every worker)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ScalarSelect, select
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
    refuse_over_limit(session.connection().scalar(select(oldest_counted(user.id, now))), now)


def oldest_counted(user_id: int, now: dt.datetime) -> ScalarSelect[dt.datetime]:
    """When the user's MAX_CHANGES-th latest change within the window was, as a scalar
    subquery: NULL while they made fewer (their latest events, newest first, by index)."""
    return (
        select(AuditEvent.at)
        .where(
            AuditEvent.actor_id == user_id,
            AuditEvent.action.in_(COUNTED),
            AuditEvent.at >= now - WINDOW,
        )
        .order_by(AuditEvent.seq.desc())
        .offset(MAX_CHANGES - 1)
        .limit(1)
        .scalar_subquery()
    )


def refuse_over_limit(oldest: dt.datetime | None, now: dt.datetime) -> None:
    """429 when ``oldest_counted`` found a MAX_CHANGES-th change, until it leaves the window."""
    if oldest is None:
        return
    wait = int((as_utc(oldest) + WINDOW - now).total_seconds()) + 1
    raise TooManyRequests(
        f"Quá {MAX_CHANGES} lần gửi biên bản trong một phút; hãy thử lại sau {max(1, wait)} giây",
        wait,
    )
