"""Results as a small algebra (STYLE.md, after vxsuite's tabulation): empty, add, combine.

A ``Result`` is the sum of tally records: of one voting area, an electoral unit, a ward, the
city. Entered and computed results share this one shape. Its votes always follow the official
ballot order fixed when the empty result was made, never dict or database order. Everything
is an exact integer; shares are computed from the integers and rounded only at the edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Protocol

from election.domain.numbers import percent


@dataclass(frozen=True)
class FormCounts:
    """The six counts of a tally record, in the order of the paper form (domain.md §5)."""

    voters_on_roll: int
    voters_voted: int
    ballots_issued: int
    ballots_received: int
    ballots_valid: int
    ballots_invalid: int


# The names of the six counts, in that order.
FIGURES = tuple(f.name for f in fields(FormCounts))


class Counts(Protocol):
    """The six counts of a record, e.g. a stored version of it."""

    @property
    def voters_on_roll(self) -> int: ...
    @property
    def voters_voted(self) -> int: ...
    @property
    def ballots_issued(self) -> int: ...
    @property
    def ballots_received(self) -> int: ...
    @property
    def ballots_valid(self) -> int: ...
    @property
    def ballots_invalid(self) -> int: ...


class Figures(Counts, Protocol):
    """What ``add`` reads from a record, e.g. a ``tally.TallyFigures``."""

    @property
    def votes(self) -> Mapping[str, int]: ...


@dataclass(frozen=True)
class Coverage:
    """How many voting areas a result spans, and how many of them have reported."""

    voting_areas_total: int
    voting_areas_reported: int


@dataclass(frozen=True)
class Result(FormCounts, Coverage):
    """The summed figures of some voting areas, with votes in official ballot order.

    Its fields, in order: the ``Coverage``, the six ``FormCounts``, then ``votes``.
    """

    votes: tuple[tuple[str, int], ...]

    @property
    def candidates(self) -> tuple[str, ...]:
        """The candidate codes, in ballot order."""
        return tuple(code for code, _ in self.votes)

    def votes_for(self, code: str) -> int:
        """The votes of one candidate of this result."""
        for known, votes in self.votes:
            if known == code:
                return votes
        raise KeyError(code)


@dataclass(frozen=True)
class Shares:
    """A result's percentages, two decimals half up (domain.md §7); None where the whole is 0."""

    turnout_pct: Decimal | None
    valid_pct: Decimal | None
    invalid_pct: Decimal | None
    pct_of_valid: tuple[tuple[str, Decimal | None], ...]


def empty(candidates: Sequence[str], voting_areas_total: int = 0) -> Result:
    """The zero result listing ``candidates`` in that (ballot) order."""
    order = _unique(candidates)
    return Result(voting_areas_total, 0, 0, 0, 0, 0, 0, 0, tuple((code, 0) for code in order))


def of_record(record: Counts, votes: Iterable[tuple[str, int]] = ()) -> Result:
    """One voting area's reported record as a result, with ``votes`` in ballot order."""
    return _build(1, 1, [getattr(record, name) for name in FIGURES], tuple(votes))


def add(result: Result, record: Figures) -> Result:
    """``result`` plus one voting area's record; the area counts as reported."""
    # A candidate missing from the record counts 0: an administrative area lists the
    # candidates of several units, a record only those of its own unit.
    _refuse_unknown(record.votes, result.candidates)
    return _build(
        result.voting_areas_total,
        result.voting_areas_reported + 1,
        [getattr(result, name) + getattr(record, name) for name in FIGURES],
        tuple((code, votes + record.votes.get(code, 0)) for code, votes in result.votes),
    )


def combine(parts: Iterable[Result], candidates: Sequence[str] | None = None) -> Result:
    """The sum of ``parts`` in the order of ``candidates`` or else first seen; nothing gives zero."""
    # First-seen order is ballot order when the parts list the same candidates or disjoint
    # ones (the units of a contest); parts listing overlapping subsets need ``candidates``.
    parts = list(parts)
    if candidates is None:
        order = _first_seen(part.candidates for part in parts)
    else:
        order = _unique(candidates)
    totals = dict.fromkeys(order, 0)
    for part in parts:
        _refuse_unknown(dict(part.votes), order)
        for code, votes in part.votes:
            totals[code] += votes
    return _build(
        sum(part.voting_areas_total for part in parts),
        sum(part.voting_areas_reported for part in parts),
        [sum(getattr(part, name) for part in parts) for name in FIGURES],
        tuple(totals.items()),
    )


