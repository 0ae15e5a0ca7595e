"""Running totals per area and unit, kept in step with the records.

Every change to a record applies its *difference* to the totals of the scopes it
belongs to (its ward and every area above, and its electoral unit) in the same
transaction, so a total is always the sum of the current records and reading one
costs a single row. ``recompute`` derives every total from the records again, set
by set in SQL, to prove it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from election.domain.clock import utcnow
from election.domain.results import FIGURES
from election.models.contests import UnitVotingArea
from election.models.geography import AreaClosure, VotingArea
from election.models.results import ResultPart, ResultTotal, ResultVote
from election.services.results import recompute

# What a change adds to a total, in the order of a summed row.
_COUNTS = ("reported", "verified", *FIGURES, "with_photo", "keyed", "matched")


def open_first_rounds(session: Session) -> None:
    """Round 1 of every unit, and the zero totals of every scope (after a setup is stored)."""
    session.execute(
        text(
            "INSERT INTO unit_round (unit_id, round_no, kind, opened_at, opened_by) "
            "SELECT id, 1, 'first', :now, NULL FROM unit"
        ),
        {"now": utcnow()},
    )
    recompute.rebuild(session)


def _ancestors(session: Session, voting_area_ids: list[int]) -> dict[int, list[int]]:
    """The ids of the areas each voting area lies in, in id order."""
    found: dict[int, list[int]] = {va: [] for va in voting_area_ids}
    for va, area_id in session.execute(
        select(VotingArea.id, AreaClosure.ancestor_id)
        .join(AreaClosure, AreaClosure.descendant_id == VotingArea.area_id)
        .where(VotingArea.id.in_(voting_area_ids))
        .order_by(VotingArea.id, AreaClosure.ancestor_id)
    ):
        found[va].append(area_id)
    return found


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
    areas: Sequence[int] | None = None  # the areas its voting area lies in, when known
    # Records backed by a photo, keyed a second time (current version), matched.
    with_photo: int = 0
    keyed: int = 0
    matched: int = 0


def _of_scope(model: type[ResultTotal] | type[ResultVote]) -> tuple[ColumnElement[bool], ...]:
    """The rows of ``model`` for one scope, contest and round, given as parameters k, s, ct, r."""
    return (
        model.scope_kind == bindparam("k"),
        model.scope_id == bindparam("s"),
        model.contest_id == bindparam("ct"),
        model.round_no == bindparam("r"),
    )


# Built once: building a statement costs more than the database takes to run it.
_ADD_TO_TOTAL = (
    update(ResultTotal)
    .where(*_of_scope(ResultTotal))
    .values(
        {name: getattr(ResultTotal, name) + bindparam(f"add_{name}") for name in _COUNTS}
        | {"updated_at": bindparam("now")}
    )
)
_ADD_TO_VOTE = (
    update(ResultVote)
    .where(*_of_scope(ResultVote), ResultVote.candidate_id == bindparam("c"))
    .values(votes=ResultVote.votes + bindparam("d"))
)


def apply(session: Session, change: Change) -> None:
    """Add ``change`` to every scope the voting area belongs to (see ``apply_many``)."""
    apply_many(session, [change])


def apply_many(session: Session, changes: Sequence[Change], now: dt.datetime | None = None) -> None:
    """Add the changes to the totals of their scopes: summed per scope, then written in order.

    One statement per kind of row, whatever the number of changes: the totals, the parts
    of each area's valid ballots per unit, the candidates' votes.
    """
    units = _units(session, [c for c in changes if c.unit_id is None])
    missing = sorted({c.voting_area_id for c in changes if c.areas is None})
    areas = _ancestors(session, missing) if missing else {}
    sums = _Sums()
    for change in changes:
        unit_id = change.unit_id or units[(change.voting_area_id, change.contest_id)]
        inside = areas[change.voting_area_id] if change.areas is None else change.areas
        sums.add(change, unit_id, inside)
    sums.write(session, now or utcnow())


def _units(session: Session, changes: list[Change]) -> dict[tuple[int, int], int]:
    """The unit of each change's voting area in its contest: (voting area, contest) → unit."""
    if not changes:
        return {}
    return {
        (va, contest): unit
        for va, contest, unit in session.execute(
            select(
                UnitVotingArea.voting_area_id, UnitVotingArea.contest_id, UnitVotingArea.unit_id
            ).where(
                UnitVotingArea.voting_area_id.in_(sorted({c.voting_area_id for c in changes})),
                UnitVotingArea.contest_id.in_(sorted({c.contest_id for c in changes})),
            )
        )
    }


