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

from election.cache import Lru
from election.domain.clock import utcnow
from election.domain.results import FIGURES
from election.models.contests import Contest, UnitVotingArea
from election.models.geography import Area, AreaClosure, AreaLevel, VotingArea
from election.models.results import ResultPart, ResultTotal, ResultVote
from election.services import pending
from election.services.audit.chain import holds_head
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


# The levels whose areas lie inside one district: a transaction writes their totals itself,
# and only the writers of that district share them. The rows above (the city, the country)
# every district shares: a transaction leaves what it adds to them pending, and the short
# step after its commit folds it in (``services.settle``).
NEAR_LEVELS = frozenset({"district", "ward"})
# The contests whose electoral units lie inside one district (a commune's inside one ward);
# the units of the others (National Assembly, the city's council) span districts.
NEAR_CONTESTS = frozenset({"HDND_HUYEN", "HDND_XA"})


def ancestors(session: Session, voting_area_ids: list[int]) -> dict[int, list[tuple[int, bool]]]:
    """The areas each voting area lies in, in id order, each with whether it is near."""
    found: dict[int, list[tuple[int, bool]]] = {va: [] for va in voting_area_ids}
    for va, area_id, level in session.execute(
        select(VotingArea.id, AreaClosure.ancestor_id, AreaLevel.code)
        .join(AreaClosure, AreaClosure.descendant_id == VotingArea.area_id)
        .join(Area, Area.id == AreaClosure.ancestor_id)
        .join(AreaLevel, AreaLevel.id == Area.level_id)
        .where(VotingArea.id.in_(voting_area_ids))
        .order_by(VotingArea.id, AreaClosure.ancestor_id)
    ):
        found[va].append((area_id, level in NEAR_LEVELS))
    return found


# A voting area's place in the tree never changes once a setup is stored: a worker keeps
# what it read, per database and setup (the hash of the setup's audit event).
_ANCESTORS = Lru(65536)


def ancestors_kept(
    session: Session, voting_area_id: int, setup: str | None
) -> list[tuple[int, bool]]:
    """``ancestors`` of one voting area, kept per database and setup (read each time without one)."""
    if setup is None:
        return ancestors(session, [voting_area_id])[voting_area_id]
    key = (str(session.get_bind().engine.url), setup, voting_area_id)
    found = _ANCESTORS.get(key)
    if found is None:
        found = _ANCESTORS.put(key, ancestors(session, [voting_area_id])[voting_area_id])
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
    # The record's unit and its contest's code, when the caller already knows them.
    unit_id: int | None = None
    contest_code: str | None = None
    # The areas its voting area lies in, with whether each is near, when known (``ancestors``).
    areas: Sequence[tuple[int, bool]] | None = None
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

    The near scopes (the ward, the district, a unit inside a district) are written now, one
    statement per kind of row whatever the number of changes: the totals, the parts of each
    area's valid ballots per unit, the candidates' votes. What the far scopes get is left as
    one pending row, folded in after the commit (``fold``).
    """
    units = _units(session, [c for c in changes if c.unit_id is None or c.contest_code is None])
    missing = sorted({c.voting_area_id for c in changes if c.areas is None})
    areas = ancestors(session, missing) if missing else {}
    near = Ledger()
    # A transaction that holds the audit head (SQLite's writes, a certification's) has no one
    # to let pass: it writes the far rows too.
    far = near if holds_head(session) else Ledger()
    for change in changes:
        if change.unit_id is not None and change.contest_code is not None:
            unit = (change.unit_id, change.contest_code in NEAR_CONTESTS)
        else:
            unit = units[(change.voting_area_id, change.contest_id)]
        inside = areas[change.voting_area_id] if change.areas is None else change.areas
        add(near, far, change, unit, inside)
    now = now or utcnow()
    near.write(session, now)
    if far is not near and far:
        waiting = pending.of(session)
        if waiting.delta is None:
            waiting.delta = far
        else:
            waiting.delta.merge(far)


def _units(session: Session, changes: list[Change]) -> dict[tuple[int, int], tuple[int, bool]]:
    """The unit of each change's voting area in its contest, and whether it is near."""
    if not changes:
        return {}
    return {
        (va, contest): (unit, code in NEAR_CONTESTS)
        for va, contest, unit, code in session.execute(
            select(
                UnitVotingArea.voting_area_id,
                UnitVotingArea.contest_id,
                UnitVotingArea.unit_id,
                Contest.code,
            )
            .join(Contest, Contest.id == UnitVotingArea.contest_id)
            .where(
                UnitVotingArea.voting_area_id.in_(sorted({c.voting_area_id for c in changes})),
                UnitVotingArea.contest_id.in_(sorted({c.contest_id for c in changes})),
            )
        )
    }


