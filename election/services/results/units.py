"""An electoral unit's rounds: each one's totals and outcome, and the ballot of a round."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.orm import Session

from election.domain import rounds as rounds_law
from election.domain import winners as law
from election.domain.errors import Forbidden, NotFound
from election.models.contests import Candidate, Contest, Unit, UnitVotingArea
from election.models.geography import AreaClosure, VotingArea
from election.models.results import ResultTotal, UnitRound
from election.models.users import User
from election.services.results.lines import CandidateLine, result_of, scope_lines


@dataclass(frozen=True)
class RoundResult(rounds_law.RoundCourse):
    """One round as the law judged it in its place, with when its totals last changed."""

    updated_at: dt.datetime | None = None

    @property
    def round_no(self) -> int:
        return self.number


@dataclass(frozen=True)
class UnitResult:
    unit: Unit
    contest: Contest
    rounds: list[RoundResult]  # earliest first; the last one decides
    course: rounds_law.UnitCourse  # the unit's winners over every round, what may come next

    @property
    def current(self) -> RoundResult:
        return self.rounds[-1]


def unit_result(session: Session, user: User, code: str) -> UnitResult:
    """An electoral unit's totals and outcome for each of its rounds."""
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound(f"Không có đơn vị bầu cử mã «{code}»")
    require_unit_scope(session, user, unit)
    rounds, judged = course_of(session, unit)
    return UnitResult(unit, unit.contest, rounds, judged)


def rounds_of(session: Session, unit: Unit, upto: int | None = None) -> list[RoundResult]:
    """Each round's totals and outcome, earliest first (up to round ``upto``)."""
    return course_of(session, unit, upto)[0]


def course_of(
    session: Session, unit: Unit, upto: int | None = None
) -> tuple[list[RoundResult], rounds_law.UnitCourse]:
    """The unit's rounds (up to round ``upto``) judged in order by the law, once."""
    candidates = unit_candidates(unit)
    query = select(UnitRound).where(UnitRound.unit_id == unit.id).order_by(UnitRound.round_no)
    if upto is not None:
        query = query.where(UnitRound.round_no <= upto)
    stored = [(r.round_no, r.kind) for r in session.scalars(query)] or [(1, law.FIRST)]
    data, totals = [], []
    for round_no, kind in stored:
        total = session.get(ResultTotal, ("unit", unit.id, unit.contest_id, round_no))
        votes = {
            line.code: line.votes
            for line in scope_lines(session, "unit", unit.id, round_no, unit.contest_id)
        }
        # Every candidate of the unit, 0 where the round has no line: ``course`` keeps the
        # round's ballot and names anyone else with votes as stray.
        lines = [
            CandidateLine(c.code, c.name, unit.code, c.date_of_birth, votes.get(c.code, 0))
            for c in candidates
        ]
        data.append(
            rounds_law.RoundData(kind, result_of(total, lines), total.verified if total else 0)
        )
        totals.append(total)
    return judge(unit, stored, data, [t.updated_at if t else None for t in totals])


def unit_candidates(unit: Unit) -> list[law.UnitCandidate]:
    return [
        law.UnitCandidate(c.code, c.full_name, c.date_of_birth, c.ballot_order)
        for c in unit.candidates
    ]


def judge(
    unit: Unit,
    stored: list[tuple[int, str]],
    data: list[rounds_law.RoundData],
    updated: list[dt.datetime | None],
) -> tuple[list[RoundResult], rounds_law.UnitCourse]:
    """The rounds ``stored`` (number, kind) with their ``data``, judged in order by the law."""
    judged = rounds_law.course(unit_candidates(unit), unit.seats, unit.contest.code, data)
    return [
        RoundResult(
            **{f.name: getattr(r, f.name) for f in fields(r)} | {"number": round_no},
            updated_at=at,
        )
        for (round_no, _kind), r, at in zip(stored, judged.rounds, updated, strict=True)
    ], judged


@dataclass(frozen=True)
class Ballot:
    """A round of a unit as a record of it is checked: its ballot and the seats it fills."""

    round_no: int
    kind: str
    seats: int
    candidates: list[Candidate]  # in ballot order


def chosen_round(unit_id: Any, round_no: Any = None) -> ScalarSelect[int]:
    """The number of the round ``ballot`` reads for a unit, as a scalar subquery (None: none)."""
    query = select(UnitRound.round_no).where(UnitRound.unit_id == unit_id)
    if round_no is not None:
        query = query.where(UnitRound.round_no == round_no)
    return query.order_by(UnitRound.round_no.desc()).limit(1).scalar_subquery()


def is_first(chosen: int | None) -> bool:
    """Whether the round ``chosen_round`` found is read as the first round: every candidate."""
    return chosen is None or chosen == 1


def ballot(session: Session, unit: Unit, round_no: int | None = None) -> Ballot:
    """A round of the unit (default: its latest): its number, kind, seats and ballot."""
    query = select(UnitRound).where(UnitRound.unit_id == unit.id)
    if round_no is not None:
        query = query.where(UnitRound.round_no == round_no)
    chosen = session.scalars(query.order_by(UnitRound.round_no.desc())).first()
    if chosen is None or is_first(chosen.round_no):
        return Ballot(round_no or 1, law.FIRST, unit.seats, list(unit.candidates))
    # A later round's ballot and seats follow from what the rounds before it settled.
    judged = course_of(session, unit, upto=chosen.round_no)[0][-1]
    on_ballot = {c.code for c in judged.ballot}
    return Ballot(
        chosen.round_no,
        chosen.kind,
        judged.seats,
        [c for c in unit.candidates if c.code in on_ballot],
    )


def require_unit_scope(session: Session, user: User, unit: Unit) -> None:
    """Refuse a user whose scope holds none of the unit's voting areas (board and admin see all).

    An officer sees their own voting area only (CONTRACT §3): a unit's totals would show the
    other voting areas' records, unverified, so no unit is in an officer's scope.
    """
    if user.role == "officer":
        raise Forbidden("Tổ bầu cử chỉ xem được kết quả khu vực bỏ phiếu của mình")
    if user.role != "reviewer":
        return
    query = (
        select(func.count())
        .select_from(UnitVotingArea)
        .where(UnitVotingArea.unit_id == unit.id)
        .join(VotingArea, VotingArea.id == UnitVotingArea.voting_area_id)
        .join(AreaClosure, AreaClosure.descendant_id == VotingArea.area_id)
        .where(AreaClosure.ancestor_id == user.area_id)
    )
    if not session.scalar(query):
        raise Forbidden("Đơn vị bầu cử này nằm ngoài phạm vi của bạn")