class _Sums:
    """Changes summed per row of the totals, the parts and the votes, before writing."""

    def __init__(self) -> None:
        width = len(_COUNTS)
        # (kind, scope id, contest, round) → the _COUNTS added
        self.totals: dict[tuple, list[int]] = defaultdict(lambda: [0] * width)
        # (area, contest, round, unit) → valid ballots
        self.parts: dict[tuple, int] = defaultdict(int)
        # (kind, scope id, contest, round, candidate) → votes, from first records (whose rows
        # may not exist yet) and from later changes (whose rows do)
        self.first_votes: dict[tuple, int] = defaultdict(int)
        self.later_votes: dict[tuple, int] = defaultdict(int)

    def add(self, change: Change, unit_id: int, areas: Sequence[int]) -> None:
        figures = change.figures or {}
        added = (
            change.reported,
            change.verified,
            *[figures.get(name, 0) for name in FIGURES],
            change.with_photo,
            change.keyed,
            change.matched,
        )
        contest, round_no = change.contest_id, change.round_no
        scopes = [("area", a) for a in areas]
        scopes.append(("unit", unit_id))
        for kind, sid in scopes:
            key = (kind, sid, contest, round_no)
            self.totals[key] = [a + b for a, b in zip(self.totals[key], added, strict=True)]
        first = change.reported > 0
        valid = figures.get("ballots_valid", 0)
        if valid or first:
            for a in areas:
                self.parts[(a, contest, round_no, unit_id)] += valid
        # A first record lists every candidate, zeros too, so each gets its row.
        votes = [(c, d) for c, d in (change.votes or {}).items() if d or first]
        into = self.first_votes if first else self.later_votes
        for kind, sid in scopes:
            for candidate_id, d in votes:
                into[(kind, sid, contest, round_no, candidate_id)] += d

    def write(self, session: Session, now: dt.datetime) -> None:
        if not self.totals:
            return
        # Sorted keys put areas before units, each by id: every writer locks in the same order.
        session.connection().execute(
            _ADD_TO_TOTAL,
            [
                {"k": k, "s": s, "ct": ct, "r": r, "now": now}
                | {f"add_{name}": n for name, n in zip(_COUNTS, row, strict=True)}
                for (k, s, ct, r), row in sorted(self.totals.items())
            ],
        )
        if self.parts:
            add_rows(
                session,
                ResultPart,
                ["area_id", "contest_id", "round_no", "unit_id"],
                "ballots_valid",
                [
                    {"area_id": a, "contest_id": c, "round_no": r, "unit_id": u, "ballots_valid": n}
                    for (a, c, r, u), n in sorted(self.parts.items())
                ],
            )
        # A row a first record adds to may not exist yet: the later changes to it join it.
        later = dict(self.later_votes)
        first = self.first_votes
        for key in [k for k in later if k in first]:
            first[key] += later.pop(key)
        if first:
            add_rows(
                session,
                ResultVote,
                ["scope_kind", "scope_id", "contest_id", "round_no", "candidate_id"],
                "votes",
                [
                    {
                        "scope_kind": k,
                        "scope_id": s,
                        "contest_id": ct,
                        "round_no": r,
                        "candidate_id": c,
                        "votes": n,
                    }
                    for (k, s, ct, r, c), n in sorted(first.items())
                ],
            )
        # A correction's candidates already have rows; a difference may be negative.
        changed = [
            {"k": k, "s": s, "ct": ct, "r": r, "c": c, "d": n}
            for (k, s, ct, r, c), n in sorted(later.items())
            if n
        ]
        if changed:
            session.connection().execute(_ADD_TO_VOTE, changed)


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
