"""Time: every stored time is UTC; Vietnam reads it at UTC+7."""

from __future__ import annotations

import datetime as dt

# Vietnam has kept UTC+7 all year since 1975, with no daylight saving: a fixed offset
# is exact and needs no time-zone database on the host.
VIETNAM_TIME = dt.timezone(dt.timedelta(hours=7), "ICT")


def utcnow() -> dt.datetime:
    """Now, as an aware UTC time."""
    return dt.datetime.now(dt.UTC)


def as_utc(at: dt.datetime) -> dt.datetime:
    """A stored time made aware: SQLite hands back naive datetimes, and every stored time is UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


def in_vietnam(at: dt.datetime) -> dt.datetime:
    """A stored time as Vietnam's clocks showed it."""
    return as_utc(at).astimezone(VIETNAM_TIME)
