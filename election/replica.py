"""Reads that tolerate a few seconds of lag, served by a PostgreSQL streaming replica.

Settings: ``DATABASE_REPLICA_URL`` (empty: no replica, every read on the primary) and
``REPLICA_MAX_LAG_SECONDS`` (default 5). A read marked lag-tolerant goes to the replica
only when the replica says, through PostgreSQL's own functions, that it is a standby
that streams from the primary and replays within the limit; otherwise to the primary.
Who may read a lagging answer is ``reader_may_lag``'s rule; when the replica serves it,
``keeps_up``'s (docs/SCALING.md, "How reads are routed").
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from election.db import make_engine

# Roles whose lag-tolerant reads may come from the replica; None is a reader not signed in.
# Officers and reviewers always read the primary: what they read follows their own writes
# (a 201 is visible in the next read, CONTRACT §5); admins set up what everyone else reads.
LAG_TOLERANT_ROLES = (None, "board")

# On the standby: is it one, does its WAL receiver stream, and how far behind is its replay?
# With everything received replayed the lag is 0 (an idle primary sends nothing new); else
# it is the age of the newest transaction replayed, the usual measure.
_STATE = text(
    """
    SELECT pg_is_in_recovery(),
           (SELECT status FROM pg_stat_wal_receiver) = 'streaming',
           CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())
           END
    """
)


@dataclass(frozen=True)
class ReplicaState:
    """What the standby says about itself: a standby, streaming, its replay lag in seconds."""

    in_recovery: bool
    streaming: bool
    lag_seconds: float | None


def make_replica_engine(url: str, pool_size: int) -> Engine:
    """An engine for the replica that gives up quickly: a replica that does not answer
    within a second is skipped for the primary, not waited for."""
    if url.startswith("sqlite"):  # a copy of a file, for the tests without a cluster
        return make_engine(url)
    return make_engine(url, pool_size=pool_size, connect_args={"connect_timeout": 1})


def replica_state(session: Session) -> ReplicaState | None:
    """The replica's state through ``session``, or None when it cannot be reached."""
    try:
        in_recovery, streaming, lag = session.execute(_STATE).one()
    except DBAPIError:
        session.rollback()
        return None
    return ReplicaState(bool(in_recovery), bool(streaming), None if lag is None else float(lag))


def reader_may_lag(role: str | None, wrote_recently: bool) -> bool:
    """May a reader with ``role`` be given a lagging answer?

    Not right after their own write: whatever they wrote more than the limit ago, a replica
    within the limit has, and what they wrote since goes to the primary.
    """
    return role in LAG_TOLERANT_ROLES and not wrote_recently


def keeps_up(state: ReplicaState | None, max_lag: float) -> bool:
    """Is the replica a streaming standby whose replay is within ``max_lag`` seconds?"""
    return (
        state is not None
        and state.in_recovery
        and state.streaming
        and state.lag_seconds is not None
        and state.lag_seconds < max_lag
    )
