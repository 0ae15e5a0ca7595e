"""Submission rate limit per user, counted from the audit log (shared by every worker)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from election.domain.clock import as_utc, utcnow
from election.domain.errors import TooManyRequests
from election.models import AuditEvent, User

WINDOW = dt.timedelta(minutes=1)
MAX_CHANGES = 60
COUNTED = ("tally.submit", "tally.correct", "turnout.report")


# When the user's MAX_CHANGES-th latest change within the window was, as a scalar subquery:
# NULL while they made fewer (their latest events, newest first, by index). Its parameters:
# ``window(user_id, now)``.
OLDEST_COUNTED = (
    select(AuditEvent.at)
    .where(
        AuditEvent.actor_id == bindparam("rate_actor_id"),
        AuditEvent.action.in_(COUNTED),
        AuditEvent.at >= bindparam("rate_since"),
    )
    .order_by(AuditEvent.seq.desc())
    .offset(MAX_CHANGES - 1)
    .limit(1)
    .scalar_subquery()
)


def window(user_id: int, now: dt.datetime) -> dict[str, object]:
    """The parameters of ``OLDEST_COUNTED`` for a user at ``now``."""
    return {"rate_actor_id": user_id, "rate_since": now - WINDOW}


def check(session: Session, user: User) -> None:
    """Refuse a user's 61st record change within a minute (429 with Retry-After)."""
    now = utcnow()
    oldest = session.connection().scalar(select(OLDEST_COUNTED), window(user.id, now))
    refuse_over_limit(oldest, now)


def refuse_over_limit(oldest: dt.datetime | None, now: dt.datetime) -> None:
    """429 when ``oldest_counted`` found a MAX_CHANGES-th change, until it leaves the window."""
    if oldest is None:
        return
    wait = int((as_utc(oldest) + WINDOW - now).total_seconds()) + 1
    raise TooManyRequests(
        f"Quá {MAX_CHANGES} lần gửi biên bản trong một phút; hãy thử lại sau {max(1, wait)} giây",
        wait,
    )
