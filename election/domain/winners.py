"""Who is elected in an electoral unit (domain.md §6), with notes for the board in Vietnamese.

``winners`` reads one unit's ``Result`` for one round. ``seats`` is the number of deputies at
stake in that round: the unit's seats in a first round or a re-election, the shortfall of
the first round in an additional election.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from election.domain.numbers import fmt_date, fmt_int, percent
from election.domain.results import Result

QH = "QH"
FIRST, ADDITIONAL, RE_ELECTION = "first", "additional", "re_election"
ROUNDS = (FIRST, ADDITIONAL, RE_ELECTION)
# "Hai người ứng cử …": counts of people are written in words at the start of a sentence.
COUNT_WORDS = {2: "Hai", 3: "Ba", 4: "Bốn", 5: "Năm", 6: "Sáu", 7: "Bảy", 8: "Tám", 9: "Chín"}


@dataclass(frozen=True)
class UnitCandidate:
    """A candidate of the unit; ``order`` is the place on the official ballot."""

    code: str
    name: str
    date_of_birth: dt.date
    order: int


@dataclass(frozen=True)
class CandidateOutcome:
    """One candidate's votes and standing; ``rank`` 1 is the most votes."""

    code: str
    name: str
    date_of_birth: dt.date
    votes: int
    pct_of_valid: Decimal | None
    qualified: bool
    elected: bool
    rank: int
    # Within the seats on the figures so far, while the round is incomplete: not elected yet.
    leading: bool = False


@dataclass(frozen=True)
class Earlier:
    """What the unit's earlier rounds settled, for a later round's decisions (§6.5)."""

    unit_seats: int  # the unit's seats, whatever this round fills
    filled: int = 0  # seats won in earlier rounds (or left to the committee's tie decision)
    additional_held: bool = False  # the law allows one additional election
    re_election_held: bool = False  # and no second re-election


@dataclass(frozen=True)
class UnitOutcome:
    """What the round decides in the unit, and what the board must do next."""

    seats: int
    contest: str
    round_kind: str
    turnout_ok: bool
    void: bool
    candidates: tuple[CandidateOutcome, ...]  # in ballot order
    elected: tuple[str, ...]  # most votes first
    shortfall: int
    seats_to_decide: int  # seats the committee fills among ``tie_needs_decision``
    additional_election: bool
    re_election: bool
    tie_needs_decision: tuple[str, ...]
    notes: tuple[str, ...]
    # Every voting area of the round has a record: only then does the round conclude (§6.6).
    complete: bool = True
    leading: tuple[str, ...] = ()  # while incomplete: who is within the seats so far
    # An additional election whose turnout is not above half: the law is silent, so the
    # board decides what to open (with its reason) instead of the system guessing.
    board_decides: bool = False


