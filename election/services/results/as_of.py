"""Results as they stood right after an audit event (CONTRACT §6.5 ``?as_of=SEQ``).

Rebuilt from the records' immutable versions, never from a copy kept for the purpose. The
audit chain says which version of each record was current after event ``SEQ``: version
``n`` of a record is written with its ``n``-th ``tally.submit``/``tally.correct`` event
(versions are numbered one by one, each in the transaction of its event), and its status is
that of its latest submit, correct, verify or return event. A unit's rounds after the first
are those whose ``unit.round_open`` event is at or before ``SEQ``.

``updated_at`` in an answer as of ``SEQ`` is the time of the last event at or before ``SEQ``
that changed the scope (the live answer's time is stamped a few microseconds apart, in the
same transaction).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import Integer, Select, case, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from election.domain import results as algebra
from election.domain import rounds as rounds_law
from election.domain.clock import VIETNAM_TIME
from election.domain.errors import InvalidInput
from election.domain.results import FIGURES
from election.models import (
    Area,
    AreaClosure,
    AuditEvent,
    AuditHead,
    Candidate,
    TallyRecord,
    TallyVersion,
    TallyVote,
    Unit,
    UnitRound,
    UnitVotingArea,
    User,
    VotingArea,
)
from election.services.results import areas, units
from election.services.results.lines import CHUNK, CandidateLine, unit_codes
from election.services.results.units import UnitResult

WRITES = ("tally.submit", "tally.correct")
STATUS = {"tally.verify": "verified", "tally.return": "returned"}


def parse_seq(session: Session, raw: str | None) -> int | None:
    """The ``as_of`` parameter as an event number of the chain; None when absent."""
    if raw is None:
        return None
    head = session.scalar(select(AuditHead.seq).where(AuditHead.id == 1)) or 0
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise InvalidInput(
            "Tham số as_of phải là số thứ tự của một sự kiện nhật ký",
            {"as_of": ["Phải là số nguyên không âm"]},
        )
    seq = int(raw)
    if seq > head:
        raise InvalidInput(
            f"Nhật ký mới có {head:,} sự kiện".replace(",", "."),
            {"as_of": [f"Phải từ 0 đến {head:,}".replace(",", ".")]},
        )
    return seq


def seq_at(session: Session, at: dt.datetime) -> int:
    """The last event at or before ``at`` (0 when there is none)."""
    return session.scalar(select(func.max(AuditEvent.seq)).where(AuditEvent.at <= at)) or 0


def seq_for_local_time(session: Session, text: str | None) -> tuple[int, dt.datetime] | None:
    """A Vietnamese wall-clock time ('2021-05-23T21:30') → (the last event then, its time)."""
    if not text:
        return None
    try:
        local = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            "Thời điểm không hợp lệ", {"at": ["Nhập ngày giờ dạng 2021-05-23T21:30"]}
        ) from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=VIETNAM_TIME)
    seq = seq_at(session, local.astimezone(dt.UTC))
    return seq, local


def event_time(session: Session, seq: int) -> dt.datetime | None:
    return session.scalar(select(AuditEvent.at).where(AuditEvent.seq == seq))


def records_as_of(seq: int) -> Subquery:
    """(record_id, version, status, last) of every record written at or before event ``seq``."""
    ev = (
        select(
            AuditEvent.object_id.label("object_id"),
            func.sum(case((AuditEvent.action.in_(WRITES), 1), else_=0)).label("version"),
            func.max(AuditEvent.seq).label("last"),
        )
        .where(
            AuditEvent.object_type == "tally",
            AuditEvent.action.in_((*WRITES, *STATUS)),
            AuditEvent.seq <= seq,
        )
        .group_by(AuditEvent.object_id)
        .subquery()
    )
    latest = AuditEvent.__table__.alias("latest")
    status = case(
        *((latest.c.action == action, name) for action, name in STATUS.items()),
        else_="submitted",
    )
    return (
        select(
            cast(ev.c.object_id, Integer).label("record_id"),
            ev.c.version,
            status.label("status"),
            latest.c.at.label("at"),
        )
        .join(latest, latest.c.seq == ev.c.last)
        .subquery()
    )


def _versions(seq: int, contest_id: int, round_no: int):
    """Select from the as-of versions of a contest's records of one round (add a scope)."""
    state = records_as_of(seq)
    return state, (
        select()
        .select_from(state)
        .join(TallyRecord, TallyRecord.id == state.c.record_id)
        .join(
            TallyVersion,
            (TallyVersion.record_id == state.c.record_id)
            & (TallyVersion.version == state.c.version),
        )
        .where(TallyRecord.contest_id == contest_id, TallyRecord.round_no == round_no)
    )


def _sums(
    session: Session, seq: int, contest_id: int, round_no: int, scope: Scope, parts: bool = False
):
    """(reported, verified, the six figures), the last change and votes by candidate id."""
    state, base = _versions(seq, contest_id, round_no)
    verified = func.coalesce(func.sum(case((state.c.status == "verified", 1), else_=0)), 0)
    figures = [func.coalesce(func.sum(getattr(TallyVersion, n)), 0) for n in FIGURES]
    row = session.execute(
        scope(base.add_columns(func.count(), verified, *figures, func.max(state.c.at)))
    ).one()
    votes = session.execute(
        scope(
            base.add_columns(TallyVote.candidate_id, func.sum(TallyVote.votes))
            .join(TallyVote, TallyVote.version_id == TallyVersion.id)
            .group_by(TallyVote.candidate_id)
        )
    ).all()
    by_unit = (
        session.execute(
            scope(
                base.add_columns(UnitVotingArea.unit_id, func.sum(TallyVersion.ballots_valid))
                .join(
                    UnitVotingArea,
                    (UnitVotingArea.voting_area_id == TallyRecord.voting_area_id)
                    & (UnitVotingArea.contest_id == TallyRecord.contest_id),
                )
                .group_by(UnitVotingArea.unit_id)
            )
        ).all()
        if parts
        else []
    )
    counts = tuple(int(n) for n in row[:-1])
    return counts, row[-1], {c: int(n) for c, n in votes}, {u: int(n) for u, n in by_unit}


