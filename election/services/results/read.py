"""Reading results: an area's or a unit's totals, winners and progress (CONTRACT §5 "Results")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cached_property
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from election.cache import Lru
from election.domain import results as algebra
from election.domain import winners as law
from election.domain.errors import Forbidden, NotFound
from election.domain.numbers import percent
from election.models import (
    Area,
    AreaClosure,
    AuditEvent,
    Candidate,
    Contest,
    ResultPart,
    ResultTotal,
    ResultVote,
    TallyRecord,
    TallyVersion,
    TallyVote,
    Unit,
    UnitRound,
    UnitVotingArea,
    User,
    VotingArea,
)
from election.services import scope

# Ids per IN list: PostgreSQL takes at most 65.535 parameters in one statement.
CHUNK = 10_000


class CandidateLine(NamedTuple):
    # A tuple, not a dataclass: the nation's list has 920 lines, built on every change.
    code: str
    name: str
    unit: str
    date_of_birth: dt.date
    votes: int
    unit_id: int = 0


@dataclass(frozen=True)
class AreaResult:
    code: str
    name: str
    level: str
    contest: Contest
    result: algebra.Result
    shares: algebra.Shares
    candidates: list[CandidateLine]
    verified: int
    updated_at: dt.datetime | None
    # Valid ballots of each unit with records in this area, in unit order: the base of
    # each candidate's share here.
    valid_of_unit: dict[str, int]
    # The version of the area's total this was built from (None for a voting area): the same
    # version means the same figures and candidate lines, so readers may reuse what they made.
    version: tuple | None = None

    @property
    def unit_codes(self) -> list[str]:
        return list(self.valid_of_unit)

    @cached_property
    def pct_of_valid(self) -> dict[str, Decimal | None]:
        """Each candidate's share of the valid ballots of their own unit inside this area."""
        valid = self.valid_of_unit
        return {c.code: percent(c.votes, valid.get(c.unit, 0)) for c in self.candidates}


def _contest(session: Session, code: str | None) -> Contest:
    if not code:
        raise NotFound("Thiếu tham số contest (mã cấp bầu cử)", {"contest": ["Bắt buộc phải có"]})
    contest = session.scalar(select(Contest).where(Contest.code == code))
    if contest is None:
        raise NotFound(f"Không có cấp bầu cử mã «{code}»", {"contest": ["Mã không tồn tại"]})
    return contest


def area_result(
    session: Session,
    user: User,
    code: str,
    contest_code: str | None,
    round_no: int = 1,
    max_units: int | None = None,
) -> AreaResult:
    """The sum of the current records of an area (or one voting area) for a contest.

    With ``max_units``, an area spanning more units than that lists no candidates
    (a city's ~1.000 commune-council units would be thousands of lines on every poll).
    """
    contest = _contest(session, contest_code)
    area = session.scalar(select(Area).where(Area.code == code))
    if area is None:
        va = session.scalar(select(VotingArea).where(VotingArea.code == code))
        if va is None:
            raise NotFound(f"Không có khu vực mã «{code}»")
        scope.require_inside(user, va)
        return _voting_area_result(session, va, contest, round_no)
    if not scope.area_inside(user, area):
        raise Forbidden("Khu vực này nằm ngoài phạm vi của bạn")
    # The setup's hash comes with the total: a rebuilt result needs it to trust what the
    # worker knows of the candidates, and it costs no round trip of its own.
    total, setup_hash = session.execute(
        select(ResultTotal, _setup_hash()).where(
            ResultTotal.scope_kind == "area",
            ResultTotal.scope_id == area.id,
            ResultTotal.contest_id == contest.id,
            ResultTotal.round_no == round_no,
        )
    ).first() or (None, None)
    key = (str(session.get_bind().engine.url), area.id, contest.id, round_no, max_units)
    version = _version(total)
    cached = _AREA_RESULTS.get(key) if version is not None else None
    if cached is not None and cached[0] == version:
        # The cached contest row belongs to an earlier request's session: use this one's.
        return replace(cached[1], contest=contest)
    # Plain rows from the connection: the ORM's result machinery costs more than the
    # database does for the nation's 920 lines.
    by_unit = dict(
        session.connection()
        .execute(
            select(ResultPart.unit_id, ResultPart.ballots_valid)
            .where(
                ResultPart.area_id == area.id,
                ResultPart.contest_id == contest.id,
                ResultPart.round_no == round_no,
            )
            .order_by(ResultPart.unit_id)
        )
        .all()
    )
    too_many = max_units is not None and len(by_unit) > max_units
    lines = [] if too_many else _lines(session, "area", area.id, round_no, contest.id, setup_hash)
    # The listed candidates name their units; only a list left out needs a lookup.
    codes = {i.unit_id: i.unit for i in lines} if lines else _unit_codes(session, list(by_unit))
    parts = {codes[unit_id]: n for unit_id, n in by_unit.items() if unit_id in codes}
    result = result_of(total, lines)
    built = AreaResult(
        area.code,
        area.name,
        area.level.code,
        contest,
        result,
        algebra.shares(result, candidates=False),
        lines,
        total.verified if total else 0,
        total.updated_at if total else None,
        parts,
        version,
    )
    if version is not None:
        _AREA_RESULTS.put(key, (version, built))
    return built


