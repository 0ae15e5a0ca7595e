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
from dataclasses import replace

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from election.cache import Lru
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
    PendingWrite,
    TallyRecord,
    Unit,
    UnitRound,
    UnitVotingArea,
    User,
    VotingArea,
)
from election.services.results import areas, replay, units
from election.services.results.lines import CHUNK, CandidateLine, unit_codes
from election.services.results.units import UnitResult


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


def area_result(
    session: Session, user: User, code: str, contest_code: str | None, seq: int
) -> areas.AreaResult:
    """``areas.area_result`` (round 1) as it stood right after event ``seq``.

    Near the head of the chain the live answer is taken back by what the records changed since
    ``seq``; further back the records are summed from nothing. The live answer and the chain's
    head must be read at the same moment: if another event was appended meanwhile, read again
    (events are appended one at a time, in the order of their numbers).
    """
    # The hash of event ``seq`` stands for the whole chain up to it: the same hash, the same
    # past, so an answer once rebuilt serves every later read of that moment.
    mark = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq)) or ""
    key = (str(session.get_bind().engine.url), code, contest_code, seq, mark)
    for _attempt in range(RETRIES):
        head = _head(session)
        live = areas.area_result(session, user, code, contest_code)  # scope check, names
        kept = _PAST.get(key)
        if kept is not None:
            return replace(kept, contest=live.contest)
        past = _area_as_of(session, live, code, seq, head)
        if _head(session) == head:
            return _PAST.put(key, past)
    return _area_as_of(session, live, code, seq, None)


_PAST = Lru(256)
# Tests set "forward" or "backward" to compare both ways with the live answers.
DIRECTION: str | None = None
RETRIES = 3


def _head(session: Session) -> int | None:
    """The chain's head, or None while writes wait to be settled (``services.settle``).

    A write committed but not settled has changed the live totals of its ward and district
    and not yet the chain, so the live answer cannot be taken back from the head then.
    """
    seq, waiting = session.execute(
        select(
            AuditHead.seq,
            select(PendingWrite.id).exists(),
        ).where(AuditHead.id == 1)
    ).one_or_none() or (0, False)
    return None if waiting else seq


def _area_as_of(
    session: Session, live: areas.AreaResult, code: str, seq: int, head: int | None
) -> areas.AreaResult:
    """From the live answer read at event ``head`` (None: the live answer may be newer)."""
    contest_id = live.contest.id
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

    backward = head is not None and (
        DIRECTION == "backward" or (DIRECTION is None and head - seq < seq)
    )
    if backward:
        assert head is not None
        changed = replay.records(contest_id, 1, inside, (seq, head))
        diff = replay.difference(session, changed, seq, head) if head > seq else replay.Difference()
        last = replay.last_event(session, contest_id, 1, inside, seq)
        return _taken_back(session, live, diff, inside, last)
    diff = replay.difference(session, replay.records(contest_id, 1, inside, (0, seq)), seq, 0)
    lines = _lines(session, diff.votes)
    result = algebra.Result(
        live.result.voting_areas_total,
        diff.reported,
        *diff.figures,
        tuple((c.code, c.votes) for c in lines),
    )
    present = sorted(u for u, n in diff.records_by_unit.items() if n > 0)
    codes = unit_codes(session, present)
    return replace(
        live,
        result=result,
        shares=algebra.shares(result, candidates=False),
        candidates=lines,
        verified=diff.verified,
        updated_at=diff.last[1] if diff.last else None,
        valid_of_unit={codes[u]: diff.valid_by_unit[u] for u in present},
        version=None,
    )