Scope = Callable[[Select], Select]


def area_result(
    session: Session, user: User, code: str, contest_code: str | None, seq: int
) -> areas.AreaResult:
    """``areas.area_result`` (round 1) as it stood right after event ``seq``."""
    live = areas.area_result(session, user, code, contest_code)  # scope check, names, units
    area_id = session.scalar(select(Area.id).where(Area.code == code))
    if area_id is None:
        va_id = session.scalar(select(VotingArea.id).where(VotingArea.code == code))
        return _voting_area(session, live, va_id, seq)

    def inside(query: Select) -> Select:
        return query.join(VotingArea, VotingArea.id == TallyRecord.voting_area_id).join(
            AreaClosure,
            (AreaClosure.descendant_id == VotingArea.area_id)
            & (AreaClosure.ancestor_id == area_id),
        )

    counts, at, votes, parts = _sums(session, seq, live.contest.id, 1, inside, parts=True)
    lines = _lines(session, votes)
    result = algebra.Result(
        live.result.voting_areas_total,
        counts[0],
        *counts[2:],
        tuple((c.code, c.votes) for c in lines),
    )
    codes = unit_codes(session, sorted(parts))
    return replace(
        live,
        result=result,
        shares=algebra.shares(result, candidates=False),
        candidates=lines,
        verified=counts[1],
        updated_at=at,
        valid_of_unit={codes[u]: parts[u] for u in sorted(parts)},
        version=None,
    )


def _voting_area(
    session: Session, live: areas.AreaResult, va_id: int, seq: int
) -> areas.AreaResult:
    """One voting area's record as it stood: the version current after ``seq``, if any."""

    def own(query: Select) -> Select:
        return query.where(TallyRecord.voting_area_id == va_id)

    counts, at, votes, _parts = _sums(session, seq, live.contest.id, 1, own)
    by_code = dict(
        session.execute(
            select(Candidate.code, Candidate.id).where(
                Candidate.code.in_([c.code for c in live.candidates])
            )
        ).all()
    )
    lines = [c._replace(votes=votes.get(by_code[c.code], 0)) for c in live.candidates]
    held = live.result.voting_areas_total
    if counts[0] == 0:
        result = algebra.empty([c.code for c in lines], held)
    else:
        result = algebra.Result(1, 1, *counts[2:], tuple((c.code, c.votes) for c in lines))
    return replace(
        live,
        result=result,
        shares=algebra.shares(result),
        candidates=lines,
        verified=counts[1],
        updated_at=at,
        valid_of_unit={u: result.ballots_valid for u in live.valid_of_unit},
    )


def _lines(session: Session, votes: dict[int, int]) -> list[CandidateLine]:
    """Candidate lines of the candidates in ``votes``, by unit then ballot order."""
    rows = []
    ids = sorted(votes)
    for start in range(0, len(ids), CHUNK):
        rows += session.execute(
            select(
                Candidate.id,
                Candidate.code,
                Candidate.full_name,
                Unit.code,
                Candidate.date_of_birth,
                Candidate.unit_id,
                Candidate.ballot_order,
            )
            .join(Unit, Unit.id == Candidate.unit_id)
            .where(Candidate.id.in_(ids[start : start + CHUNK]))
        ).all()
    rows.sort(key=lambda r: (r[5], r[6]))
    return [
        CandidateLine(code, name, unit, born, votes[cid], uid)
        for cid, code, name, unit, born, uid, _o in rows
    ]


def unit_result(session: Session, user: User, code: str, seq: int) -> UnitResult:
    """``units.unit_result`` as it stood right after event ``seq``."""
    live = units.unit_result(session, user, code)  # the scope check
    unit = live.unit
    opened = session.scalar(
        select(func.count()).where(
            AuditEvent.action == "unit.round_open",
            AuditEvent.object_type == "unit",
            AuditEvent.object_id == unit.code,
            AuditEvent.seq <= seq,
        )
    )
    stored = [
        (r.round_no, r.kind)
        for r in session.scalars(
            select(UnitRound)
            .where(UnitRound.unit_id == unit.id, UnitRound.round_no <= 1 + opened)
            .order_by(UnitRound.round_no)
        )
    ] or [(1, "first")]
    size = session.scalar(
        select(func.count()).select_from(UnitVotingArea).where(UnitVotingArea.unit_id == unit.id)
    )

    def inside(query: Select) -> Select:
        return query.join(
            UnitVotingArea,
            (UnitVotingArea.voting_area_id == TallyRecord.voting_area_id)
            & (UnitVotingArea.unit_id == unit.id),
        )

    data, updated = [], []
    codes = {c.id: c.code for c in unit.candidates}
    for round_no, kind in stored:
        counts, at, votes, _parts = _sums(session, seq, unit.contest_id, round_no, inside)
        result = algebra.Result(
            size,
            counts[0],
            *counts[2:],
            tuple((codes[c.id], votes.get(c.id, 0)) for c in unit.candidates),
        )
        data.append(rounds_law.RoundData(kind, result, counts[1]))
        updated.append(at)
    rounds, course = units.judge(unit, stored, data, updated)
    return UnitResult(unit, live.contest, rounds, course)
