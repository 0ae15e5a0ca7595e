"""A unit's rounds as data (domain.md §6.5–6.6): each sequence worked out by hand.

The unit has 3 seats and 6 candidates C1…C6 (C1 oldest). Unless a test says otherwise a
round has 2.000 voters on the roll, 1.500 voted, 1.480 valid and 20 invalid ballots, so a
candidate qualifies with 741 votes or more (votes × 2 > 1.480).
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from election.domain.results import Result
from election.domain.rounds import RoundData, course
from election.domain.winners import UnitCandidate

PEOPLE = [UnitCandidate(f"C{i}", f"Người {i}", dt.date(1960 + i, 1, 1), i) for i in range(1, 7)]
CODES = [c.code for c in PEOPLE]


def votes(
    *counts: int,
    roll: int = 2000,
    voted: int = 1500,
    valid: int = 1480,
    areas: tuple[int, int] = (4, 4),
) -> Result:
    """A round's result with ``counts`` for C1, C2, … in order (the rest 0)."""
    got = dict(zip(CODES, counts, strict=False))
    return Result(
        areas[0],
        areas[1],
        roll,
        voted,
        voted,
        voted,
        valid,
        voted - valid,
        tuple((code, got.get(code, 0)) for code in CODES),
    )


def rounds(*data: tuple[str, Result], contest: str = "QH", seats: int = 3):
    return course(PEOPLE, seats, contest, [RoundData(kind, result) for kind, result in data])


def test_partial_first_round_concludes_nothing_then_complete_elects():
    partial = rounds(("first", votes(900, 800, 760, 100, 10, 0, areas=(4, 1), voted=700)))
    assert (partial.elected, partial.next_rounds, partial.complete) == ((), (), False)
    assert partial.current.outcome.leading == ("C1", "C2", "C3")
    assert partial.current.outcome.re_election is False  # 700 of 2.000 so far: no verdict
    complete = rounds(("first", votes(900, 800, 760, 100, 10, 0)))
    assert (complete.elected, complete.still_open, complete.next_rounds) == (
        ("C1", "C2", "C3"),
        0,
        (),
    )


def test_first_then_re_election_then_additional():
    void = ("first", votes(900, 800, 760, voted=1000, valid=990))  # 1.000 of 2.000: void
    # Re-election: the whole list for all 3 seats; only C2 (800 > 740) qualifies.
    again = ("re_election", votes(600, 800, 500, 300, 200, 100, voted=1500, valid=1480))
    unit = rounds(void, again)
    assert unit.rounds[0].outcome.re_election is True
    assert [c.code for c in unit.rounds[1].ballot] == CODES
    assert (unit.rounds[1].seats, unit.elected, unit.still_open) == (3, ("C2",), 2)
    assert unit.next_rounds == ("additional",)
    # The additional follows the re-election: its ballot is the re-election's candidates
    # not elected in it (C2 out), for the 2 seats still open.
    extra = ("additional", votes(700, 0, 710, 200, 150, 100, voted=1400, valid=1380))
    unit = rounds(void, again, extra)
    third = unit.rounds[2]
    assert [c.code for c in third.ballot] == ["C1", "C3", "C4", "C5", "C6"]
    assert third.seats == 2
    # C3 710 and C1 700 both qualify (> 690): the union is C2, C3, C1.
    assert unit.elected == ("C2", "C3", "C1")
    assert (unit.still_open, unit.next_rounds, unit.final) == (0, (), False)  # not verified


def test_first_then_additional_then_re_election_keeps_the_first_winners():
    # Round 1 elects C1 only (900 > 740); QH: an additional election for 2 seats.
    first = ("first", votes(900, 700, 600, 200, 50, 30))
    additional = ("additional", votes(0, 900, 800, 700, voted=900, valid=890))  # 900 of 2.000
    unit = rounds(first, additional)
    assert [c.code for c in unit.rounds[1].ballot] == ["C2", "C3", "C4", "C5", "C6"]
    assert unit.rounds[1].seats == 2
    # Turnout not above half in an additional election: the board decides; nothing concluded.
    assert unit.board_decides is True
    assert unit.rounds[1].outcome.elected == ()
    assert (unit.elected, unit.next_rounds) == (("C1",), ("re_election",))
    # The board opens a re-election: C1 stays elected, the re-election fills the 2 open
    # seats from the original list without C1.
    again = ("re_election", votes(0, 800, 795, 200, voted=1600, valid=1580))  # > 790 qualifies
    unit = rounds(first, additional, again)
    third = unit.rounds[2]
    assert ([c.code for c in third.ballot], third.seats) == (["C2", "C3", "C4", "C5", "C6"], 2)
    assert unit.elected == ("C1", "C2", "C3")
    # No further round: no second additional election, no second re-election.
    assert unit.next_rounds == ()