def winners(
    unit_candidates: Sequence[UnitCandidate],
    result: Result,
    seats: int,
    contest: str,
    round_kind: str = FIRST,
    earlier: Earlier | None = None,
) -> UnitOutcome:
    """Apply the winner rules of domain.md §6 to one unit's result of one round."""
    _check_arguments(unit_candidates, result, seats, contest, round_kind)
    earlier = earlier or Earlier(unit_seats=seats)
    ballot = sorted(unit_candidates, key=lambda c: c.order)
    votes = dict(result.votes)
    valid = result.ballots_valid
    turnout_ok = result.voters_voted * 2 > result.voters_on_roll
    pending = result.voting_areas_reported == 0
    complete = not pending and result.voting_areas_reported >= result.voting_areas_total
    # A re-election stands whatever its turnout: the law allows no second re-election. An
    # additional election below half turnout is a case the law does not settle (see above).
    low_additional = complete and not turnout_ok and round_kind == ADDITIONAL
    void = complete and not turnout_ok and round_kind == FIRST

    ranked = sorted(ballot, key=lambda c: (-votes[c.code], c.date_of_birth, c.order))
    rank = {c.code: place for place, c in enumerate(ranked, start=1)}
    # Nobody qualifies in a void unit: its election has no value, so no one is "in".
    qualified = [] if void or valid <= 0 else [c for c in ranked if votes[c.code] * 2 > valid]
    elected, undecided, seats_to_decide = _allocate(qualified, votes, seats)
    leading: list[UnitCandidate] = []
    if not complete or low_additional:
        # No conclusion from partial data (§6.6): those within the seats are only leading.
        leading = [c for c in ranked[:seats] if votes[c.code] > 0]
        elected, undecided, seats_to_decide = [], [], 0

    # Seats left to the committee are not missing: the tied candidates all qualified and
    # outnumber those seats, so the decision fills them. Counting them in the shortfall
    # would propose an additional election for seats that are already won.
    shortfall = seats - len(elected) - seats_to_decide
    filled = earlier.filled + seats - shortfall
    hdnd_two_thirds = contest != QH and filled * 3 >= earlier.unit_seats * 2
    additional = (
        complete
        and not void
        and not low_additional
        and shortfall > 0
        and round_kind != ADDITIONAL
        and not earlier.additional_held
        and not hdnd_two_thirds
    )

    elected_codes = {c.code for c in elected}
    qualified_codes = {c.code for c in qualified}
    leading_codes = {c.code for c in leading}
    outcomes = tuple(
        CandidateOutcome(
            code=c.code,
            name=c.name,
            date_of_birth=c.date_of_birth,
            votes=votes[c.code],
            pct_of_valid=percent(votes[c.code], valid),
            qualified=c.code in qualified_codes,
            elected=c.code in elected_codes,
            rank=rank[c.code],
            leading=c.code in leading_codes,
        )
        for c in ballot
    )
    facts = _Facts(result, round_kind, complete, void, low_additional, valid)
    notes = _status_notes(facts)
    if complete and not low_additional:
        notes.extend(_tie_notes(ballot, qualified, votes, seats, elected_codes))
        if seats_to_decide:
            notes.append(
                f"{_people(undecided)} có số phiếu bằng nhau ({fmt_int(votes[undecided[0].code])}) "
                f"và cùng ngày sinh ({fmt_date(undecided[0].date_of_birth)}) khi xác định "
                f"{seats_to_decide} người trúng cử cuối cùng: Ủy ban bầu cử quyết định."
            )
        if not void and shortfall > 0:
            notes.append(
                _shortfall_note(shortfall, filled, earlier, round_kind, additional, hdnd_two_thirds)
            )

    return UnitOutcome(
        seats=seats,
        contest=contest,
        round_kind=round_kind,
        turnout_ok=turnout_ok,
        void=void,
        candidates=outcomes,
        elected=tuple(c.code for c in elected),
        shortfall=shortfall,
        seats_to_decide=seats_to_decide,
        additional_election=additional,
        re_election=void,
        tie_needs_decision=tuple(c.code for c in undecided),
        notes=tuple(notes),
        complete=complete,
        leading=tuple(c.code for c in leading),
        board_decides=low_additional,
    )


@dataclass(frozen=True)
class _Facts:
    result: Result
    round_kind: str
    complete: bool
    void: bool
    low_additional: bool
    valid: int


def _status_notes(facts: _Facts) -> list[str]:
    """The round's state: no record, provisional, turnout, no valid ballot."""
    result = facts.result
    if result.voting_areas_reported == 0:
        return ["Chưa có khu vực bỏ phiếu nào gửi biên bản kiểm phiếu."]
    if not facts.complete:
        return [
            f"Mới có {fmt_int(result.voting_areas_reported)}/"
            f"{fmt_int(result.voting_areas_total)} khu vực bỏ phiếu gửi biên bản kiểm phiếu: "
            "kết quả này chỉ là tạm tính."
        ]
    notes = []
    if result.voters_voted * 2 <= result.voters_on_roll:
        turnout = (
            f"Số cử tri đi bầu ({fmt_int(result.voters_voted)}) không quá một nửa "
            f"tổng số cử tri ({fmt_int(result.voters_on_roll)})"
        )
        if facts.void:
            notes.append(
                turnout + ": cuộc bầu cử ở đơn vị này không có giá trị; đề nghị bầu cử lại."
            )
        elif facts.low_additional:
            notes.append(
                turnout + " trong cuộc bầu cử thêm: pháp luật không quy định trường hợp này; "
                "Ủy ban bầu cử xem xét, quyết định và ghi rõ lý do."
            )
        else:
            notes.append(turnout + ", nhưng đây là cuộc bầu cử lại nên kết quả vẫn được công nhận.")
    if not facts.void and not facts.low_additional and facts.valid <= 0:
        notes.append("Đơn vị bầu cử không có phiếu hợp lệ nào nên không người ứng cử nào trúng cử.")
    return notes


