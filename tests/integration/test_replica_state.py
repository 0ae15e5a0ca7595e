"""What election.replica.replica_state reads from a database that is not a standby."""

from __future__ import annotations

from election.db import ping
from election.replica import ReplicaState, keeps_up, replica_state


def test_a_database_that_is_no_standby_is_never_read_as_a_replica(session):
    state = replica_state(session)
    if session.get_bind().dialect.name == "postgresql":
        # A primary: not in recovery, no WAL receiver, and no replay, so no lag to speak of.
        assert state == ReplicaState(in_recovery=False, streaming=False, lag_seconds=None)
    else:
        assert state is None  # SQLite has none of PostgreSQL's functions: unreachable
    assert keeps_up(state, max_lag=5.0) is False
    ping(session)  # the session is still usable after a failed probe
