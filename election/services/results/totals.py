"""Running totals per area and unit, kept in step with the records; and their recomputation.

Every change to a record applies its *difference* to the totals of the scopes it
belongs to (its ward and every area above, and its electoral unit) in the same
transaction, so a total is always the sum of the current records and reading one
costs a single row. ``recompute`` derives every total from the records again, set
by set in SQL, to prove it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from election.domain.clock import utcnow
from election.domain.results import FIGURES
from election.models import (
    AreaClosure,
    ResultPart,
    ResultTotal,
    ResultVote,
    UnitVotingArea,
    VotingArea,
)

# The totals of every scope, derived from the current versions of the records.
# {scope} is the join that maps a voting area to its scopes; one statement per kind.
_TOTALS = """
SELECT {kind} AS scope_kind, {scope_id} AS scope_id, uva.contest_id AS contest_id,
       ur.round_no AS round_no, COUNT(*) AS voting_areas_total, COUNT(tv.id) AS reported,
       SUM(CASE WHEN tr.status = 'verified' THEN 1 ELSE 0 END) AS verified,
       COALESCE(SUM(tv.voters_on_roll), 0) AS voters_on_roll,
       COALESCE(SUM(tv.voters_voted), 0) AS voters_voted,
       COALESCE(SUM(tv.ballots_issued), 0) AS ballots_issued,
       COALESCE(SUM(tv.ballots_received), 0) AS ballots_received,
       COALESCE(SUM(tv.ballots_valid), 0) AS ballots_valid,
       COALESCE(SUM(tv.ballots_invalid), 0) AS ballots_invalid
FROM unit_voting_area uva
JOIN unit_round ur ON ur.unit_id = uva.unit_id
{scope}
LEFT JOIN tally_record tr ON tr.voting_area_id = uva.voting_area_id
     AND tr.contest_id = uva.contest_id AND tr.round_no = ur.round_no
LEFT JOIN tally_version tv ON tv.record_id = tr.id AND tv.version = tr.current_version
GROUP BY {scope_id}, uva.contest_id, ur.round_no
"""
_VOTES = """
SELECT {kind} AS scope_kind, {scope_id} AS scope_id, tr.contest_id AS contest_id,
       tr.round_no AS round_no, v.candidate_id AS candidate_id, SUM(v.votes) AS votes
FROM tally_record tr
JOIN unit_voting_area uva ON uva.voting_area_id = tr.voting_area_id
     AND uva.contest_id = tr.contest_id
{scope}
JOIN tally_version tv ON tv.record_id = tr.id AND tv.version = tr.current_version
JOIN tally_vote v ON v.version_id = tv.id
GROUP BY {scope_id}, tr.contest_id, tr.round_no, v.candidate_id
"""
_PARTS = """
SELECT ac.ancestor_id, tr.contest_id, tr.round_no, uva.unit_id, SUM(tv.ballots_valid)
FROM tally_record tr
JOIN unit_voting_area uva ON uva.voting_area_id = tr.voting_area_id
     AND uva.contest_id = tr.contest_id
JOIN voting_area va ON va.id = tr.voting_area_id
JOIN area_closure ac ON ac.descendant_id = va.area_id
JOIN tally_version tv ON tv.record_id = tr.id AND tv.version = tr.current_version
GROUP BY ac.ancestor_id, tr.contest_id, tr.round_no, uva.unit_id
"""
_AREA = {
    "kind": "'area'",
    "scope_id": "ac.ancestor_id",
    "scope": "JOIN voting_area va ON va.id = uva.voting_area_id "
    "JOIN area_closure ac ON ac.descendant_id = va.area_id",
}
_UNIT = {"kind": "'unit'", "scope_id": "uva.unit_id", "scope": ""}
TOTAL_COLUMNS = (
    "scope_kind",
    "scope_id",
    "contest_id",
    "round_no",
    "voting_areas_total",
    "reported",
    "verified",
    *FIGURES,
)
VOTE_COLUMNS = ("scope_kind", "scope_id", "contest_id", "round_no", "candidate_id", "votes")


def derived_totals(session: Session) -> dict[tuple, tuple]:
    """Every scope's totals computed from the records: key → figures."""
    out = {}
    for shape in (_AREA, _UNIT):
        for row in session.execute(text(_TOTALS.format(**shape))):
            out[tuple(row[:4])] = tuple(int(x) for x in row[4:])
    return out


def derived_votes(session: Session) -> dict[tuple, int]:
    out = {}
    for shape in (_AREA, _UNIT):
        for row in session.execute(text(_VOTES.format(**shape))):
            out[tuple(row[:5])] = int(row[5])
    return out


def derived_parts(session: Session) -> dict[tuple, int]:
    return {tuple(row[:4]): int(row[4]) for row in session.execute(text(_PARTS))}