def add(
    near: Ledger,
    far: Ledger,
    change: Change,
    unit: tuple[int, bool],
    areas: Sequence[tuple[int, bool]],
) -> None:
    """Add ``change`` to the rows of its scopes: the near ones' in ``near``, the rest in ``far``."""
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
    unit_id, unit_near = unit
    scopes = [("area", a, is_near) for a, is_near in areas]
    scopes.append(("unit", unit_id, unit_near))
    for kind, sid, is_near in scopes:
        into = near if is_near else far
        key = (kind, sid, contest, round_no)
        into.totals[key] = [a + b for a, b in zip(into.totals[key], added, strict=True)]
    first = change.reported > 0
    valid = figures.get("ballots_valid", 0)
    if valid or first:
        for a, is_near in areas:
            (near if is_near else far).parts[(a, contest, round_no, unit_id)] += valid
    # A first record lists every candidate, zeros too, so each gets its row.
    votes = [(c, d) for c, d in (change.votes or {}).items() if d or first]
    for kind, sid, is_near in scopes:
        ledger = near if is_near else far
        into = ledger.first_votes if first else ledger.later_votes
        for candidate_id, d in votes:
            into[(kind, sid, contest, round_no, candidate_id)] += d


class Ledger:
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

    def __bool__(self) -> bool:
        return bool(self.totals or self.parts or self.first_votes or self.later_votes)

    def as_json(self) -> dict:
        """The ledger as a pending row's ``delta`` (lists, as JSON keeps them)."""
        return {
            "totals": [[*key, *row] for key, row in self.totals.items()],
            "parts": [[*key, n] for key, n in self.parts.items()],
            "first_votes": [[*key, n] for key, n in self.first_votes.items()],
            "later_votes": [[*key, n] for key, n in self.later_votes.items()],
        }

    def take(self, delta: Mapping) -> None:
        """Add a pending row's ``delta`` (``as_json``) to this ledger."""
        for row in delta["totals"]:
            key = tuple(row[:4])
            self.totals[key] = [a + b for a, b in zip(self.totals[key], row[4:], strict=True)]
        for row in delta["parts"]:
            self.parts[tuple(row[:4])] += row[4]
        for row in delta["first_votes"]:
            self.first_votes[tuple(row[:5])] += row[5]
        for row in delta["later_votes"]:
            self.later_votes[tuple(row[:5])] += row[5]

    def merge(self, other: Ledger) -> None:
        """Add another ledger of the same transaction to this one."""
        for key, row in other.totals.items():
            self.totals[key] = [a + b for a, b in zip(self.totals[key], row, strict=True)]
        for mine, theirs in (
            (self.parts, other.parts),
            (self.first_votes, other.first_votes),
            (self.later_votes, other.later_votes),
        ):
            for key, n in theirs.items():
                mine[key] += n

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


def fold(session: Session, deltas: Sequence[Mapping], now: dt.datetime) -> None:
    """Add pending rows' deltas (``Ledger.as_json``) to the far totals, stamped ``now``.

    ``services.settle`` calls it with the audit head locked: one fold at a time, and each
    pending row is added by the one fold that deleted it.
    """
    ledger = Ledger()
    for delta in deltas:
        ledger.take(delta)
    ledger.write(session, now)


def add_rows(session: Session, model, keys: list[str], column: str, rows: list[dict]) -> None:
    """Insert rows, or add their ``column`` to the rows already there (an upsert).

    A few rows (a submission's) on PostgreSQL: the statement as written, once per row in
    psycopg's pipeline, as SQLAlchemy would first render the rows into one long ``VALUES``
    list ("insertmanyvalues"), which costs the worker more than the database takes to run
    it. Many rows (a batch of the demo's): that long list, far fewer round trips.
    """
    connection = session.connection()
    key = (connection.dialect.name, model.__tablename__, tuple(keys), column)
    stmt = _UPSERTS.get(key)
    if stmt is None:
        stmt = _UPSERTS[key] = _upsert(key[0], model, keys, column, list(rows[0]))
    written, compiled = stmt
    if written is not None and len(rows) <= _FEW:
        connection.exec_driver_sql(written, rows)
    else:
        connection.execute(compiled, rows)


_FEW = 64


def _upsert(dialect: str, model, keys: list[str], column: str, names: list[str]):
    """(the statement as written or None, the compiled statement) for ``add_rows``."""
    table = model.__tablename__
    insert_ = (postgresql if dialect == "postgresql" else sqlite).insert(model)
    compiled = insert_.on_conflict_do_update(
        index_elements=keys,
        set_={column: getattr(model, column) + getattr(insert_.excluded, column)},
    )
    # As written only when the rows give every column: the model's defaults are Python's.
    if dialect != "postgresql" or set(names) != set(model.__table__.columns.keys()):
        return None, compiled
    written = (
        f"INSERT INTO {table} ({', '.join(names)}) "
        f"VALUES ({', '.join(f'%({n})s' for n in names)}) "
        f"ON CONFLICT ({', '.join(keys)}) "
        f"DO UPDATE SET {column} = {table}.{column} + EXCLUDED.{column}"
    )
    return written, compiled


# (dialect, table, keys, column) → the statement; every caller gives the same columns.
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
