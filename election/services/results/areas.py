"""An area's or a voting area's result, and the drill-down rows of its children."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.cache import Lru
from election.domain import results as algebra
from election.domain.errors import Forbidden, NotFound
from election.domain.numbers import percent
from election.domain.results import FIGURES
from election.models.contests import Contest, Unit, UnitVotingArea
from election.models.geography import Area, VotingArea
from election.models.results import ResultPart, ResultTotal
from election.models.tallies import TallyRecord, TallyVersion, TallyVote
from election.models.users import User
from election.services import scope
from election.services.results.lines import (
    CandidateLine,
    result_of,
    scope_lines,
    setup_hash_subquery,
    unit_codes,
)


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


def contest_named(session: Session, code: str | None) -> Contest:
    """The contest of a ``contest`` parameter; NotFound naming the field otherwise."""
    if not code:
        raise NotFound("Thiếu tham số contest (mã cấp bầu cử)", {"contest": ["Bắt buộc phải có"]})
    contest = session.scalar(select(Contest).where(Contest.code == code))
    if contest is None:
        raise NotFound(f"Không có cấp bầu cử mã «{code}»", {"contest": ["Mã không tồn tại"]})
    return contest


def area_or_root(session: Session, code: str | None) -> Area:
    """The administrative area with this code, or the root area when no code is given."""
    area = (
        session.scalar(select(Area).where(Area.parent_id.is_(None)))
        if not code
        else session.scalar(select(Area).where(Area.code == code))
    )
    if area is None:
        raise NotFound(f"Không có khu vực hành chính mã «{code}»")
    return area


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
    contest = contest_named(session, contest_code)
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
        select(ResultTotal, setup_hash_subquery()).where(
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
    lines = (
        [] if too_many else scope_lines(session, "area", area.id, round_no, contest.id, setup_hash)
    )
    # The listed candidates name their units; only a list left out needs a lookup.
    codes = {i.unit_id: i.unit for i in lines} if lines else unit_codes(session, list(by_unit))
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
    counts = ("voting_areas_total", "reported", "verified", *FIGURES)
    return (total.updated_at, *(getattr(total, name) for name in counts))


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
        result = algebra.of_record(version, [(c.code, c.votes) for c in lines])
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
    contest = contest_named(session, contest_code)
    area = area_or_root(session, code)
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
        result = algebra.empty([], 1) if version is None else algebra.of_record(version)
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