# Area results a worker has built, each kept with the version of the total it came from.
# Every change to an area's figures or votes rewrites the area's total row in the same
# transaction (its ``updated_at`` and counts), so a result built from a total with the
# same version is still exact: polling the national totals then costs the read of one
# row instead of a thousand candidate lines.
_AREA_RESULTS = Lru(1024)


def _version(total: ResultTotal | None) -> tuple | None:
    if total is None or total.updated_at is None:
        return None
    return (
        total.updated_at,
        total.voting_areas_total,
        total.reported,
        total.verified,
        total.voters_on_roll,
        total.voters_voted,
        total.ballots_issued,
        total.ballots_received,
        total.ballots_valid,
        total.ballots_invalid,
    )


def _unit_codes(session: Session, ids: list[int]) -> dict[int, str]:
    codes: dict[int, str] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        codes.update(session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(chunk))).all())
    return codes


def result_of(total: ResultTotal | None, lines: list[CandidateLine] = ()) -> algebra.Result:
    """A stored running total as a result, with the given candidate lines (none by default)."""
    votes = tuple((c.code, c.votes) for c in lines)
    if total is None:
        return algebra.Result(0, 0, 0, 0, 0, 0, 0, 0, votes)
    return algebra.Result(
        total.voting_areas_total,
        total.reported,
        total.voters_on_roll,
        total.voters_voted,
        total.ballots_issued,
        total.ballots_received,
        total.ballots_valid,
        total.ballots_invalid,
        votes,
    )


def _lines(
    session: Session,
    kind: str,
    scope_id: int,
    round_no: int,
    contest_id: int,
    setup_hash: str | None = None,
) -> list[CandidateLine]:
    """The candidates with votes in a scope, by unit then ballot order.

    Two index lookups rather than one join: the planner cannot know that the city's
    or the nation's scope has a thousand rows where a ward's has ten, and a join
    planned for the average scans every candidate.
    """
    votes = (
        session.connection()
        .execute(
            select(ResultVote.candidate_id, ResultVote.votes).where(
                ResultVote.scope_kind == kind,
                ResultVote.scope_id == scope_id,
                ResultVote.contest_id == contest_id,
                ResultVote.round_no == round_no,
            )
        )
        .all()
    )
    setup, info = _candidate_info(session, [cid for cid, _n in votes], setup_hash)
    lines = [(cid, info[cid], n) for cid, n in votes]
    lines.sort(key=_by_ballot)
    # A change moves the votes of one unit's candidates: the other lines are the ones
    # this worker built before.
    built = _BUILT.setdefault((setup, kind, scope_id, contest_id, round_no), dict)
    out = []
    for cid, c, n in lines:
        line = built.get(cid)
        if line is None or line.votes != n:
            line = built[cid] = CandidateLine(c.code, c.name, c.unit, c.date_of_birth, n, c.unit_id)
        out.append(line)
    return out


# The candidate lines a worker built last, per scope.
_BUILT = Lru(256)


class _CandidateInfo(NamedTuple):
    unit_id: int
    order: int
    code: str
    name: str
    unit: str
    date_of_birth: dt.date
    rank: tuple[int, int]  # unit, then place on the ballot


def _by_ballot(line: tuple[int, _CandidateInfo, int]) -> tuple[int, int]:
    return line[1].rank


