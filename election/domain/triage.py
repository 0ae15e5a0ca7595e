"""Which electoral units are decided while voting areas are still outstanding (CONTRACT §6.5).

A unit is *decided* when no records its outstanding voting areas could still bring in change
who is elected, whether the unit is valid, or whether an additional election is needed. Each
outstanding voting area may report anything the hard rules of domain.md §5 allow within its
roll ``r``: voters who voted ``v ≤ r``, valid ballots ``w ≤ received ≤ issued ≤ r`` (voted
and valid are not tied to each other by a hard rule), each candidate ``≤ w`` and
``w ≤ Σ votes ≤ w × seats``. Summed over the outstanding areas with ``O = Σ r``, the unit
gains ``V_o ≤ O`` voters, ``W_o ≤ O`` valid ballots and ``a_j ≤ W_o`` votes per candidate.

The reasoning is over that relaxed sum, a superset of what the areas can really bring, so
"decided" is sound (and "not decided" may be cautious). The reference is the completion in
which every outstanding area reports zeros (a record the rules accept): the current figures,
judged as complete. Writing ``c`` for current votes and ``W`` for current valid ballots,
the reference outcome stands against every completion when each of these needs more than
``O`` (each "need" is the least the outstanding areas must bring to break one condition):

- validity: a void reference becomes valid with ``⌊R/2⌋ + 1 − V`` more voters (a valid one
  stays valid: voters only grow);
- an elected ``e`` stays above half while ``2c_e > W + W_o``: need ``2c_e − W``;
- a candidate ``n`` not elected qualifies only if ``2(c_n + a) > W + W_o`` with ``W_o ≥ a``:
  need ``W − 2c_n + 1``; with every seat taken it must also reach the weakest elected ``w``:
  need ``c_w − c_n`` (one more when ``n`` is younger, who loses an equal count on age);
- a tie the committee decides (equal votes and birth date) breaks with any one vote.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import NamedTuple

from election.domain.numbers import fmt_int
from election.domain.results import Result
from election.domain.winners import RE_ELECTION, Earlier, UnitCandidate, UnitOutcome, winners


class PendingArea(NamedTuple):
    """An outstanding voting area of the unit's round and its voters on the roll."""

    code: str
    voters_on_roll: int


@dataclass(frozen=True)
class UnitState:
    """A unit's current round: the sum of its reported records and what is outstanding."""

    unit: str
    contest: str
    round_kind: str
    seats: int  # at stake in this round
    earlier: Earlier
    ballot: tuple[UnitCandidate, ...]
    result: Result  # the reported records; ``voting_areas_total`` counts the pending too
    pending: tuple[PendingArea, ...]


class PendingVerdict(NamedTuple):
    # Tuples, not dataclasses: the nation's QH contest waits for 34.000 areas at a time.
    code: str
    voters_on_roll: int
    can_change_outcome: bool  # this area alone, the others bringing nothing, could change it


@dataclass(frozen=True)
class Triage:
    unit: str
    complete: bool
    decided: bool
    outstanding_voters: int
    reasons: tuple[str, ...]
    pending: tuple[PendingVerdict, ...]
    # The least the outstanding areas must bring to change the outcome (None: nothing can).
    need: int | None
    outcome: UnitOutcome  # the reference: the figures so far, judged as if complete

    @property
    def closeness(self) -> Fraction:
        """``need`` over the outstanding voters: below 1 undecided, smaller is closer."""
        if self.need is None:
            return Fraction(10**9)
        return Fraction(self.need, max(self.outstanding_voters, 1))


@dataclass(frozen=True)
class _Threat:
    """One way the outcome could change, and the votes (or voters) it needs."""

    need: int
    text: str  # the end of a sentence whose subject is the outstanding areas


def triage(state: UnitState) -> Triage:
    """Decide soundly whether ``state``'s outstanding areas could change its outcome."""
    outstanding = sum(p.voters_on_roll for p in state.pending)
    completed = _completed(state, outstanding)
    reference = winners(
        state.ballot, completed, state.seats, state.contest, state.round_kind, state.earlier
    )
    threats = _threats(state, reference, outstanding)
    need = min((t.need for t in threats), default=None)
    decided = need is None or need > outstanding
    verdicts = tuple(
        PendingVerdict(p.code, p.voters_on_roll, need is not None and need <= p.voters_on_roll)
        for p in state.pending
    )
    reasons = () if decided else _reasons(state, threats, outstanding)
    return Triage(
        state.unit,
        not state.pending,
        decided,
        outstanding,
        reasons,
        verdicts,
        need,
        reference,
    )


