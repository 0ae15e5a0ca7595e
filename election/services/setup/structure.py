"""Reading the election's structure: areas, contests, units, voting areas."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from election.domain.contests import law_rank
from election.domain.errors import NotFound
from election.models.contests import Candidate, Contest, Election, Unit, UnitVotingArea
from election.models.geography import Area, AreaLevel, VotingArea
from election.models.rolls import VoterCount
from election.models.tallies import TallyRecord
from election.models.users import User
from election.services import scope
from election.services.results import units as unit_rounds


def election(session: Session) -> Election | None:
    return session.scalars(select(Election)).first()


def level_names(session: Session) -> dict[str, str]:
    """The name of each administrative level, as the setup gave it ('Xã, phường, đặc khu')."""
    return dict(session.execute(select(AreaLevel.code, AreaLevel.name)).all())


def root_area(session: Session) -> Area:
    area = session.scalar(select(Area).where(Area.parent_id.is_(None)))
    if area is None:
        raise NotFound("Chưa có cuộc bầu cử nào được thiết lập")
    return area


def area_by_code(session: Session, code: str) -> Area:
    area = session.scalar(select(Area).where(Area.code == code))
    if area is None:
        raise NotFound(f"Không có khu vực hành chính mã «{code}»")
    return area


def voting_area_by_code(session: Session, code: str) -> VotingArea:
    va = session.scalar(select(VotingArea).where(VotingArea.code == code))
    if va is None:
        raise NotFound(f"Không có khu vực bỏ phiếu mã «{code}»")
    return va


@dataclass(frozen=True)
class AreaView:
    area: Area
    parent: Area | None
    children: list[tuple[str, str, str]]  # (code, name, level)
    voting_areas: int


def area_view(session: Session, code: str | None = None) -> AreaView:
    """An area with its children; a lowest-level area's children are its voting areas."""
    area = root_area(session) if code is None else area_by_code(session, code)
    children = [
        (c, n, level)
        for c, n, level in session.execute(
            select(Area.code, Area.name, AreaLevel.code)
            .join(AreaLevel, Area.level_id == AreaLevel.id)
            .where(Area.parent_id == area.id)
            .order_by(Area.id)
        )
    ]
    if not children:
        children = [
            (c, n, "voting_area")
            for c, n in session.execute(
                select(VotingArea.code, VotingArea.name)
                .where(VotingArea.area_id == area.id)
                .order_by(VotingArea.id)
            )
        ]
    total = session.scalar(
        select(func.count(VotingArea.id))
        .join(Area, VotingArea.area_id == Area.id)
        .where(Area.path.startswith(area.path, autoescape=True))
    )
    return AreaView(area, area.parent, children, total or 0)


def contests_with_units(session: Session) -> list[tuple[Contest, list[tuple[Unit, int]]]]:
    """Contests in order with their units and each unit's number of candidates."""
    counts = dict(
        session.execute(select(Candidate.unit_id, func.count()).group_by(Candidate.unit_id)).all()
    )
    units = session.scalars(select(Unit).order_by(Unit.id)).all()
    by_contest: dict[int, list[tuple[Unit, int]]] = {}
    for u in units:
        by_contest.setdefault(u.contest_id, []).append((u, counts.get(u.id, 0)))
    contests = sorted(session.scalars(select(Contest)), key=lambda c: (law_rank(c.code), c.id))
    return [(c, by_contest.get(c.id, [])) for c in contests]


@dataclass(frozen=True)
class UnitView:
    unit: Unit
    candidates: list[Candidate]
    voting_areas: list[str]


def unit_view(session: Session, code: str) -> UnitView:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound(f"Không có đơn vị bầu cử mã «{code}»")
    codes = session.scalars(
        select(VotingArea.code)
        .join(UnitVotingArea, UnitVotingArea.voting_area_id == VotingArea.id)
        .where(UnitVotingArea.unit_id == unit.id)
        .order_by(VotingArea.id)
    ).all()
    return UnitView(unit, list(unit.candidates), list(codes))


@dataclass(frozen=True)
class VotingAreaContest:
    """A contest of a voting area in the unit's current round: its ballot, seats and record."""

    contest: Contest
    unit: Unit
    voters_on_roll: int | None
    candidates: list[Candidate]  # the current round's ballot
    tally: TallyRecord | None  # the voting area's record of the current round
    seats: int  # the seats the current round fills
    round_no: int = 1
    round_kind: str = "first"