# Candidates and units never change once a setup is stored, so what a worker has read
# about them is kept, per database and per setup (the hash of its audit event): a reload
# of the database gets a new key. Losing this cache costs one query.
_STRUCTURE: dict[tuple[str, str], dict[int, _CandidateInfo]] = {}


def _setup_hash():
    """The hash of the setup's audit event, as a scalar subquery."""
    return (
        select(AuditEvent.hash)
        .where(AuditEvent.action == "setup.import")
        .order_by(AuditEvent.seq)
        .limit(1)
        .scalar_subquery()
    )


def _candidate_info(
    session: Session, ids: list[int], setup_hash: str | None = None
) -> tuple[tuple[str, str], dict[int, _CandidateInfo]]:
    """The setup's key (database, setup hash) and what is known of its candidates."""
    if setup_hash is None:
        setup_hash = session.connection().scalar(select(_setup_hash()))
    key = (str(session.get_bind().engine.url), setup_hash or "")
    known = _STRUCTURE.setdefault(key, {})
    missing = [i for i in ids if i not in known]
    # Candidates, then their units, each by primary key: joined, PostgreSQL hashed the
    # nation's 35,631 units to find the 184 it needed (bench.explain).
    rows = []
    for start in range(0, len(missing), CHUNK):
        rows += session.connection().execute(
            select(
                Candidate.id,
                Candidate.code,
                Candidate.full_name,
                Candidate.unit_id,
                Candidate.date_of_birth,
                Candidate.ballot_order,
            ).where(Candidate.id.in_(missing[start : start + CHUNK]))
        )
    units = _unit_codes(session, sorted({row[3] for row in rows}))
    for cid, code, name, unit_id, born, order in rows:
        known[cid] = _CandidateInfo(
            unit_id, order, code, name, units[unit_id], born, (unit_id, order)
        )
    return key, known


def _voting_area_result(
    session: Session, va: VotingArea, contest: Contest, round_no: int
) -> AreaResult:
    unit = session.scalar(
        select(Unit)
        .join(UnitVotingArea, UnitVotingArea.unit_id == Unit.id)
        .where(UnitVotingArea.voting_area_id == va.id, UnitVotingArea.contest_id == contest.id)
    )
    candidates = [] if unit is None else list(unit.candidates)
    row = session.execute(
        select(TallyRecord, TallyVersion)
        .join(
            TallyVersion,
            (TallyVersion.record_id == TallyRecord.id)
            & (TallyVersion.version == TallyRecord.current_version),
        )
        .where(
            TallyRecord.voting_area_id == va.id,
            TallyRecord.contest_id == contest.id,
            TallyRecord.round_no == round_no,
        )
    ).first()
    votes = {}
    if row is not None:
        votes = dict(
            session.execute(
                select(TallyVote.candidate_id, TallyVote.votes).where(
                    TallyVote.version_id == row[1].id
                )
            ).all()
        )
    lines = [
        CandidateLine(c.code, c.full_name, unit.code, c.date_of_birth, votes.get(c.id, 0))
        for c in candidates
    ]
    held = unit is not None
    if row is None:
        result = algebra.empty([c.code for c in lines], 1 if held else 0)
        verified, updated = 0, None
    else:
        record, version = row
        result = algebra.Result(
            1,
            1,
            version.voters_on_roll,
            version.voters_voted,
            version.ballots_issued,
            version.ballots_received,
            version.ballots_valid,
            version.ballots_invalid,
            tuple((c.code, c.votes) for c in lines),
        )
        verified, updated = int(record.status == "verified"), record.updated_at
    shares = algebra.shares(result)
    return AreaResult(
        va.code,
        va.name,
        "voting_area",
        contest,
        result,
        shares,
        lines,
        verified,
        updated,
        {} if unit is None else {unit.code: result.ballots_valid},
    )


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
    _require_unit_scope(session, user, unit)
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
        lines = {c.code: c for c in _lines(session, "unit", unit.id, r.round_no, unit.contest_id)}
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


def _require_unit_scope(session: Session, user: User, unit: Unit) -> None:
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


@dataclass(frozen=True)
class Progress:
    contest: str
    voting_areas_total: int
    reported: int
    verified: int
    updated_at: dt.datetime | None


