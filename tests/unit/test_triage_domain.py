"""Triage of a unit (CONTRACT §6.5): worked examples and the soundness property.

The property: for random units and random completions of their outstanding voting areas
within the hard rules, a unit called decided ends with the outcome its figures so far give.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from election.domain.results import Result
from election.domain.triage import PendingArea, UnitState, order, triage
from election.domain.winners import (
    ADDITIONAL,
    FIRST,
    RE_ELECTION,
    Earlier,
    UnitCandidate,
    UnitOutcome,
    winners,
)

NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em")
BORN = (dt.date(1960, 1, 1), dt.date(1970, 1, 1), dt.date(1980, 1, 1))


def candidates(n: int, born: tuple[dt.date, ...] | None = None) -> tuple[UnitCandidate, ...]:
    dates = born or tuple(dt.date(1960 + i, 1, 1) for i in range(n))
    return tuple(UnitCandidate(f"C{i + 1}", NAMES[i], dates[i], i + 1) for i in range(n))


def state(
    votes: list[int],
    valid: int,
    voted: int,
    roll: int,
    pending: list[tuple[str, int]],
    seats: int = 1,
    contest: str = "QH",
    reported: int = 2,
) -> UnitState:
    ballot = candidates(len(votes))
    result = Result(
        reported + len(pending),
        reported,
        roll,
        voted,
        voted,
        valid,
        valid,
        0,
        tuple((c.code, n) for c, n in zip(ballot, votes, strict=True)),
    )
    return UnitState(
        "U1",
        contest,
        FIRST,
        seats,
        Earlier(seats),
        ballot,
        result,
        tuple(PendingArea(code, r) for code, r in pending),
    )


# -- worked examples -------------------------------------------------------------------------


def test_a_complete_unit_is_decided():
    t = triage(state([600, 400], 1000, 1000, 1500, []))
    assert (t.complete, t.decided, t.outstanding_voters, t.reasons, t.need) == (
        True,
        True,
        0,
        (),
        None,
    )
    assert t.outcome.elected == ("C1",)


def test_a_lead_larger_than_the_outstanding_roll_is_decided():
    # C1 600 of 1.000 valid; 150 outstanding voters: C1 keeps 600 > (1.000 + 150)/2 = 575,
    # C2 reaches at most 400 + 150 = 550 < 600. Needs: C1's 2·600 − 1.000 = 200; C2's
    # qualification 1.000 − 800 + 1 = 201 and reach 600 − 400 + 1 (younger) = 201.
    t = triage(state([600, 400], 1000, 1000, 1500, [("12", 100), ("14", 50)]))
    assert (t.decided, t.need, t.outstanding_voters) == (True, 200, 150)
    assert [p.can_change_outcome for p in t.pending] == [False, False]


def test_a_lead_within_the_outstanding_roll_is_not_decided_and_names_the_areas():
    # Need 200 (above); 2.150 outstanding: KV 12 (2.000) alone could, KV 14 (150) could not.
    # Turnout stays above half: 4.000 × 2 > 5.000 + 2.150.
    t = triage(state([600, 400], 1000, 4000, 5000, [("12", 2000), ("14", 150)]))
    assert (t.decided, t.need, t.outstanding_voters) == (False, 200, 2150)
    assert [(p.code, p.can_change_outcome) for p in t.pending] == [("12", True), ("14", False)]
    assert t.reasons == (
        "KV 12 (2.000 cử tri) có thể làm ứng cử viên Nguyễn Văn An không còn quá một nửa "
        "số phiếu hợp lệ.",
        "KV 12 (2.000 cử tri) có thể đưa ứng cử viên Trần Thị Bình vượt Nguyễn Văn An ở ghế thứ 1.",
    )


def test_two_areas_together_are_named_when_neither_alone_suffices():
    # Need 200; KV 12 has 120 and KV 14 has 110 voters: only together (230) could they.
    t = triage(state([600, 400], 1000, 1000, 1500, [("12", 120), ("14", 110)]))
    assert (t.decided, t.need) == (False, 200)
    assert [p.can_change_outcome for p in t.pending] == [False, False]
    assert t.reasons == (
        "KV 12 và KV 14 (230 cử tri) nếu cùng gửi biên bản có thể làm ứng cử viên "
        "Nguyễn Văn An không còn quá một nửa số phiếu hợp lệ.",
        "KV 12 và KV 14 (230 cử tri) nếu cùng gửi biên bản có thể đưa ứng cử viên "
        "Trần Thị Bình vượt Nguyễn Văn An ở ghế thứ 1.",
    )


def test_turnout_that_could_still_cross_half_is_not_decided():
    # Roll 1.000 reported + 300 outstanding = 1.300; 600 voted: valid needs 651, i.e. 51 more.
    t = triage(state([350, 250], 600, 600, 1000, [("7", 300)]))
    assert (t.decided, t.need) == (False, 51)
    assert t.outcome.void
    assert t.reasons == (
        "KV 7 (300 cử tri) có thể đưa số cử tri đi bầu lên quá một nửa "
        "(651/1.300 cử tri; hiện có 600).",
    )


def test_a_unit_that_cannot_reach_half_turnout_is_decided_void():
    # Roll 1.000 + 100 = 1.100; 400 voted; at most 500 ≤ 550: void whatever comes.
    t = triage(state([300, 100], 400, 400, 1000, [("7", 100)]))
    assert (t.decided, t.need) == (True, 151)
    assert t.outcome.void


def test_an_empty_seat_could_be_filled_by_a_candidate_below_half():
    # Two seats, C1 700, C2 300, C3 200 of 1.000 valid, 500 outstanding: C1 drops below
    # half with 2·700 − 1.000 = 400 more valid ballots, C2 qualifies with 1.000 − 600 + 1 =
    # 401 votes, C3 would need 601 > 500.
    t = triage(state([700, 300, 200], 1000, 1000, 1200, [("9", 500)], seats=2))
    assert (t.decided, t.need) == (False, 400)
    assert t.reasons == (
        "KV 9 (500 cử tri) có thể làm ứng cử viên Nguyễn Văn An không còn quá một nửa "
        "số phiếu hợp lệ.",
        "KV 9 (500 cử tri) có thể đưa ứng cử viên Trần Thị Bình đạt quá một nửa số phiếu "
        "hợp lệ và trúng cử (ghế thứ 2).",
    )


def test_a_tie_for_the_committee_breaks_with_one_vote():
    born = (BORN[0], BORN[0])
    s = state([500, 500], 900, 900, 1200, [("3", 1)])
    s = replace(s, ballot=candidates(2, born))
    t = triage(s)
    assert (t.decided, t.need) == (False, 1)


def test_order_puts_undecided_and_close_units_first():
    # A needs 200 of 2.000 outstanding; B's turnout needs 48.501 of 100.000.
    close = replace(triage(state([600, 400], 1000, 4000, 5000, [("1", 2000)])), unit="A")
    far = replace(triage(state([600, 400], 1000, 4000, 5000, [("1", 100_000)])), unit="B")
    assert (close.need, far.need) == (200, 48_501)
    done = replace(triage(state([600, 400], 1000, 1000, 1500, [])), unit="C")
    assert [t.unit for t in order([done, far, close])] == ["A", "B", "C"]


# -- the soundness property ------------------------------------------------------------------


def record(rng: random.Random, roll: int, seats: int, n: int, bias: list[int] | None) -> tuple:
    """(voted, valid, votes) a polling team could report: each valid ballot keeps 1..seats."""
    voted = rng.choice([0, roll, rng.randint(0, roll)])
    valid = rng.choice([0, roll, rng.randint(0, roll)])
    votes = [0] * n
    for _ in range(valid):
        keep = rng.randint(1, min(seats, n)) if seats else 1
        pool = bias if bias and rng.random() < 0.9 else list(range(n))
        names = rng.sample(pool, min(keep, len(pool)))
        for j in names:
            votes[j] += 1
    return voted, valid, votes


@st.composite
def units(draw):
    n = draw(st.integers(1, 5))
    seats = draw(st.integers(1, min(3, n)))
    kind = draw(st.sampled_from([FIRST, FIRST, ADDITIONAL, RE_ELECTION]))
    contest = draw(st.sampled_from(["QH", "HDND_XA"]))
    born = tuple(draw(st.sampled_from(BORN)) for _ in range(n))
    rng = random.Random(draw(st.integers(0, 2**32)))
    # Outstanding rolls small beside the reported ones, so that many units are decided.
    reported = [draw(st.integers(0, 60)) for _ in range(draw(st.integers(0, 4)))]
    pending = [draw(st.integers(0, 8)) for _ in range(draw(st.integers(0, 3)))]
    totals = [0, 0, 0, [0] * n]
    for roll in reported:
        voted, valid, votes = record(rng, roll, seats, n, None)
        totals = [totals[0] + roll, totals[1] + voted, totals[2] + valid, totals[3]]
        totals[3] = [a + b for a, b in zip(totals[3], votes, strict=True)]
    ballot = candidates(n, born)
    result = Result(
        len(reported) + len(pending),
        len(reported),
        totals[0],
        totals[1],
        totals[1],
        totals[2],
        totals[2],
        0,
        tuple((c.code, v) for c, v in zip(ballot, totals[3], strict=True)),
    )
    earlier = Earlier(seats + draw(st.integers(0, 2)), draw(st.integers(0, 1)))
    pend = tuple(PendingArea(f"P{i}", r) for i, r in enumerate(pending))
    return UnitState("U", contest, kind, seats, earlier, ballot, result, pend), rng


def rolls(s: UnitState) -> list[int]:
    return [p.voters_on_roll for p in s.pending]


def settled(outcome: UnitOutcome) -> tuple:
    return (
        outcome.void,
        outcome.board_decides,
        frozenset(outcome.elected),
        frozenset(outcome.tie_needs_decision),
        outcome.seats_to_decide,
        outcome.additional_election,
        outcome.re_election,
    )


def complete(s: UnitState, records: list[tuple]) -> Result:
    r = s.result
    votes = [v for _, v in r.votes]
    roll, voted, valid = r.voters_on_roll, r.voters_voted, r.ballots_valid
    for p, (v, w, vs) in zip(s.pending, records, strict=True):
        roll, voted, valid = roll + p.voters_on_roll, voted + v, valid + w
        votes = [a + b for a, b in zip(votes, vs, strict=True)]
    codes = [c for c, _ in r.votes]
    return Result(
        r.voting_areas_total,
        r.voting_areas_total,
        roll,
        voted,
        voted,
        valid,
        valid,
        0,
        tuple(zip(codes, votes, strict=True)),
    )


@settings(max_examples=1500, deadline=None)
@given(units())
def test_a_unit_called_decided_never_changes_outcome(case):
    s, rng = case
    t = triage(s)
    if not t.decided:
        return
    n = len(s.ballot)
    # Random completions, and completions that pour every ballot onto one or two names.
    biases: list[list[int] | None] = [None, *([j] for j in range(n))]
    biases += [[j, k] for j in range(n) for k in range(n) if j < k]
    completions = [
        [record(rng, p.voters_on_roll, s.seats, n, bias) for p in s.pending] for bias in biases * 3
    ]
    # The extremes: every ballot of every outstanding area keeps one name only.
    for j in range(n):
        for turnout in (0, 1):
            one = [[r if k == j else 0 for k in range(n)] for r in rolls(s)]
            completions.append([(r * turnout, r, v) for r, v in zip(rolls(s), one, strict=True)])
    for records in completions:
        outcome = winners(
            s.ballot, complete(s, records), s.seats, s.contest, s.round_kind, s.earlier
        )
        assert settled(outcome) == settled(t.outcome), (s, records)


@settings(max_examples=200, deadline=None)
@given(units())
def test_an_area_marked_able_to_change_the_outcome_leaves_the_unit_undecided(case):
    s, _rng = case
    t = triage(s)
    if any(p.can_change_outcome for p in t.pending):
        assert not t.decided
    assert t.complete == (not s.pending)
    assert t.decided or t.reasons


def test_reaching_an_equal_count_with_the_same_birth_date_is_a_change():
    # C1 500, C2 450 of 900 valid, both born 1960-01-01, 50 outstanding: C2 at 500 ties C1
    # on votes and age, so the committee would decide: need 50, not 51.
    s = replace(state([500, 450], 900, 900, 1200, [("5", 50)]), ballot=candidates(2, BORN[:1] * 2))
    t = triage(s)
    assert (t.decided, t.need) == (False, 50)
    tied = winners(s.ballot, complete(s, [(50, 50, [0, 50])]), 1, "QH")
    assert tied.tie_needs_decision == ("C1", "C2")
