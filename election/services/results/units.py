"""An electoral unit's rounds: each one's totals and outcome, and the ballot of a round."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from election.domain import results as algebra
from election.domain import winners as law
from election.domain.errors import Forbidden, NotFound
from election.models.contests import Candidate, Contest, Unit, UnitVotingArea
from election.models.geography import AreaClosure, VotingArea
from election.models.results import ResultTotal, UnitRound
from election.models.users import User
from election.services.results.lines import CandidateLine, result_of, scope_lines


@dataclass(frozen=True)
class RoundResult:
    round_no: int
    kind: str
    result: algebra.Result
    outcome: law.UnitOutcome
    verified: int
    updated_at: dt.datetime | None


@dataclass(frozen=True)
class UnitResult:
    unit: Unit
    contest: Contest
    rounds: list[RoundResult]  # earliest first; the last one decides

    @property
    def current(self) -> RoundResult:
        return self.rounds[-1]


def unit_result(session: Session, user: User, code: str) -> UnitResult:
    """An electoral unit's totals and outcome for each of its rounds."""
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound(f"Không có đơn vị bầu cử mã «{code}»")
    require_unit_scope(session, user, unit)
    return UnitResult(unit, unit.contest, rounds_of(session, unit))


def rounds_of(session: Session, unit: Unit, upto: int | None = None) -> list[RoundResult]:
    """Each round's totals and outcome, earliest first (up to round ``upto``)."""
    candidates = [
        law.UnitCandidate(c.code, c.full_name, c.date_of_birth, c.ballot_order)
        for c in unit.candidates
    ]
    query = select(UnitRound).where(UnitRound.unit_id == unit.id).order_by(UnitRound.round_no)
    if upto is not None:
        query = query.where(UnitRound.round_no <= upto)
    rounds: list[RoundResult] = []
    for r in session.scalars(query):
        total = session.get(ResultTotal, ("unit", unit.id, unit.contest_id, r.round_no))
        lines = {
            c.code: c for c in scope_lines(session, "unit", unit.id, r.round_no, unit.contest_id)
        }
        eligible = candidates if r.kind != "additional" else _not_elected(rounds, candidates)
        result = result_of(
            total,
            [
                lines.get(c.code) or CandidateLine(c.code, c.name, unit.code, c.date_of_birth, 0)
                for c in eligible
            ],
        )
        seats = unit.seats if r.kind != "additional" else rounds[-1].outcome.shortfall
        outcome = law.winners(eligible, result, seats, unit.contest.code, r.kind)
        rounds.append(
            RoundResult(
                r.round_no,
                r.kind,
                result,
                outcome,
                total.verified if total else 0,
                total.updated_at if total else None,
            )
        )
    return rounds


def ballot(
    session: Session, unit: Unit, round_no: int | None = None
) -> tuple[int, str, list[Candidate]]:
    """A round of the unit (default: its latest): number, kind and the candidates on its ballot."""
    query = select(UnitRound).where(UnitRound.unit_id == unit.id)
    if round_no is not None:
        query = query.where(UnitRound.round_no == round_no)
    chosen = session.scalars(query.order_by(UnitRound.round_no.desc())).first()
    if chosen is None:
        return round_no or 1, "first", list(unit.candidates)
    if chosen.kind != "additional":
        return chosen.round_no, chosen.kind, list(unit.candidates)
    # An additional election's ballot: the first round's candidates who were not elected.
    first = rounds_of(session, unit, upto=1)
    elected = set(first[0].outcome.elected) if first else set()
    return chosen.round_no, chosen.kind, [c for c in unit.candidates if c.code not in elected]


def _not_elected(
    rounds: list[RoundResult], candidates: list[law.UnitCandidate]
) -> list[law.UnitCandidate]:
    """An additional election's candidates: the first round's candidates not elected."""
    elected = set(rounds[0].outcome.elected) if rounds else set()
    return [c for c in candidates if c.code not in elected]


def require_unit_scope(session: Session, user: User, unit: Unit) -> None:
    """Refuse a user whose scope holds none of the unit's voting areas (board and admin see all)."""
    if user.role in ("board", "admin"):
        return
    query = (
        select(func.count()).select_from(UnitVotingArea).where(UnitVotingArea.unit_id == unit.id)
    )
    if user.role == "officer":
        query = query.where(UnitVotingArea.voting_area_id == user.voting_area_id)
    else:
        query = (
            query.join(VotingArea, VotingArea.id == UnitVotingArea.voting_area_id)
            .join(AreaClosure, AreaClosure.descendant_id == VotingArea.area_id)
            .where(AreaClosure.ancestor_id == user.area_id)
        )
    if not session.scalar(query):
        raise Forbidden("Đơn vị bầu cử này nằm ngoài phạm vi của bạn")
