"""Open data: the current tally records of the caller's scope, and the whole election for NIST.

Rows are read with a few joined SELECTs and handed on as they arrive (``yield_per``), so a
nation's 85.000 voting areas stream through instead of sitting in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from election.domain import results as algebra
from election.domain import rounds as rounds_law
from election.domain import winners as law
from election.domain.clock import utcnow
from election.domain.errors import Forbidden, NotFound
from election.models.certification import Certification, PublicSnapshot
from election.models.contests import Candidate, Contest, Election, Unit, UnitVotingArea
from election.models.geography import Area, AreaLevel, VotingArea
from election.models.results import ResultTotal, ResultVote, UnitRound
from election.models.tallies import TallyRecord, TallyVersion, TallyVote
from election.models.users import User
from election.services import scope
from election.services.certification import read as certification
from exports import opendata as out

# Rows per fetch while streaming.
FETCH = 2000


def records(session: Session, user: User) -> Iterator[out.RecordRow]:
    """The current version of every record in the user's scope, by voting area and contest."""
    places = _places(session)
    query = (
        scope.current_records(
            VotingArea.area_id,
            VotingArea.code,
            VotingArea.name,
            Contest.code,
            Unit.code,
            TallyRecord.round_no,
            TallyRecord.status,
            TallyRecord.current_version,
            TallyVersion.voters_on_roll,
            TallyVersion.voters_voted,
            TallyVersion.ballots_issued,
            TallyVersion.ballots_received,
            TallyVersion.ballots_valid,
            TallyVersion.ballots_invalid,
            TallyRecord.updated_at,
        )
        .join(
            UnitVotingArea,
            (UnitVotingArea.voting_area_id == TallyRecord.voting_area_id)
            & (UnitVotingArea.contest_id == TallyRecord.contest_id),
        )
        .join(Unit, Unit.id == UnitVotingArea.unit_id)
        .order_by(VotingArea.id, Contest.id, TallyRecord.round_no)
    )
    for area_id, *rest in _stream(session, scope.records_inside(query, user)):
        yield out.RecordRow(*places[area_id], *rest)


def votes(session: Session, user: User) -> Iterator[out.VoteRow]:
    """Each candidate's votes in the current records of the user's scope, in ballot order."""
    query = _current_votes(
        VotingArea.code,
        Contest.code,
        Unit.code,
        TallyRecord.round_no,
        Candidate.code,
        Candidate.full_name,
        Candidate.ballot_order,
        TallyVote.votes,
    ).order_by(VotingArea.id, Contest.id, TallyRecord.round_no, Candidate.ballot_order)
    for row in _stream(session, scope.records_inside(query, user)):
        yield out.VoteRow(*row)


def _current_votes(*columns: Any) -> Select:
    """``columns`` of every vote of a current version, with its candidate, unit and voting area."""
    return (
        scope.current_records(*columns)
        .join(TallyVote, TallyVote.version_id == TallyVersion.id)
        .join(Candidate, Candidate.id == TallyVote.candidate_id)
        .join(Unit, Unit.id == Candidate.unit_id)
    )


def _stream(session: Session, query: Select) -> Iterator[Any]:
    yield from session.execute(query.execution_options(yield_per=FETCH))


def _places(session: Session) -> dict[int, tuple[str, str, str, str]]:
    """Each area as a voting area's ward: (district code, district name, code, name).

    The district is the nearest ancestor of level "district"; a tree without districts
    (2026) leaves it empty.
    """
    areas = _area_rows(session)
    places = {}
    for area_id, (code, name, _level, parent) in areas.items():
        district = ("", "")
        while parent is not None:
            p_code, p_name, p_level, p_parent = areas[parent]
            if p_level == "district":
                district = (p_code, p_name)
                break
            parent = p_parent
        places[area_id] = (*district, code, name)
    return places


def _area_rows(session: Session) -> dict[int, tuple[str, str, str, int | None]]:
    """Every area, the root first and each level before the next: id → (code, name, level, parent)."""
    return {
        area_id: (code, name, level, parent)
        for area_id, code, name, level, parent in session.execute(
            select(Area.id, Area.code, Area.name, AreaLevel.code, Area.parent_id)
            .join(AreaLevel, AreaLevel.id == Area.level_id)
            .order_by(AreaLevel.depth, Area.id)
        )
    }