def order(triages: Iterable[Triage]) -> list[Triage]:
    """Undecided first, the closest (least needed of what is outstanding) first; then by unit."""
    return sorted(triages, key=lambda t: (t.decided, t.closeness, t.unit))


def _completed(state: UnitState, outstanding: int) -> Result:
    """The reference completion: every outstanding area reports zeros on its full roll."""
    return replace(
        state.result,
        voting_areas_reported=state.result.voting_areas_total,
        voters_on_roll=state.result.voters_on_roll + outstanding,
    )


def _threats(state: UnitState, reference: UnitOutcome, outstanding: int) -> list[_Threat]:
    """Every condition of the reference outcome that some completion could break."""
    if outstanding == 0:
        return []
    result = state.result
    roll = result.voters_on_roll + outstanding
    threats = []
    turnout_matters = state.round_kind != RE_ELECTION
    if turnout_matters and not reference.turnout_ok:
        # Voters only grow: a valid reference stays valid, a void one may not stay void.
        threats.append(
            _Threat(
                roll // 2 + 1 - result.voters_voted,
                f"có thể đưa số cử tri đi bầu lên quá một nửa ({fmt_int(roll // 2 + 1)}/"
                f"{fmt_int(roll)} cử tri; hiện có {fmt_int(result.voters_voted)})",
            )
        )
        if reference.void or reference.board_decides:
            return threats  # nobody can be elected while the round stays below half
    if reference.tie_needs_decision:
        threats.append(_Threat(1, "có thể phá thế hòa mà Ủy ban bầu cử đang phải quyết định"))
    return threats + _seat_threats(state, reference)


def _seat_threats(state: UnitState, reference: UnitOutcome) -> list[_Threat]:
    """Ways the set of elected candidates could change."""
    valid = state.result.ballots_valid
    votes = dict(state.result.votes)
    by_code = {c.code: c for c in state.ballot}
    elected = [by_code[code] for code in reference.elected]
    threats = [
        _Threat(
            2 * votes[e.code] - valid,
            f"có thể làm ứng cử viên {e.name} không còn quá một nửa số phiếu hợp lệ",
        )
        for e in elected
    ]
    weakest = min(elected, key=lambda c: (votes[c.code], _younger_first(c))) if elected else None
    taken = set(reference.elected) | set(reference.tie_needs_decision)
    full = len(elected) + reference.seats_to_decide >= state.seats
    for n in state.ballot:
        if n.code in taken:
            continue
        qualify = max(valid - 2 * votes[n.code] + 1, 0)
        if not full:
            threats.append(
                _Threat(
                    qualify,
                    f"có thể đưa ứng cử viên {n.name} đạt quá một nửa số phiếu hợp lệ "
                    f"và trúng cử (ghế thứ {len(elected) + 1})",
                )
            )
        elif weakest is not None:
            younger = n.date_of_birth > weakest.date_of_birth
            reach = votes[weakest.code] - votes[n.code] + (1 if younger else 0)
            threats.append(
                _Threat(
                    max(qualify, reach),
                    f"có thể đưa ứng cử viên {n.name} vượt {weakest.name} ở ghế thứ {len(elected)}",
                )
            )
    return threats


def _younger_first(candidate: UnitCandidate) -> int:
    """Sort key putting the youngest first among equal votes (the first to lose a seat)."""
    return -candidate.date_of_birth.toordinal()


def _reasons(state: UnitState, threats: Sequence[_Threat], outstanding: int) -> tuple[str, ...]:
    """One Vietnamese sentence per threat within reach, naming the areas that could do it."""
    reasons = []
    largest = max((p.voters_on_roll for p in state.pending), default=0)
    for threat in sorted(threats, key=lambda t: t.need):
        if threat.need > outstanding:
            continue
        # The nation's units wait for hundreds of areas each: look for one that could do it
        # alone only when the largest could.
        alone = (
            [p for p in state.pending if p.voters_on_roll >= threat.need]
            if largest >= threat.need
            else []
        )
        named = alone or state.pending
        voters = sum(p.voters_on_roll for p in alone) if alone else outstanding
        subject = _join(named)
        note = "" if alone else " nếu cùng gửi biên bản"
        reasons.append(f"{subject} ({fmt_int(voters)} cử tri){note} {threat.text}.")
    return tuple(reasons)


def _join(areas: Sequence[PendingArea]) -> str:
    """'KV a, KV b và KV c'; past six areas, the first five and how many more."""
    if len(areas) > 6:
        return ", ".join(f"KV {p.code}" for p in areas[:5]) + (
            f" và {fmt_int(len(areas) - 5)} khu vực khác"
        )
    names = [f"KV {p.code}" for p in areas]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " và " + names[-1]