def subtract(a: Result, b: Result) -> Result:
    """``a`` minus ``b``, field by field, in ``a``'s order (e.g. a total minus a replaced record)."""
    _refuse_unknown(dict(b.votes), a.candidates)
    taken = dict(b.votes)
    return _build(
        a.voting_areas_total - b.voting_areas_total,
        a.voting_areas_reported - b.voting_areas_reported,
        [getattr(a, name) - getattr(b, name) for name in FIGURES],
        tuple((code, votes - taken.get(code, 0)) for code, votes in a.votes),
    )


def difference(
    new_record: Figures, old_record: Figures, candidates: Sequence[str] | None = None
) -> Result:
    """The change a correction makes, reporting no area: ``combine([total, change])``."""
    # Records carry no ballot order: ``candidates`` gives it, else the records' own order is
    # used. Combined after a total, the total's order wins either way.
    if candidates is None:
        order = _first_seen([tuple(new_record.votes), tuple(old_record.votes)])
    else:
        order = _unique(candidates)
    return subtract(add(empty(order), new_record), add(empty(order), old_record))


def shares(result: Result, candidates: bool = True) -> Shares:
    """Turnout, valid and invalid shares of received ballots, and each candidate's share.

    ``candidates=False`` leaves the candidates' shares out: over an area spanning several
    units the share of the area's valid ballots means nothing, and the nation has 920 lines.
    """
    valid_pct, invalid_pct = _valid_invalid_pct(
        result.ballots_valid, result.ballots_invalid, result.ballots_received
    )
    return Shares(
        turnout_pct=percent(result.voters_voted, result.voters_on_roll),
        valid_pct=valid_pct,
        invalid_pct=invalid_pct,
        pct_of_valid=tuple(
            (code, percent(votes, result.ballots_valid)) for code, votes in result.votes
        )
        if candidates
        else (),
    )


def _valid_invalid_pct(
    valid: int, invalid: int, received: int
) -> tuple[Decimal | None, Decimal | None]:
    """Valid and invalid % of received, adding up to exactly 100.00 (largest remainder)."""
    # Both shares are floored to hundredths; the hundredth then missing goes to the share
    # with the larger remainder, to valid on an exact tie. This equals rounding each half up
    # except at that tie: the two remainders are r and 1 − r hundredths, so when r > 1/2 half
    # up rounds exactly that share up and the other down, as the largest remainder does; only
    # at r = 1/2 would half up round both up (100.01). Then invalid is rounded down instead,
    # so the headline valid share always keeps its plain half-up value.
    if received == 0:
        return None, None
    if valid < 0 or invalid < 0 or valid + invalid != received:
        # Parts that are not a split of the whole (a correction's change, figures not yet
        # checked) have no 100 % to keep: round each on its own.
        return percent(valid, received), percent(invalid, received)
    valid_hundredths, valid_rest = divmod(valid * 10000, received)
    invalid_hundredths, invalid_rest = divmod(invalid * 10000, received)
    # The rests are 0 and 0, or add up to ``received``: exactly one hundredth is missing.
    if valid_rest or invalid_rest:
        if valid_rest >= invalid_rest:
            valid_hundredths += 1
        else:
            invalid_hundredths += 1
    return Decimal(valid_hundredths).scaleb(-2), Decimal(invalid_hundredths).scaleb(-2)


def _build(
    total: int, reported: int, figures: Sequence[int], votes: tuple[tuple[str, int], ...]
) -> Result:
    on_roll, voted, issued, received, valid, invalid = figures
    return Result(total, reported, on_roll, voted, issued, received, valid, invalid, votes)


def _unique(candidates: Sequence[str]) -> tuple[str, ...]:
    """The codes as given; a code listed twice is a programming error."""
    order = tuple(candidates)
    twice = sorted({code for code in order if order.count(code) > 1})
    if twice:
        raise ValueError(f"candidates listed twice: {', '.join(twice)}")
    return order


def _first_seen(lists: Iterable[Sequence[str]]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for codes in lists:
        seen.update(dict.fromkeys(codes))
    return tuple(seen)


def _refuse_unknown(votes: Mapping[str, int], known: Sequence[str]) -> None:
    """Votes for a candidate outside the list: a caller mixed up units, not a user's error."""
    listed = set(known)
    unknown = [code for code in votes if code not in listed]
    if unknown:
        raise ValueError(f"votes for candidates not in this result: {', '.join(unknown)}")
