"""Changes to the running totals summed per row, then written: the ledger, its upserts.

``totals.apply_many`` sums a transaction's changes into two ledgers, the rows inside its
district (written at once) and the far ones (kept as a pending row, ``as_json``), and
``services.settle`` folds the pending rows' ledgers into the far totals (``fold``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence

from sqlalchemy import String, bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from election.domain.results import FIGURES
from election.models.results import ResultPart, ResultTotal, ResultVote

# What a change adds to a total, in the order of a summed row.
_COUNTS = ("reported", "verified", *FIGURES, "with_photo", "keyed", "matched")


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

    A few rows (a submission's) on PostgreSQL: one statement as written, each column one
    array parameter (``unnest``), as SQLAlchemy would first render the rows into one long
    ``VALUES`` list ("insertmanyvalues"), which costs the worker more than the database
    takes to run it. The rows are inserted in the order of their keys (``ORDER BY``), as the
    callers sort them, so every writer locks the rows it shares with another in the same
    order. Many rows (a batch of the demo's): that long list, far fewer round trips.
    """
    connection = session.connection()
    key = (connection.dialect.name, model.__tablename__, tuple(keys), column)
    stmt = _UPSERTS.get(key)
    if stmt is None:
        stmt = _UPSERTS[key] = _upsert(key[0], model, keys, column, list(rows[0]))
    written, compiled = stmt
    if written is not None and len(rows) <= _FEW:
        connection.exec_driver_sql(written, {n: [row[n] for row in rows] for n in rows[0]})
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
    arrays = ", ".join(
        f"%({n})s::{'text' if isinstance(model.__table__.c[n].type, String) else 'integer'}[]"
        for n in names
    )
    written = (
        f"INSERT INTO {table} ({', '.join(names)}) "
        f"SELECT * FROM unnest({arrays}) AS given ({', '.join(names)}) "
        f"ORDER BY {', '.join(keys)} "
        f"ON CONFLICT ({', '.join(keys)}) "
        f"DO UPDATE SET {column} = {table}.{column} + EXCLUDED.{column}"
    )
    return written, compiled


# (dialect, table, keys, column) → the statement; every caller gives the same columns.
_UPSERTS: dict[tuple, object] = {}
