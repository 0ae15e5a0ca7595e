"""What a set of tally records counted after one audit event, against another, from their versions.

A record's state after event ``seq`` follows from its own events in the chain: version ``n``
is written with its ``n``-th ``tally.submit``/``tally.correct`` event, and its status is that
of its latest submit, correct, verify or return event (see ``as_of``). ``difference`` sums, over
the records given, what each counted after ``seq`` minus what it counted after ``base``, so a
past answer is either that sum from nothing (``base`` 0: no record had an event yet) or the live
answer less what the records changed since (``base`` the head of the chain). Either way the
figures come from the stored versions, never from a copy kept for the purpose.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Integer, Select, String, cast, select
from sqlalchemy.orm import Session

from election.domain.results import FIGURES
from election.models import AuditEvent, TallyRecord, TallyVersion, TallyVote, UnitVotingArea

WRITES = ("tally.submit", "tally.correct")
STATUS = {"tally.verify": "verified", "tally.return": "returned"}
ACTIONS = (*WRITES, *STATUS)

Scope = Callable[[Select], Select]


@dataclass
class Difference:
    """Σ over some records of (what each counted after ``seq``) − (after ``base``)."""

    reported: int = 0
    verified: int = 0
    figures: list[int] = field(default_factory=lambda: [0] * len(FIGURES))
    votes: Counter[int] = field(default_factory=Counter)  # candidate id → votes
    valid_by_unit: Counter[int] = field(default_factory=Counter)  # unit id → valid ballots
    records_by_unit: Counter[int] = field(default_factory=Counter)  # unit id → records
    # The last of these records' events at or before ``seq``: (seq, time).
    last: tuple[int, dt.datetime] | None = None


@dataclass(frozen=True)
class _State:
    version: int  # 0: the record had no version yet
    verified: bool


def records(
    contest_id: int, round_no: int, scope: Scope, changed: tuple[int, int] | None = None
) -> Select:
    """(record_id, unit_id) of the scope's records of a contest's round.

    With ``changed`` = (lo, hi), only those with an event after ``lo`` and at or before ``hi``.
    """
    query = (
        select(TallyRecord.id.label("record_id"), UnitVotingArea.unit_id.label("unit_id"))
        .join(
            UnitVotingArea,
            (UnitVotingArea.voting_area_id == TallyRecord.voting_area_id)
            & (UnitVotingArea.contest_id == TallyRecord.contest_id),
        )
        .where(TallyRecord.contest_id == contest_id, TallyRecord.round_no == round_no)
    )
    if changed is not None:
        lo, hi = changed
        query = query.where(
            TallyRecord.id.in_(
                select(cast(AuditEvent.object_id, Integer)).where(
                    AuditEvent.seq > lo,
                    AuditEvent.seq <= hi,
                    AuditEvent.object_type == "tally",
                    AuditEvent.action.in_(ACTIONS),
                )
            )
        )
    return scope(query)


def last_event(
    session: Session, contest_id: int, round_no: int, scope: Scope, seq: int
) -> tuple[int, dt.datetime] | None:
    """The last event at or before ``seq`` of any record of the scope: (seq, time)."""
    row = (
        session.connection()
        .execute(
            scope(
                select(AuditEvent.seq, AuditEvent.at)
                .join(TallyRecord, TallyRecord.id == cast(AuditEvent.object_id, Integer))
                .where(
                    AuditEvent.object_type == "tally",
                    AuditEvent.action.in_(ACTIONS),
                    AuditEvent.seq <= seq,
                    TallyRecord.contest_id == contest_id,
                    TallyRecord.round_no == round_no,
                )
            )
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        )
        .first()
    )
    return (row[0], row[1]) if row else None


def difference(session: Session, chosen: Select, seq: int, base: int) -> Difference:
    """Σ over the ``chosen`` records (see ``records``) of what each counted after ``seq`` −
    after ``base``."""
    out = Difference()
    conn = session.connection()
    found = chosen.subquery()
    ids = select(found.c.record_id)
    units: dict[int, int] = {}
    events: dict[int, list[tuple[int, str, dt.datetime]]] = defaultdict(list)
    for rid, unit_id, event_seq, action, at in conn.execute(
        select(found.c.record_id, found.c.unit_id, AuditEvent.seq, AuditEvent.action, AuditEvent.at)
        .join(
            AuditEvent,
            (AuditEvent.object_type == "tally")
            & (AuditEvent.object_id == cast(found.c.record_id, String)),
        )
        .where(AuditEvent.action.in_(ACTIONS), AuditEvent.seq <= max(seq, base))
    ).all():
        units[rid] = unit_id
        events[rid].append((event_seq, action, at))
    if not units:
        return out
    then: dict[int, _State] = {}
    before: dict[int, _State] = {}
    for rid, evs in events.items():
        evs.sort()
        then[rid] = _state(evs, seq)
        before[rid] = _state(evs, base)
        last = next(((s, at) for s, _a, at in reversed(evs) if s <= seq), None)
        if last is not None and (out.last is None or last[0] > out.last[0]):
            out.last = last
    figures: dict[tuple[int, int], tuple[int, tuple[int, ...]]] = {
        (row[0], row[1]): (row[2], tuple(row[3:]))
        for row in conn.execute(
            select(
                TallyVersion.record_id,
                TallyVersion.version,
                TallyVersion.id,
                *(getattr(TallyVersion, name) for name in FIGURES),
            ).where(TallyVersion.record_id.in_(ids))
        ).all()
    }
    votes: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for version_id, candidate_id, n in conn.execute(
        select(TallyVote.version_id, TallyVote.candidate_id, TallyVote.votes)
        .join(TallyVersion, TallyVersion.id == TallyVote.version_id)
        .where(TallyVersion.record_id.in_(ids))
    ).all():
        votes[version_id].append((candidate_id, n))
    valid = FIGURES.index("ballots_valid")
    for rid, unit_id in units.items():
        for state, sign in ((then[rid], 1), (before[rid], -1)):
            if state.version == 0:
                continue
            version_id, values = figures[(rid, state.version)]
            out.reported += sign
            out.verified += sign * state.verified
            out.records_by_unit[unit_id] += sign
            for i, value in enumerate(values):
                out.figures[i] += sign * value
            out.valid_by_unit[unit_id] += sign * values[valid]
            for candidate_id, n in votes[version_id]:
                out.votes[candidate_id] += sign * n
    return out


def _state(events: list[tuple[int, str, dt.datetime]], seq: int) -> _State:
    """A record's version and whether it was verified, right after event ``seq``."""
    version, verified = 0, False
    for event_seq, action, _at in events:
        if event_seq > seq:
            break
        if action in WRITES:
            version += 1
        verified = STATUS.get(action) == "verified"
    return _State(version, verified)