def election_data(session: Session, user: User) -> out.ElectionData:
    """The whole election for the NIST report; only the board and administrators may read it."""
    if user.role not in ("board", "admin"):
        raise Forbidden("Chỉ Ủy ban bầu cử và quản trị viên được tải kết quả toàn cuộc bầu cử")
    election = session.scalars(select(Election)).first()
    areas = _area_rows(session)
    if election is None or not areas:
        raise NotFound("Chưa có cuộc bầu cử nào được thiết lập")
    voting_areas = session.execute(
        select(VotingArea.code, VotingArea.name, VotingArea.area_id).order_by(VotingArea.id)
    ).all()
    root_code, root_name, root_level, _ = next(iter(areas.values()))
    body = "Hội đồng Bầu cử quốc gia" if root_level == "country" else f"Ủy ban bầu cử {root_name}"
    return out.ElectionData(
        name=election.name,
        date=election.date,
        issuer=body,
        issuer_abbreviation=root_code,
        generated_at=utcnow(),
        root=root_code,
        areas=_area_infos(areas, voting_areas),
        voting_areas=[out.VotingAreaInfo(code, name) for code, name, _ in voting_areas],
        units=_units(session),
        precinct_votes=_precinct_votes(session),
        **_certified(session),
    )


def _certified(session: Session) -> dict:
    """The certified units and contests, and the public snapshot the report stands at."""
    valid_units = dict(
        session.execute(
            select(Unit.code, func.count(Certification.id))
            .join(Certification, Certification.unit_id == Unit.id)
            .where(Certification.valid.is_(True))
            .group_by(Unit.code)
        ).all()
    )
    rounds = dict(
        session.execute(
            select(Unit.code, func.count(UnitRound.round_no))
            .join(UnitRound, UnitRound.unit_id == Unit.id)
            .group_by(Unit.code)
        ).all()
    )
    units = frozenset(code for code, n in valid_units.items() if n >= max(rounds.get(code, 1), 1))
    contests = frozenset(
        c.code
        for c in session.scalars(select(Contest))
        if certification.contest_certified(session, c.id)
    )
    sequence = session.scalar(select(func.max(PublicSnapshot.seq))) or 1
    return {"certified_units": units, "certified_contests": contests, "sequence": sequence}


def _area_infos(areas: dict, voting_areas: list) -> list[out.AreaInfo]:
    """Each area with its children, its own voting areas and how many lie below it."""
    children: dict[int, list[str]] = {i: [] for i in areas}
    inside: dict[int, list[str]] = {i: [] for i in areas}
    below = dict.fromkeys(areas, 0)
    for code, _name, _level, parent in areas.values():
        if parent is not None:
            children[parent].append(code)
    for code, _name, area_id in voting_areas:
        inside[area_id].append(code)
        up: int | None = area_id
        while up is not None:
            below[up] += 1
            up = areas[up][3]
    return [
        out.AreaInfo(code, name, level, tuple(children[i]), tuple(inside[i]), below[i])
        for i, (code, name, level, _parent) in areas.items()
    ]