def stored_parts(session: Session) -> dict[tuple, int]:
    columns = (
        ResultPart.area_id,
        ResultPart.contest_id,
        ResultPart.round_no,
        ResultPart.unit_id,
        ResultPart.ballots_valid,
    )
    return {tuple(row[:4]): row[4] for row in session.execute(select(*columns))}


def stored_totals(session: Session) -> dict[tuple, tuple]:
    columns = [getattr(ResultTotal, c) for c in TOTAL_COLUMNS]
    return {tuple(row[:4]): tuple(row[4:]) for row in session.execute(select(*columns))}


def stored_votes(session: Session) -> dict[tuple, int]:
    columns = [getattr(ResultVote, c) for c in VOTE_COLUMNS]
    # A candidate whose votes went back to zero keeps a zero row: not a difference.
    return {tuple(row[:5]): row[5] for row in session.execute(select(*columns)) if row[5]}


@dataclass(frozen=True)
class Comparison:
    ok: bool
    scopes: int
    differences: list[str]


def compare(session: Session) -> Comparison:
    """Stored running totals against a full recomputation from the records."""
    derived, stored = derived_totals(session), stored_totals(session)
    dv, sv = derived_votes(session), stored_votes(session)
    diffs = [
        f"{key}: lưu {stored.get(key)} ≠ tính lại {derived.get(key)}"
        for key in sorted(set(derived) | set(stored))
        if derived.get(key) != stored.get(key)
    ]
    diffs += [
        f"phiếu {key}: lưu {sv.get(key, 0)} ≠ tính lại {dv.get(key, 0)}"
        for key in sorted(set(dv) | set(sv))
        if dv.get(key, 0) != sv.get(key, 0)
    ]
    dp, sp = derived_parts(session), stored_parts(session)
    diffs += [
        f"phần {key}: lưu {sp.get(key, 0)} ≠ tính lại {dp.get(key, 0)}"
        for key in sorted(set(dp) | set(sp))
        if dp.get(key, 0) != sp.get(key, 0)
    ]
    session.rollback()
    return Comparison(not diffs, len(derived), diffs)


def rebuild(session: Session) -> None:
    """Replace every running total by its recomputation (in the caller's transaction)."""
    session.execute(delete(ResultVote))
    session.execute(delete(ResultTotal))
    session.execute(delete(ResultPart))
    now = utcnow()
    rows = [
        dict(zip(TOTAL_COLUMNS, key + figures, strict=True)) | {"updated_at": now}
        for key, figures in derived_totals(session).items()
    ]
    if rows:
        session.execute(insert(ResultTotal), rows)
    votes = [
        dict(zip(VOTE_COLUMNS, (*key, n), strict=True)) for key, n in derived_votes(session).items()
    ]
    if votes:
        session.execute(insert(ResultVote), votes)
    parts = [
        {"area_id": a, "contest_id": c, "round_no": r, "unit_id": u, "ballots_valid": n}
        for (a, c, r, u), n in derived_parts(session).items()
    ]
    if parts:
        session.execute(insert(ResultPart), parts)


def open_first_rounds(session: Session) -> None:
    """Round 1 of every unit, and the zero totals of every scope (after a setup is stored)."""
    session.execute(
        text(
            "INSERT INTO unit_round (unit_id, round_no, kind, opened_at, opened_by) "
            "SELECT id, 1, 'first', :now, NULL FROM unit"
        ),
        {"now": utcnow()},
    )
    rebuild(session)


def ancestors(session: Session, voting_area_id: int) -> list[int]:
    """The ids of the areas a voting area lies in, from its ward up to the root."""
    return list(
        session.scalars(
            select(AreaClosure.ancestor_id)
            .join(VotingArea, VotingArea.area_id == AreaClosure.descendant_id)
            .where(VotingArea.id == voting_area_id)
            .order_by(AreaClosure.ancestor_id)
        )
    )


@dataclass(frozen=True)
class Change:
    """What a record change adds to the totals of its scopes."""

    voting_area_id: int
    contest_id: int
    round_no: int
    reported: int = 0
    verified: int = 0
    figures: Mapping[str, int] | None = None
    votes: Mapping[int, int] | None = None  # candidate id → difference
    unit_id: int | None = None  # the record's unit, when the caller already knows it


# Built once: building a statement costs more than the database takes to run it.
_ADD_TO_TOTAL = (
    update(ResultTotal)
    .where(
        ResultTotal.scope_kind == bindparam("k"),
        ResultTotal.scope_id == bindparam("s"),
        ResultTotal.contest_id == bindparam("c"),
        ResultTotal.round_no == bindparam("r"),
    )
    .values(
        {
            name: getattr(ResultTotal, name) + bindparam(f"add_{name}")
            for name in ("reported", "verified", *FIGURES)
        }
        | {"updated_at": bindparam("now")}
    )
)
_ADD_TO_VOTE = (
    update(ResultVote)
    .where(
        ResultVote.scope_kind == bindparam("k"),
        ResultVote.scope_id == bindparam("s"),
        ResultVote.round_no == bindparam("r"),
        ResultVote.contest_id == bindparam("contest"),
        ResultVote.candidate_id == bindparam("c"),
    )
    .values(votes=ResultVote.votes + bindparam("d"))
)