def _shortfall_note(
    shortfall: int,
    filled: int,
    earlier: Earlier,
    round_kind: str,
    additional: bool,
    hdnd_two_thirds: bool,
) -> str:
    """Why the unit does or does not hold an additional election for its missing seats."""
    missing = f"Đơn vị bầu cử còn thiếu {shortfall} đại biểu"
    if additional:
        return missing + "; đề nghị bầu cử thêm."
    if hdnd_two_thirds:
        return (
            f"{missing}, nhưng số người trúng cử ({filled}) đã đạt từ hai phần ba "
            f"số đại biểu được bầu ({earlier.unit_seats}) trở lên nên không bầu cử thêm."
        )
    if round_kind == ADDITIONAL:
        return missing + "; đây là cuộc bầu cử thêm nên không tổ chức bầu cử thêm lần thứ hai."
    return missing + "; đơn vị đã bầu cử thêm nên không tổ chức bầu cử thêm lần thứ hai."


def _allocate(
    qualified: list[UnitCandidate], votes: dict[str, int], seats: int
) -> tuple[list[UnitCandidate], list[UnitCandidate], int]:
    """(elected, tied for the committee, seats left to it) from candidates in rank order."""
    if len(qualified) <= seats:
        return qualified, [], 0
    if seats == 0:
        return [], [], 0
    last, first_out = qualified[seats - 1], qualified[seats]
    if _standing(last, votes) != _standing(first_out, votes):
        # Rank order already puts the older of equal votes first: the age rule is applied.
        return qualified[:seats], [], 0
    tied = [c for c in qualified if _standing(c, votes) == _standing(last, votes)]
    ahead = qualified[: qualified.index(tied[0])]
    return ahead, tied, seats - len(ahead)


def _tie_notes(
    ballot: list[UnitCandidate],
    qualified: list[UnitCandidate],
    votes: dict[str, int],
    seats: int,
    elected: set[str],
) -> list[str]:
    """Say who won the last seat on age, when equal votes reached past it."""
    if len(qualified) <= seats or seats == 0:
        return []
    last_votes = votes[qualified[seats - 1].code]
    if votes[qualified[seats].code] != last_votes:
        return []
    equal = [c for c in ballot if c in qualified and votes[c.code] == last_votes]
    older = [c for c in equal if c.code in elected]
    if not older:
        return []
    described = [f"{c.name} (sinh ngày {fmt_date(c.date_of_birth)})" for c in equal]
    return [
        f"{_count(len(equal))} người ứng cử {_join(described)} có số phiếu bằng nhau "
        f"({fmt_int(last_votes)}) khi xác định người trúng cử cuối cùng: "
        f"{_join([c.name for c in older])} nhiều tuổi hơn nên trúng cử."
    ]


def _standing(candidate: UnitCandidate, votes: dict[str, int]) -> tuple[int, dt.date]:
    return votes[candidate.code], candidate.date_of_birth


def _people(candidates: list[UnitCandidate]) -> str:
    return f"{_count(len(candidates))} người ứng cử {_join([c.name for c in candidates])}"


def _count(n: int) -> str:
    return COUNT_WORDS.get(n, str(n))


def _join(names: list[str]) -> str:
    """['A', 'B', 'C'] → 'A, B và C'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " và " + names[-1]


def _check_arguments(
    unit_candidates: Sequence[UnitCandidate],
    result: Result,
    seats: int,
    contest: str,
    round_kind: str,
) -> None:
    """Wrong arguments are a caller's bug, not a voter's or an officer's: raise."""
    if seats < 0:
        raise ValueError(f"seats must not be negative, not {seats}")
    if contest != QH and not contest.startswith("HDND"):
        raise ValueError(f"unknown contest {contest!r}")
    if round_kind not in ROUNDS:
        raise ValueError(f"unknown round {round_kind!r}; expected one of {', '.join(ROUNDS)}")
    codes = [c.code for c in unit_candidates]
    if len(set(codes)) != len(codes):
        raise ValueError("a candidate code is listed twice")
    if sorted(codes) != sorted(result.candidates):
        raise ValueError(
            f"the result lists candidates {sorted(result.candidates)}, the unit {sorted(codes)}"
        )