def _taken_back(
    session: Session,
    live: areas.AreaResult,
    diff: replay.Difference,
    inside: replay.Scope,
    last: tuple[int, dt.datetime] | None,
) -> areas.AreaResult:
    """The live answer plus ``diff`` (what the records counted then − what they count now)."""
    # Units whose records all came after the moment drop out, as they were not there yet.
    shrunk = [u for u, n in diff.records_by_unit.items() if n < 0]
    now = _records_by_unit(session, live.contest.id, inside, shrunk)
    gone = {u for u in shrunk if now.get(u, 0) + diff.records_by_unit[u] == 0}
    ids = {c.unit: c.unit_id for c in live.candidates}
    ids |= {code: uid for uid, code in unit_codes(session, sorted(diff.valid_by_unit)).items()}
    by_code = _candidate_codes(session, [c for c, n in diff.votes.items() if n])
    lines = [
        c._replace(votes=c.votes + diff.votes.get(by_code.get(c.code, -1), 0))
        for c in live.candidates
        if c.unit_id not in gone
    ]
    old = live.result
    result = algebra.Result(
        old.voting_areas_total,
        old.voting_areas_reported + diff.reported,
        *(getattr(old, name) + d for name, d in zip(FIGURES, diff.figures, strict=True)),
        tuple((c.code, c.votes) for c in lines),
    )
    return replace(
        live,
        result=result,
        shares=algebra.shares(result, candidates=False),
        candidates=lines,
        verified=live.verified + diff.verified,
        updated_at=last[1] if last else None,
        valid_of_unit={
            unit: n + diff.valid_by_unit.get(ids.get(unit, -1), 0)
            for unit, n in live.valid_of_unit.items()
            if ids.get(unit, -1) not in gone
        },
        version=None,
    )


def _records_by_unit(
    session: Session, contest_id: int, inside: replay.Scope, units: list[int]
) -> dict[int, int]:
    """How many records of round 1 each of ``units`` has in the scope now."""
    if not units:
        return {}
    query = (
        select(UnitVotingArea.unit_id, func.count())
        .select_from(TallyRecord)
        .join(
            UnitVotingArea,
            (UnitVotingArea.voting_area_id == TallyRecord.voting_area_id)
            & (UnitVotingArea.contest_id == TallyRecord.contest_id),
        )
        .where(
            TallyRecord.contest_id == contest_id,
            TallyRecord.round_no == 1,
            UnitVotingArea.unit_id.in_(units),
        )
        .group_by(UnitVotingArea.unit_id)
    )
    return dict(session.connection().execute(inside(query)).all())


def _candidate_codes(session: Session, ids: list[int]) -> dict[str, int]:
    """{candidate code: id} of the candidates with these ids."""
    out: dict[str, int] = {}
    for start in range(0, len(ids), CHUNK):
        out.update(
            session.connection()
            .execute(
                select(Candidate.code, Candidate.id).where(
                    Candidate.id.in_(ids[start : start + CHUNK])
                )
            )
            .all()
        )
    return out


def _voting_area(
    session: Session, live: areas.AreaResult, va_id: int, seq: int
) -> areas.AreaResult:
    """One voting area's record as it stood: the version current after ``seq``, if any."""

    def own(query: Select) -> Select:
        return query.where(TallyRecord.voting_area_id == va_id)

    diff = replay.difference(session, replay.records(live.contest.id, 1, own), seq, 0)
    by_code = _candidate_codes(session, list(diff.votes))
    lines = [c._replace(votes=diff.votes.get(by_code.get(c.code, -1), 0)) for c in live.candidates]
    held = live.result.voting_areas_total
    if diff.reported == 0:
        result = algebra.empty([c.code for c in lines], held)
    else:
        result = algebra.Result(1, 1, *diff.figures, tuple((c.code, c.votes) for c in lines))
    return replace(
        live,
        result=result,
        shares=algebra.shares(result),
        candidates=lines,
        verified=diff.verified,
        updated_at=diff.last[1] if diff.last else None,
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
    """``units.unit_result`` as it stood right after event ``seq`` (summed from nothing)."""
    live = units.unit_result(session, user, code)  # the scope check
    mark = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq)) or ""
    key = (str(session.get_bind().engine.url), "unit", code, seq, mark)
    kept = _PAST.get(key)
    if kept is None:
        kept = _PAST.put(key, _unit_as_of(session, live, seq))
    # Another request's rows: this one's session holds the unit and the contest.
    return replace(kept, unit=live.unit, contest=live.contest)


def _unit_as_of(session: Session, live: UnitResult, seq: int) -> UnitResult:
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
        return query.where(UnitVotingArea.unit_id == unit.id)

    data, updated = [], []
    for round_no, kind in stored:
        chosen = replay.records(unit.contest_id, round_no, inside)
        diff = replay.difference(session, chosen, seq, 0)
        result = algebra.Result(
            size,
            diff.reported,
            *diff.figures,
            tuple((c.code, diff.votes.get(c.id, 0)) for c in unit.candidates),
        )
        data.append(rounds_law.RoundData(kind, result, diff.verified))
        updated.append(diff.last[1] if diff.last else None)
    rounds, course = units.judge(unit, stored, data, updated)
    return UnitResult(unit, live.contest, rounds, course)