def test_hdnd_two_thirds_counts_earlier_winners():
    # HĐND, 6 seats, first round elects 3 (half): fewer than two thirds → additional for 3.
    six = [UnitCandidate(f"C{i}", f"Người {i}", dt.date(1960 + i, 1, 1), i) for i in range(1, 10)]
    codes = [c.code for c in six]

    def res(*counts: int) -> Result:
        padded = [*counts, *[0] * (len(codes) - len(counts))]
        return Result(
            4, 4, 2000, 1500, 1500, 1500, 1480, 20, tuple(zip(codes, padded, strict=True))
        )

    first = course(six, 6, "HDND_TINH", [RoundData("first", res(900, 850, 800, 300, 200, 100))])
    assert (first.elected, first.still_open, first.next_rounds) == (
        ("C1", "C2", "C3"),
        3,
        ("additional",),
    )
    # The additional elects one more (4 of 6 is two thirds): the unit is settled.
    both = course(
        six,
        6,
        "HDND_TINH",
        [
            RoundData("first", res(900, 850, 800, 300, 200, 100)),
            RoundData("additional", res(0, 0, 0, 800, 300, 200, 100)),
        ],
    )
    assert (both.elected, both.still_open, both.next_rounds) == (("C1", "C2", "C3", "C4"), 2, ())


def test_an_incomplete_later_round_keeps_earlier_winners_and_concludes_nothing():
    first = ("first", votes(900, 700, 600, 200, 50, 30))
    partial = ("additional", votes(0, 400, 300, voted=500, valid=700, areas=(4, 1)))
    unit = rounds(first, partial)
    assert (unit.elected, unit.next_rounds, unit.complete) == (("C1",), (), False)
    assert unit.current.outcome.leading == ("C2", "C3")


def test_a_tie_for_the_committee_holds_its_seat_out_of_the_additional_election():
    # C3 and C4: equal votes (760) and (made) equal birth at the last seat: the committee
    # decides that seat; nothing is open, so no additional election.
    twins = [*PEOPLE[:3], UnitCandidate("C4", "Người 4", PEOPLE[2].date_of_birth, 4), *PEOPLE[4:]]
    unit = course(twins, 3, "QH", [RoundData("first", votes(900, 800, 760, 760))])
    assert unit.elected == ("C1", "C2")
    assert (unit.awaiting_decision, unit.seats_to_decide) == (("C3", "C4"), 1)
    assert (unit.still_open, unit.next_rounds) == (0, ())


def test_votes_off_the_ballot_are_shown_not_counted():
    first = ("first", votes(900, 700, 600))
    # C1 was elected in round 1 and is not on the additional ballot; a vote for C1 there
    # (only possible if round 1 changed afterwards) is reported, not counted.
    unit = rounds(first, ("additional", votes(5, 900, 800)))
    assert unit.current.stray == ("C1",)
    assert "C1" not in dict(unit.current.result.votes)


def test_rounds_must_start_with_a_first_round():
    with pytest.raises(ValueError):
        course(PEOPLE, 3, "QH", [RoundData("additional", votes(1))])


KINDS = st.sampled_from(["first", "additional", "re_election"])


@st.composite
def sequences(draw):
    """A unit (1–4 seats, seats+0–3 candidates) and 1–4 rounds of random figures."""
    seats = draw(st.integers(1, 4))
    people = PEOPLE[: min(6, seats + draw(st.integers(0, 3)))]
    kinds = ["first", *draw(st.lists(KINDS.filter(lambda k: k != "first"), max_size=3))]
    data = []
    for kind in kinds:
        roll = draw(st.integers(1, 3000))
        voted = draw(st.integers(0, roll))
        valid = draw(st.integers(0, voted))
        counts = [draw(st.integers(0, valid)) for _ in people]
        total = draw(st.integers(1, 5))
        reported = draw(st.integers(0, total))
        data.append(
            RoundData(
                kind,
                Result(
                    total,
                    reported,
                    roll,
                    voted,
                    voted,
                    voted,
                    valid,
                    voted - valid,
                    tuple(zip([c.code for c in people], counts, strict=True)),
                ),
            )
        )
    return people, seats, draw(st.sampled_from(["QH", "HDND_TINH"])), data


@settings(max_examples=400, deadline=None)
@given(sequences())
def test_winners_never_exceed_the_seats_and_never_lose_an_earlier_winner(case):
    people, seats, contest, data = case
    previous: tuple[str, ...] = ()
    for n in range(1, len(data) + 1):
        unit = course(people, seats, contest, data[:n])
        assert len(unit.elected) == len(set(unit.elected)) <= seats
        assert unit.elected[: len(previous)] == previous
        assert unit.still_open >= 0
        for judged in unit.rounds:
            if not judged.complete:
                assert judged.outcome.elected == ()
                assert not (judged.outcome.re_election or judged.outcome.additional_election)
        previous = unit.elected
