"""A scope's candidate lines, by unit then ballot order, and a running total as a result."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.cache import Lru
from election.domain import results as algebra
from election.domain.results import FIGURES
from election.models import AuditEvent, Candidate, ResultTotal, ResultVote, Unit

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


def unit_codes(session: Session, ids: list[int]) -> dict[int, str]:
    """The codes of the units with these ids."""
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
    figures = (getattr(total, name) for name in FIGURES)
    return algebra.Result(total.voting_areas_total, total.reported, *figures, votes)


def scope_lines(
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


def setup_hash_subquery():
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
        setup_hash = session.connection().scalar(select(setup_hash_subquery()))
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
    units = unit_codes(session, sorted({row[3] for row in rows}))
    for cid, code, name, unit_id, born, order in rows:
        known[cid] = _CandidateInfo(
            unit_id, order, code, name, units[unit_id], born, (unit_id, order)
        )
    return key, known