def _units(session: Session) -> list[out.UnitInfo]:
    """Every unit with its rounds judged by the law, as ``results.course_of`` does one by one."""
    members: dict[int, list[str]] = {}
    for unit_id, code in session.execute(
        select(UnitVotingArea.unit_id, VotingArea.code)
        .join(VotingArea, VotingArea.id == UnitVotingArea.voting_area_id)
        .order_by(UnitVotingArea.unit_id, VotingArea.id)
    ):
        members.setdefault(unit_id, []).append(code)
    candidates: dict[int, list[Any]] = {}
    for c in session.execute(
        select(
            Candidate.unit_id,
            Candidate.id,
            Candidate.code,
            Candidate.full_name,
            Candidate.gender,
            Candidate.date_of_birth,
            Candidate.ballot_order,
        ).order_by(Candidate.unit_id, Candidate.ballot_order)
    ):
        candidates.setdefault(c.unit_id, []).append(c)
    code_of = {c.id: c.code for cs in candidates.values() for c in cs}
    rounds: dict[int, list[tuple[int, str]]] = {}
    for unit_id, round_no, kind in session.execute(
        select(UnitRound.unit_id, UnitRound.round_no, UnitRound.kind).order_by(
            UnitRound.unit_id, UnitRound.round_no
        )
    ):
        rounds.setdefault(unit_id, []).append((round_no, kind))
    totals = {
        (t.scope_id, t.round_no): t
        for t in session.scalars(select(ResultTotal).where(ResultTotal.scope_kind == "unit"))
    }
    got: dict[tuple[int, int], dict[str, int]] = {}
    for unit_id, round_no, candidate_id, n in session.execute(
        select(
            ResultVote.scope_id, ResultVote.round_no, ResultVote.candidate_id, ResultVote.votes
        ).where(ResultVote.scope_kind == "unit")
    ):
        got.setdefault((unit_id, round_no), {})[code_of[candidate_id]] = n
    units = []
    for unit_id, code, name, seats, contest_code, contest_name in session.execute(
        select(Unit.id, Unit.code, Unit.name, Unit.seats, Contest.code, Contest.name)
        .join(Contest, Contest.id == Unit.contest_id)
        .order_by(Unit.id)
    ):
        ballot = [
            law.UnitCandidate(c.code, c.full_name, c.date_of_birth, c.ballot_order)
            for c in candidates.get(unit_id, [])
        ]
        judged = _rounds(unit_id, seats, contest_code, ballot, rounds.get(unit_id, []), totals, got)
        units.append(
            out.UnitInfo(
                code,
                name,
                contest_code,
                contest_name,
                tuple(members.get(unit_id, [])),
                tuple(
                    out.CandidateInfo(
                        c.code, c.full_name, c.gender, c.date_of_birth, c.ballot_order
                    )
                    for c in candidates.get(unit_id, [])
                ),
                tuple(judged),
            )
        )
    return units


def _rounds(
    unit_id: int,
    seats: int,
    contest: str,
    ballot: list[law.UnitCandidate],
    rounds: list[tuple[int, str]],
    totals: dict[tuple[int, int], ResultTotal],
    got: dict[tuple[int, int], dict[str, int]],
) -> list[out.RoundInfo]:
    """The unit's rounds judged by ``rounds.course``, exactly as ``results.course_of`` does."""
    rounds = rounds or [(1, law.FIRST)]
    data = []
    for round_no, kind in rounds:
        t = totals.get((unit_id, round_no))
        counted = got.get((unit_id, round_no), {})
        votes = tuple((c.code, counted.get(c.code, 0)) for c in ballot)
        result = algebra.Result(*((0,) * 8 if t is None else _figures(t)), votes)
        data.append(rounds_law.RoundData(kind, result, t.verified if t else 0))
    judged = rounds_law.course(ballot, seats, contest, data)
    infos = []
    for (round_no, kind), r in zip(rounds, judged.rounds, strict=True):
        outcome, result = r.outcome, r.result
        further = None
        if outcome.additional_election:
            further = law.ADDITIONAL
        elif outcome.re_election:
            further = law.RE_ELECTION
        elif outcome.board_decides and r is judged.current and judged.next_rounds:
            # Where the law is silent the board may open what the course offers (§6.5).
            further = judged.next_rounds[0]
        infos.append(
            out.RoundInfo(
                round_no=round_no,
                kind=kind,
                seats=r.seats,
                voting_areas_total=result.voting_areas_total,
                reported=result.voting_areas_reported,
                verified=r.verified,
                voters_on_roll=result.voters_on_roll,
                voters_voted=result.voters_voted,
                ballots_received=result.ballots_received,
                ballots_invalid=result.ballots_invalid,
                votes=result.votes,
                elected=outcome.elected,
                undecided=outcome.tie_needs_decision,
                next_round=further,
            )
        )
    return infos


def _figures(t: ResultTotal) -> tuple[int, ...]:
    return (
        t.voting_areas_total,
        t.reported,
        t.voters_on_roll,
        t.voters_voted,
        t.ballots_issued,
        t.ballots_received,
        t.ballots_valid,
        t.ballots_invalid,
    )


def _precinct_votes(session: Session) -> Iterator[out.PrecinctVote]:
    """Each voting area's votes, in unit order then round, as the report's contests go."""
    query = _current_votes(
        Unit.code, TallyRecord.round_no, VotingArea.code, Candidate.code, TallyVote.votes
    ).order_by(Unit.id, TallyRecord.round_no, VotingArea.id, Candidate.ballot_order)
    for row in _stream(session, query):
        yield out.PrecinctVote(*row)
