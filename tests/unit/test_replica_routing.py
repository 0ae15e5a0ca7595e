"""Who reads the replica, and when the replica may serve: the rules of election.replica."""

from __future__ import annotations

import pytest

from election.replica import ReplicaState, keeps_up, reader_may_lag

STREAMING = ReplicaState(in_recovery=True, streaming=True, lag_seconds=0.0)


@pytest.mark.parametrize(
    ("role", "wrote_recently", "may"),
    [
        (None, False, True),  # the public
        ("board", False, True),
        ("board", True, False),  # right after their own write: the primary
        ("officer", False, False),  # read-your-writes, always
        ("reviewer", False, False),
        ("admin", False, False),
        (None, True, False),
    ],
)
def test_only_the_public_and_the_board_may_read_a_lagging_answer(role, wrote_recently, may):
    assert reader_may_lag(role, wrote_recently) is may


@pytest.mark.parametrize(
    ("state", "fit"),
    [
        (STREAMING, True),
        (ReplicaState(True, True, 4.99), True),
        (ReplicaState(True, True, 5.0), False),  # the limit itself is too late
        (ReplicaState(True, True, 31.0), False),
        (ReplicaState(True, True, None), False),  # nothing replayed yet
        (ReplicaState(True, False, 0.0), False),  # cut off from the primary: not following it
        (ReplicaState(False, True, 0.0), False),  # promoted: no longer a copy of the primary
        (None, False),  # unreachable
    ],
)
def test_the_replica_serves_only_as_a_streaming_standby_within_the_limit(state, fit):
    assert keeps_up(state, max_lag=5.0) is fit
