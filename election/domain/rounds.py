"""An electoral unit's course over its rounds (domain.md §6.5): first, re-election, additional.

Each round is judged by ``winners`` with what the rounds before it settled: its ballot, the
seats it fills, the seats already won. Winners of an earlier round stay elected; the unit's
winners are the union of the rounds' winners, each once, never more than its seats. Votes of
different rounds are never added together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from election.domain.results import Result
from election.domain.winners import (
    ADDITIONAL,
    FIRST,
    RE_ELECTION,
    Earlier,
    UnitCandidate,
    UnitOutcome,
    winners,
)


@dataclass(frozen=True)
class RoundData:
    """One round as stored: its kind, its summed records and how many are verified."""

    kind: str
    result: Result  # may list every candidate of the unit; only the ballot's count
    verified: int = 0


@dataclass(frozen=True)
class RoundCourse:
    """One round judged in its place: the ballot and seats it had, and its outcome."""

    number: int
    kind: str
    ballot: tuple[UnitCandidate, ...]
    seats: int
    result: Result  # over ``ballot``, in ballot order
    outcome: UnitOutcome
    verified: int
    # Candidates off this round's ballot who have votes in it: only possible when an earlier
    # round changed after this one opened (its ballot then changed); shown, never counted.
    stray: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.outcome.complete

    @property
    def fully_verified(self) -> bool:
        return self.complete and self.verified >= self.result.voting_areas_total


@dataclass(frozen=True)
class UnitCourse:
    """Every round of a unit, the winners so far and what may come next."""

    seats: int
    contest: str
    rounds: tuple[RoundCourse, ...]
    elected: tuple[str, ...]  # every round's winners, each once, earliest round first
    awaiting_decision: tuple[str, ...]  # tied candidates the committee chooses among
    seats_to_decide: int
    still_open: int  # seats neither won nor left to the committee
    next_rounds: tuple[str, ...]  # the kinds of round that may be opened now
    # The law is silent on the last round (an additional election below half turnout): the
    # board decides, with its reason, whether to open what ``next_rounds`` offers.
    board_decides: bool = False

    @property
    def current(self) -> RoundCourse:
        return self.rounds[-1]

    @property
    def complete(self) -> bool:
        """The current round has every record: its conclusions stand (§6.6)."""
        return self.current.complete

    @property
    def final(self) -> bool:
        """Every round complete and verified, and nothing more to hold."""
        return all(r.fully_verified for r in self.rounds) and not self.next_rounds


def course(
    candidates: Sequence[UnitCandidate],
    seats: int,
    contest: str,
    rounds: Sequence[RoundData],
) -> UnitCourse:
    """Judge ``rounds`` (earliest first, the first one FIRST) in order; see the module."""
    if not rounds or rounds[0].kind != FIRST:
        raise ValueError("a unit's rounds start with its first round")
    ordered = tuple(sorted(candidates, key=lambda c: c.order))
    judged: list[RoundCourse] = []
    for number, data in enumerate(rounds, start=1):
        ballot, at_stake, earlier = _place(ordered, seats, data.kind, judged)
        result, stray = _restrict(data.result, ballot)
        outcome = winners(ballot, result, max(at_stake, 0), contest, data.kind, earlier)
        judged.append(
            RoundCourse(number, data.kind, ballot, at_stake, result, outcome, data.verified, stray)
        )
    elected = _elected(judged)
    last = judged[-1].outcome
    waiting = last.tie_needs_decision if last.complete else ()
    to_decide = last.seats_to_decide if last.complete else 0
    return UnitCourse(
        seats=seats,
        contest=contest,
        rounds=tuple(judged),
        elected=elected,
        awaiting_decision=waiting,
        seats_to_decide=to_decide,
        still_open=seats - len(elected) - to_decide,
        next_rounds=_next(judged),
        board_decides=last.board_decides,
    )


def _place(
    candidates: tuple[UnitCandidate, ...], seats: int, kind: str, before: list[RoundCourse]
) -> tuple[tuple[UnitCandidate, ...], int, Earlier]:
    """The ballot, the seats and the earlier rounds' settlement of the round after ``before``."""
    won = set(_elected(before))
    # The committee's pending tie decision fills its seats: they are not open again.
    pending = before[-1].outcome.seats_to_decide if before else 0
    earlier = Earlier(
        unit_seats=seats,
        filled=len(won) + pending,
        additional_held=any(r.kind == ADDITIONAL for r in before),
        re_election_held=any(r.kind == RE_ELECTION for r in before),
    )
    open_seats = seats - len(won) - pending
    if kind == ADDITIONAL and before:
        # Its ballot: the candidates of the round it follows not elected in that round.
        follows = before[-1]
        out = set(follows.outcome.elected)
        return tuple(c for c in follows.ballot if c.code not in out), open_seats, earlier
    # The first round, or a re-election: the original list, less those already elected.
    return tuple(c for c in candidates if c.code not in won), open_seats, earlier


def _restrict(result: Result, ballot: tuple[UnitCandidate, ...]) -> tuple[Result, tuple[str, ...]]:
    """``result`` over the ballot's candidates, in ballot order; and who else has votes."""
    votes = dict(result.votes)
    on_ballot = {c.code for c in ballot}
    stray = tuple(code for code, n in result.votes if n and code not in on_ballot)
    return Result(
        result.voting_areas_total,
        result.voting_areas_reported,
        result.voters_on_roll,
        result.voters_voted,
        result.ballots_issued,
        result.ballots_received,
        result.ballots_valid,
        result.ballots_invalid,
        tuple((c.code, votes.get(c.code, 0)) for c in ballot),
    ), stray


def _elected(rounds: Sequence[RoundCourse]) -> tuple[str, ...]:
    """The union of the rounds' winners, each once, earliest round first."""
    seen: list[str] = []
    for r in rounds:
        seen.extend(code for code in r.outcome.elected if code not in seen)
    return tuple(seen)


def _next(rounds: list[RoundCourse]) -> tuple[str, ...]:
    """What the board may open after the last round, by the law (or its own choice)."""
    last = rounds[-1].outcome
    if not last.complete:
        return ()
    if last.re_election:
        return (RE_ELECTION,)
    if last.additional_election:
        return (ADDITIONAL,)
    if last.board_decides and not any(r.kind == RE_ELECTION for r in rounds):
        # There is no second re-election: with one held, nothing more can be opened.
        return (RE_ELECTION,)
    return ()
