"""What the public may see (issue #17, CONTRACT §6.4): certified units with their winners and
figures; every other unit "đang tổng hợp" with the count of voting areas reported, never an
uncertified figure; and the numbered snapshots that say what changed and why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from election.domain.errors import InvalidInput, NotFound
from election.domain.results import shares
from election.models.audit import AuditEvent
from election.models.certification import PublicSnapshot
from election.models.contests import Contest, Unit
from election.models.results import ResultTotal
from election.services.certification import read
from election.services.results import units as unit_rounds

SNAPSHOTS_SHOWN = 20


@dataclass(frozen=True)
class PublicWinner:
    name: str
    votes: int
    pct: Decimal | None  # of the valid ballots of the round that elected them
    round: int


@dataclass(frozen=True)
class PublicUnit:
    code: str
    name: str
    seats: int
    certified: bool
    voting_areas: int
    reported: int
    certified_at: dt.datetime | None = None
    digest: str | None = None
    # Only for a certified unit: the figures of its deciding round and its winners.
    voters: int | None = None
    voted: int | None = None
    turnout_pct: Decimal | None = None
    valid: int | None = None
    invalid: int | None = None
    winners: list[PublicWinner] = field(default_factory=list)


@dataclass(frozen=True)
class Snapshot:
    seq: int
    at: dt.datetime
    changes: list[str]


@dataclass(frozen=True)
class PublicResults:
    contest: str
    contest_name: str
    status: str  # unofficial-partial | unofficial-complete | certified (NIST words)
    units: list[PublicUnit]
    snapshots: list[Snapshot]

    @property
    def snapshot(self) -> int:
        return self.snapshots[0].seq if self.snapshots else 0


def contests(session: Session) -> list[Contest]:
    return list(session.scalars(select(Contest).order_by(Contest.id)))


def version(session: Session, contest_code: str | None) -> str:
    """What the public answer of a contest depends on, cheaply: when it is the same, so is
    the answer (its snapshot, the units' progress and rounds, and which database it is)."""
    contest = _contest(session, contest_code)
    snapshot = (
        select(func.max(PublicSnapshot.seq))
        .where(PublicSnapshot.contest_id == contest.id)
        .scalar_subquery()
    )
    first_event = select(AuditEvent.hash).where(AuditEvent.seq == 1).scalar_subquery()
    row = session.execute(
        select(
            snapshot,
            func.count(),
            func.coalesce(func.sum(ResultTotal.reported), 0),
            func.coalesce(func.sum(ResultTotal.round_no), 0),
            first_event,
        ).where(ResultTotal.scope_kind == "unit", ResultTotal.contest_id == contest.id)
    ).one()
    return "|".join(str(part) for part in (contest.code, *row))


def _contest(session: Session, contest_code: str | None) -> Contest:
    known = contests(session)
    if not known:
        raise NotFound("Chưa có cuộc bầu cử nào được thiết lập")
    if contest_code is None:
        return known[0]
    contest = next((c for c in known if c.code == contest_code), None)
    if contest is None:
        raise InvalidInput(
            f"Không có cấp bầu cử mã «{contest_code}»",
            {"contest": [f"Một trong: {', '.join(c.code for c in known)}"]},
        )
    return contest


def public_results(session: Session, contest_code: str | None) -> PublicResults:
    """The public answer for a contest (the first one when none is named)."""
    contest = _contest(session, contest_code)
    units = [
        _unit(session, u)
        for u in session.scalars(
            select(Unit).where(Unit.contest_id == contest.id).order_by(Unit.id)
        )
    ]
    rows = session.scalars(
        select(PublicSnapshot)
        .where(PublicSnapshot.contest_id == contest.id)
        .order_by(PublicSnapshot.seq.desc())
        .limit(SNAPSHOTS_SHOWN)
    )
    snapshots = [Snapshot(s.seq, s.at, list(s.changes)) for s in rows]
    if units and all(u.certified for u in units):
        status = "certified"
    elif units and all(u.reported == u.voting_areas for u in units):
        status = "unofficial-complete"
    else:
        status = "unofficial-partial"
    return PublicResults(contest.code, contest.name, status, units, snapshots)


def _unit(session: Session, unit: Unit) -> PublicUnit:
    rounds, course = unit_rounds.course_of(session, unit)
    current = rounds[-1]
    base = {
        "code": unit.code,
        "name": unit.name,
        "seats": unit.seats,
        "voting_areas": current.result.voting_areas_total,
        "reported": current.result.voting_areas_reported,
    }
    certs = read.rounds_certified(session, unit.id, [r.round_no for r in rounds])
    if certs is None or course.next_rounds:
        return PublicUnit(certified=False, **base)
    result = current.result
    winners = []
    for r in rounds:
        by_code = {c.code: c for c in r.outcome.candidates}
        for code in r.outcome.elected:
            c = by_code[code]
            winners.append(PublicWinner(c.name, c.votes, c.pct_of_valid, r.round_no))
    return PublicUnit(
        certified=True,
        certified_at=certs[-1].certified_at,
        digest=certs[-1].digest,
        voters=result.voters_on_roll,
        voted=result.voters_voted,
        turnout_pct=shares(result).turnout_pct,
        valid=result.ballots_valid,
        invalid=result.ballots_invalid,
        winners=winners,
        **base,
    )