@dataclass(frozen=True)
class VotingAreaView:
    voting_area: VotingArea
    contests: list[VotingAreaContest]


def voting_area_view(session: Session, code: str, user: User) -> VotingAreaView:
    va = voting_area_by_code(session, code)
    scope.require_inside(user, va)
    rows = session.execute(
        select(Contest, Unit, VoterCount)
        .join(UnitVotingArea, UnitVotingArea.contest_id == Contest.id)
        .join(Unit, Unit.id == UnitVotingArea.unit_id)
        .outerjoin(
            VoterCount,
            (VoterCount.voting_area_id == va.id) & (VoterCount.contest_id == Contest.id),
        )
        .where(UnitVotingArea.voting_area_id == va.id)
        .order_by(Contest.id)
    ).all()
    rows = sorted(rows, key=lambda row: law_rank(row[0].code))
    tallies = {
        (t.contest_id, t.round_no): t
        for t in session.scalars(select(TallyRecord).where(TallyRecord.voting_area_id == va.id))
    }
    contests = []
    for contest, unit, count in rows:
        # A later round concerns every voting area of the unit: its own ballot and seats.
        ballot = unit_rounds.ballot(session, unit)
        contests.append(
            VotingAreaContest(
                contest,
                unit,
                count.voters if count else None,
                ballot.candidates,
                tallies.get((contest.id, ballot.round_no)),
                ballot.seats,
                ballot.round_no,
                ballot.kind,
            )
        )
    return VotingAreaView(va, contests)


@dataclass(frozen=True)
class Overview:
    areas: int
    voting_areas: int
    units: int
    candidates: int
    voters: dict[str, int]


def overview(session: Session) -> Overview:
    """Counts for a home page: how big the loaded election is."""
    voters = dict(
        session.execute(
            select(
                Contest.code,
                func.sum(func.coalesce(VoterCount.roll_voters, VoterCount.setup_voters)),
            )
            .join(VoterCount, VoterCount.contest_id == Contest.id)
            .group_by(Contest.code)
        ).all()
    )
    return Overview(
        areas=session.scalar(select(func.count(Area.id))) or 0,
        voting_areas=session.scalar(select(func.count(VotingArea.id))) or 0,
        units=session.scalar(select(func.count(Unit.id))) or 0,
        candidates=session.scalar(select(func.count(Candidate.id))) or 0,
        voters={k: int(voters[k] or 0) for k in sorted(voters, key=law_rank)},
    )


@dataclass(frozen=True)
class ContestSlot:
    """A contest a voting area holds: its unit, seats, candidates and voters on the roll."""

    contest: str
    unit: str
    seats: int
    candidates: list[str]
    voters: int | None


def fill_plan(session: Session) -> dict[str, list[ContestSlot]]:
    """Every voting area's contests, in contest order (for generating records)."""
    candidates: dict[int, list[str]] = {}
    for unit_id, code in session.execute(
        select(Candidate.unit_id, Candidate.code).order_by(
            Candidate.unit_id, Candidate.ballot_order
        )
    ):
        candidates.setdefault(unit_id, []).append(code)
    voters = {
        (va, c): (roll if roll is not None else setup_)
        for va, c, setup_, roll in session.execute(
            select(
                VoterCount.voting_area_id,
                VoterCount.contest_id,
                VoterCount.setup_voters,
                VoterCount.roll_voters,
            )
        )
    }
    plan: dict[str, list[ContestSlot]] = {}
    for va_id, va_code, contest_id, contest_code, unit_id, unit_code, seats in session.execute(
        select(
            VotingArea.id,
            VotingArea.code,
            Contest.id,
            Contest.code,
            Unit.id,
            Unit.code,
            Unit.seats,
        )
        .join(UnitVotingArea, UnitVotingArea.voting_area_id == VotingArea.id)
        .join(Unit, Unit.id == UnitVotingArea.unit_id)
        .join(Contest, Contest.id == UnitVotingArea.contest_id)
        .order_by(VotingArea.id, Contest.id)
    ):
        plan.setdefault(va_code, []).append(
            ContestSlot(
                contest_code,
                unit_code,
                seats,
                candidates.get(unit_id, []),
                voters.get((va_id, contest_id)),
            )
        )
    session.rollback()
    return plan


def has_children(session: Session, area: Area) -> bool:
    """Whether the area is divided further (a ward's children are voting areas, not areas)."""
    return session.scalar(select(Area.id).where(Area.parent_id == area.id).limit(1)) is not None
