"""Statistical flags on the current records of an area (CONTRACT §6.5); they never block."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from fractions import Fraction

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from election.domain import flags as stats
from election.domain.errors import Forbidden, NotFound
from election.models import Area, Contest, TallyRecord, TallyVersion, TallyVote, User, VotingArea
from election.services import scope

ROLES = ("board", "reviewer")


def area_flags(session: Session, user: User, code: str | None) -> list[stats.Flag]:
    """The flags of the records inside an area (a voting area: its own and its ward's)."""
    if user.role not in ROLES:
        raise Forbidden("Chỉ Ủy ban bầu cử và người kiểm tra được xem các dấu hiệu bất thường")
    if not code:
        raise NotFound("Thiếu tham số area (mã khu vực)", {"area": ["Bắt buộc phải có"]})
    area = session.scalar(select(Area).where(Area.code == code))
    only = None
    if area is None:
        va = session.scalar(select(VotingArea).where(VotingArea.code == code))
        if va is None:
            raise NotFound(f"Không có khu vực mã «{code}»", {"area": ["Mã không tồn tại"]})
        scope.require_inside(user, va)
        # A voting area is judged against its ward: read the ward, keep the area's flags.
        area, only = va.area, va.code
    elif not scope.area_inside(user, area):
        raise Forbidden("Khu vực này nằm ngoài phạm vi của bạn")
    found = flags_below(session, area.id)
    return [f for f in found if only is None or f.voting_area == only]


def flags_below(session: Session, area_id: int) -> list[stats.Flag]:
    """Every flag of the current records of the voting areas inside area ``area_id``."""
    return _flags(session, lambda query: scope.voting_areas_below(query, area_id))


def flags_of_records(
    session: Session, user: User, record_ids: list[int]
) -> dict[int, list[stats.Flag]]:
    """The flags of some records in the user's scope (a page of the queue), by record id.

    A flag compares a record with its own ward only, so reading those wards gives the same
    flags as reading the whole scope, at the cost of a page rather than of the city.
    """
    if user.role not in ROLES or not record_ids:
        return {}
    wards = (
        select(VotingArea.area_id)
        .join(TallyRecord, TallyRecord.voting_area_id == VotingArea.id)
        .where(TallyRecord.id.in_(record_ids))
    )
    wanted = set(record_ids)
    out: dict[int, list[stats.Flag]] = defaultdict(list)
    for f in _flags(session, lambda query: query.where(VotingArea.area_id.in_(wards))):
        if f.record_id in wanted:
            out[f.record_id].append(f)
    return out


def _flags(session: Session, where: Callable[[Select], Select]) -> list[stats.Flag]:
    """Every flag of the current records that ``where`` keeps."""
    query = where(
        scope.current_records(
            TallyRecord.id,
            TallyRecord.round_no,
            TallyVersion.id,
            VotingArea.id,
            VotingArea.code,
            Area.code,
            Contest.code,
            TallyVersion.voters_on_roll,
            TallyVersion.voters_voted,
            TallyVersion.ballots_received,
            TallyVersion.ballots_valid,
            TallyVersion.ballots_invalid,
        ).join(Area, Area.id == VotingArea.area_id)
    )
    rows = session.execute(query.order_by(TallyRecord.id)).all()
    votes: dict[int, list[int]] = defaultdict(list)
    versions = [row[2] for row in rows]
    for start in range(0, len(versions), 10_000):
        for version_id, n in session.execute(
            select(TallyVote.version_id, TallyVote.votes)
            .where(TallyVote.version_id.in_(versions[start : start + 10_000]))
            .order_by(TallyVote.version_id, TallyVote.candidate_id)
        ):
            votes[version_id].append(n)
    turnout = {
        (va_id, contest, round_no): Fraction(voted, roll)
        for _r, round_no, _v, va_id, _c, _w, contest, roll, voted, *_ in rows
        if roll
    }
    by_round: dict[bool, list[stats.RecordFigures]] = defaultdict(list)
    for rid, round_no, vid, va_id, va, ward, contest, roll, voted, received, valid, invalid in rows:
        by_round[round_no > 1].append(
            stats.RecordFigures(
                va,
                ward,
                contest,
                roll,
                voted,
                received,
                valid,
                invalid,
                tuple(votes[vid]),
                rid,
                turnout.get((va_id, contest, round_no - 1)) if round_no > 1 else None,
            )
        )
    # Later rounds are compared with their own round before, not with the first-round ward.
    found = stats.flags(by_round[False]) + stats.flags(by_round[True])
    return sorted(found, key=lambda f: (-f.score, f.area, f.kind))


def root_area_id(session: Session) -> int | None:
    return session.scalar(select(Area.id).where(Area.parent_id.is_(None)))


__all__ = ["area_flags", "flags_below", "flags_of_records"]
