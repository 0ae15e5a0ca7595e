"""Where a record belongs: its voting area, contest, unit, round and the candidates on its ballot."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, select
from sqlalchemy.orm import Session

from election.cache import Lru
from election.domain.errors import NotFound
from election.domain.winners import FIRST
from election.models.contests import Candidate, Contest, Unit, UnitVotingArea
from election.models.geography import VotingArea
from election.services import results


@dataclass(frozen=True)
class OnBallot:
    """A candidate as a record's ballot lists them (a worker keeps these between requests)."""

    id: int
    code: str
    unit_id: int
    ballot_order: int
    full_name: str
    date_of_birth: dt.date
    gender: str

    @classmethod
    def of(cls, c: Candidate) -> OnBallot:
        return cls(c.id, c.code, c.unit_id, c.ballot_order, c.full_name, c.date_of_birth, c.gender)


@dataclass(frozen=True)
class Place:
    """Where a record belongs: the voting area, the contest and its unit's candidates."""

    voting_area: VotingArea
    contest: Contest
    unit: Unit
    candidates: list[OnBallot]  # in ballot order
    round_no: int = 1
    round_kind: str = "first"
    # The seats this round fills: an additional election's are those still to fill, and a
    # record of it keeps at most that many names per ballot (domain.md §6.5).
    seats: int | None = None
    # The hash of the setup's audit event (None before it is chained): what a worker keeps
    # about the setup is kept under it.
    setup: str | None = None


# A unit's candidates never change once a setup is stored (see results.lines), so a worker
# keeps each first-round ballot it has read, per database and per setup (the hash of the
# setup's audit event; a reload gets a new one). Without a setup event nothing is kept.
_BALLOTS = Lru(8192)
_ON_BALLOT = select(*(Candidate.__table__.c[f.name] for f in fields(OnBallot)))


def locate(
    session: Session, voting_area_code: str, contest_code: str, round_no: int | None = None
) -> Place:
    """Where a record belongs, for the unit's current round unless ``round_no`` is given."""
    # One round trip for the usual case (on a submission's hot path): the voting area,
    # contest and unit, the round to read and the setup's hash; the first round's candidates
    # are then usually known. The lookups below only run to name what is missing.
    found = session.execute(
        _PLACE_OF_ROUND if round_no is not None else _PLACE,
        {"voting_area_code": voting_area_code, "contest_code": contest_code, "round_no": round_no},
    ).first()
    if found is not None:
        va, contest, unit, chosen, setup = found
        if results.is_first(chosen):
            # As results.ballot reads a first round: every candidate, every seat.
            ballot = list(_first_ballot(session, unit.id, setup))
            return Place(va, contest, unit, ballot, round_no or 1, FIRST, unit.seats, setup)
        return replace(
            _place(va, contest, unit, results.ballot(session, unit, round_no)), setup=setup
        )
    va = session.scalar(select(VotingArea).where(VotingArea.code == voting_area_code))
    if va is None:
        raise NotFound(
            f"Không có khu vực bỏ phiếu mã «{voting_area_code}»",
            {"voting_area": ["Mã không tồn tại"]},
        )
    contest = session.scalar(select(Contest).where(Contest.code == contest_code))
    if contest is None:
        raise NotFound(
            f"Không có cấp bầu cử mã «{contest_code}»", {"contest": ["Mã không tồn tại"]}
        )
    unit = session.scalar(
        select(Unit)
        .join(UnitVotingArea, UnitVotingArea.unit_id == Unit.id)
        .where(UnitVotingArea.voting_area_id == va.id, UnitVotingArea.contest_id == contest.id)
    )
    if unit is None:
        raise NotFound(
            f"Khu vực bỏ phiếu «{va.code}» không bầu cấp {contest.code}",
            {"contest": ["Khu vực bỏ phiếu không tham gia cấp bầu cử này"]},
        )
    return _place(va, contest, unit, results.ballot(session, unit, round_no))


def _place_query(round_no: BindParameter[int] | None) -> Select[Any]:
    return (
        select(
            VotingArea,
            Contest,
            Unit,
            results.chosen_round(Unit.id, round_no),
            results.setup_hash_subquery(),
        )
        .select_from(VotingArea)
        .join(Contest, Contest.code == bindparam("contest_code"))
        .join(
            UnitVotingArea,
            (UnitVotingArea.voting_area_id == VotingArea.id)
            & (UnitVotingArea.contest_id == Contest.id),
        )
        .join(Unit, Unit.id == UnitVotingArea.unit_id)
        .where(VotingArea.code == bindparam("voting_area_code"))
    )


# Built once (building a statement costs about as much CPU as running it).
_PLACE = _place_query(None)
_PLACE_OF_ROUND = _place_query(bindparam("round_no"))


def _first_ballot(session: Session, unit_id: int, setup: str | None) -> tuple[OnBallot, ...]:
    """Every candidate of the unit in ballot order, kept per database and setup."""
    key = (str(session.get_bind().engine.url), setup, unit_id)
    found = _BALLOTS.get(key) if setup is not None else None
    if found is not None:
        return found
    listed = tuple(
        OnBallot(*row)
        for row in session.connection().execute(
            _ON_BALLOT.where(Candidate.unit_id == unit_id).order_by(Candidate.ballot_order)
        )
    )
    return _BALLOTS.put(key, listed) if setup is not None else listed


def _place(va: VotingArea, contest: Contest, unit: Unit, ballot: results.Ballot) -> Place:
    candidates = [OnBallot.of(c) for c in ballot.candidates]
    return Place(va, contest, unit, candidates, ballot.round_no, ballot.kind, ballot.seats)