def apply(session: Session, change: Change) -> None:
    """Add ``change`` to every scope the voting area belongs to, in a fixed order."""
    unit_id = change.unit_id or session.scalar(
        select(UnitVotingArea.unit_id).where(
            UnitVotingArea.voting_area_id == change.voting_area_id,
            UnitVotingArea.contest_id == change.contest_id,
        )
    )
    scopes = [("area", a) for a in ancestors(session, change.voting_area_id)] + [("unit", unit_id)]
    # Areas before units, each by id: every writer locks rows in the same order.
    scopes.sort()
    figures = change.figures or {}
    added = {
        "add_reported": change.reported,
        "add_verified": change.verified,
        **{f"add_{name}": figures.get(name, 0) for name in FIGURES},
        "now": utcnow(),
        "c": change.contest_id,
        "r": change.round_no,
    }
    session.connection().execute(
        _ADD_TO_TOTAL, [{"k": kind, "s": sid, **added} for kind, sid in scopes]
    )
    valid = figures.get("ballots_valid", 0)
    if valid or change.reported > 0:
        add_rows(
            session,
            ResultPart,
            ["area_id", "contest_id", "round_no", "unit_id"],
            "ballots_valid",
            [
                {
                    "area_id": sid,
                    "contest_id": change.contest_id,
                    "unit_id": unit_id,
                    "round_no": change.round_no,
                    "ballots_valid": valid,
                }
                for kind, sid in scopes
                if kind == "area"
            ],
        )
    votes = {c: d for c, d in (change.votes or {}).items() if d or change.reported > 0}
    rows = [
        {
            "scope_kind": kind,
            "scope_id": sid,
            "contest_id": change.contest_id,
            "round_no": change.round_no,
            "candidate_id": c,
            "votes": d,
        }
        for kind, sid in scopes
        for c, d in sorted(votes.items())
    ]
    if not rows:
        return
    if change.reported > 0:
        # A first record lists every candidate, zeros too, so each gets its row in every scope.
        add_rows(
            session,
            ResultVote,
            ["scope_kind", "scope_id", "contest_id", "round_no", "candidate_id"],
            "votes",
            rows,
        )
    else:
        # A correction's candidates already have rows; a difference may be negative.
        session.connection().execute(
            _ADD_TO_VOTE,
            [
                {
                    "k": r["scope_kind"],
                    "s": r["scope_id"],
                    "r": r["round_no"],
                    "contest": change.contest_id,
                    "c": r["candidate_id"],
                    "d": r["votes"],
                }
                for r in rows
            ],
        )


def add_rows(session: Session, model, keys: list[str], column: str, rows: list[dict]) -> None:
    """Insert rows, or add their ``column`` to the rows already there (an upsert)."""
    connection = session.connection()
    key = (connection.dialect.name, model.__tablename__, tuple(keys), column)
    stmt = _UPSERTS.get(key)
    if stmt is None:
        insert_ = (postgresql if key[0] == "postgresql" else sqlite).insert(model)
        stmt = _UPSERTS[key] = insert_.on_conflict_do_update(
            index_elements=keys,
            set_={column: getattr(model, column) + getattr(insert_.excluded, column)},
        )
    connection.execute(stmt, rows)


_UPSERTS: dict[tuple, object] = {}


def open_round(session: Session, unit_id: int, contest_id: int, round_no: int) -> None:
    """Zero totals for a unit's new round: its own scope and every area its voting areas are in."""
    counts = session.execute(
        select(AreaClosure.ancestor_id, func.count())
        .select_from(UnitVotingArea)
        .join(VotingArea, VotingArea.id == UnitVotingArea.voting_area_id)
        .join(AreaClosure, AreaClosure.descendant_id == VotingArea.area_id)
        .where(UnitVotingArea.unit_id == unit_id)
        .group_by(AreaClosure.ancestor_id)
    ).all()
    size = session.scalar(
        select(func.count()).select_from(UnitVotingArea).where(UnitVotingArea.unit_id == unit_id)
    )
    now = utcnow()
    base = {"contest_id": contest_id, "round_no": round_no, "updated_at": now}
    rows = [{"scope_kind": "unit", "scope_id": unit_id, "voting_areas_total": size, **base}] + [
        {"scope_kind": "area", "scope_id": area_id, "voting_areas_total": n, **base}
        for area_id, n in counts
    ]
    # Another unit of the same area may have opened this round number already: add to it.
    add_rows(
        session,
        ResultTotal,
        ["scope_kind", "scope_id", "contest_id", "round_no"],
        "voting_areas_total",
        rows,
    )