def progress(session: Session, user: User, code: str | None) -> tuple[Area, list[Progress]]:
    """How many voting areas of an area have reported and been verified, per contest."""
    area = (
        session.scalar(select(Area).where(Area.parent_id.is_(None)))
        if not code
        else session.scalar(select(Area).where(Area.code == code))
    )
    if area is None:
        raise NotFound(f"Không có khu vực hành chính mã «{code}»")
    if not scope.area_inside(user, area):
        raise Forbidden("Khu vực này nằm ngoài phạm vi của bạn")
    rows = session.execute(
        select(Contest.code, ResultTotal)
        .join(ResultTotal, ResultTotal.contest_id == Contest.id)
        .where(
            ResultTotal.scope_kind == "area",
            ResultTotal.scope_id == area.id,
            ResultTotal.round_no == 1,
        )
        .order_by(Contest.id)
    )
    return area, [
        Progress(code_, t.voting_areas_total, t.reported, t.verified, t.updated_at)
        for code_, t in rows
    ]


@dataclass(frozen=True)
class ChildRow:
    """One line of a drill-down table: a child area or a voting area, with its figures."""

    code: str
    name: str
    level: str
    result: algebra.Result
    shares: algebra.Shares
    verified: int
    status: str | None  # a voting area's record status; None for areas
    record_id: int | None
    updated_at: dt.datetime | None


def children_results(
    session: Session,
    user: User,
    code: str | None,
    contest_code: str | None,
    round_no: int = 1,
    max_units: int | None = None,
) -> tuple[AreaResult, list[ChildRow]]:
    """An area's own result and one row per child (areas, or a ward's voting areas)."""
    contest = _contest(session, contest_code)
    area = (
        session.scalar(select(Area).where(Area.parent_id.is_(None)))
        if not code
        else session.scalar(select(Area).where(Area.code == code))
    )
    if area is None:
        raise NotFound(f"Không có khu vực hành chính mã «{code}»")
    own = area_result(session, user, area.code, contest.code, round_no, max_units)
    rows = []
    for child, total in session.execute(
        select(Area, ResultTotal)
        .join(
            ResultTotal,
            (ResultTotal.scope_kind == "area")
            & (ResultTotal.scope_id == Area.id)
            & (ResultTotal.contest_id == contest.id)
            & (ResultTotal.round_no == round_no),
        )
        .where(Area.parent_id == area.id)
        .order_by(Area.id)
    ):
        result = result_of(total, [])
        rows.append(
            ChildRow(
                child.code,
                child.name,
                child.level.code,
                result,
                algebra.shares(result),
                total.verified,
                None,
                None,
                total.updated_at,
            )
        )
    if not rows:
        rows = _voting_area_rows(session, area, contest, round_no)
    return own, rows


def _voting_area_rows(
    session: Session, area: Area, contest: Contest, round_no: int
) -> list[ChildRow]:
    """A lowest-level area's voting areas holding the contest, reported or not."""
    out = []
    for va, record, version in session.execute(
        select(VotingArea, TallyRecord, TallyVersion)
        .join(
            UnitVotingArea,
            (UnitVotingArea.voting_area_id == VotingArea.id)
            & (UnitVotingArea.contest_id == contest.id),
        )
        .outerjoin(
            TallyRecord,
            (TallyRecord.voting_area_id == VotingArea.id)
            & (TallyRecord.contest_id == contest.id)
            & (TallyRecord.round_no == round_no),
        )
        .outerjoin(
            TallyVersion,
            (TallyVersion.record_id == TallyRecord.id)
            & (TallyVersion.version == TallyRecord.current_version),
        )
        .where(VotingArea.area_id == area.id)
        .order_by(VotingArea.id)
    ):
        if version is None:
            result = algebra.empty([], 1)
        else:
            result = algebra.Result(
                1,
                1,
                version.voters_on_roll,
                version.voters_voted,
                version.ballots_issued,
                version.ballots_received,
                version.ballots_valid,
                version.ballots_invalid,
                (),
            )
        out.append(
            ChildRow(
                va.code,
                va.name,
                "voting_area",
                result,
                algebra.shares(result),
                int(record is not None and record.status == "verified"),
                record.status if record else None,
                record.id if record else None,
                record.updated_at if record else None,
            )
        )
    return out
