"""Writing a record's versions: the first (record, version 1, votes) and each later one."""

from __future__ import annotations

from sqlalchemy import Insert, Integer, bindparam, func, insert, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from election.domain.clock import utcnow
from election.domain.results import FIGURES
from election.models.tallies import TallyRecord, TallyVersion, TallyVote
from election.models.users import User
from election.services.tallies.common import COMPLAINTS, TallyInput
from election.services.tallies.place import Place


def write_version(
    session: Session,
    record: TallyRecord,
    number: int,
    place: Place,
    entry: TallyInput,
    warnings: list[dict],
    user: User,
    reason: str | None,
) -> TallyVersion:
    """Insert the record's version ``number`` and its votes; the version, not in the session."""
    f = entry.figures
    values = _version_values(record.id, number, entry, warnings, user, reason)
    # Core statements: the ORM's unit of work cost more CPU than the inserts themselves.
    connection = session.connection()
    version_id = connection.execute(_INSERT_VERSION, values).scalar_one()
    connection.execute(
        _INSERT_VOTE,
        [
            {"version_id": version_id, "candidate_id": c.id, "votes": f.votes[c.code]}
            for c in place.candidates
        ],
    )
    return TallyVersion(id=version_id, **values)


def write_first(
    session: Session,
    values: dict,
    place: Place,
    entry: TallyInput,
    warnings: list[dict],
    user: User,
) -> tuple[TallyRecord, TallyVersion]:
    """Insert a first record (``values``), its version 1 and votes; both, not in the session.

    IntegrityError when another record already holds the place. On PostgreSQL one statement
    (a data-modifying ``WITH``: the rows are new, so no lock order is at stake), elsewhere three.
    """
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        record_id = connection.execute(_INSERT_RECORD, values).scalar_one()
        record = TallyRecord(id=record_id, **values)
        return record, write_version(session, record, 1, place, entry, warnings, user, None)
    version = _version_values(None, 1, entry, warnings, user, None)
    record_id, version_id = connection.execute(
        _INSERT_FIRST,
        {f"r_{k}": v for k, v in values.items()}
        | {f"v_{k}": v for k, v in version.items() if k != "record_id"}
        | {
            "candidate_ids": [c.id for c in place.candidates],
            "vote_counts": [entry.figures.votes[c.code] for c in place.candidates],
        },
    ).one()
    return (
        TallyRecord(id=record_id, **values),
        TallyVersion(id=version_id, **(version | {"record_id": record_id})),
    )


def _version_values(
    record_id: int | None,
    number: int,
    entry: TallyInput,
    warnings: list[dict],
    user: User,
    reason: str | None,
) -> dict:
    f = entry.figures
    return {
        "record_id": record_id,
        "version": number,
        **{name: getattr(f, name) for name in FIGURES},
        **{name: entry.complaints.get(name, 0) for name in COMPLAINTS},
        "names_kept": list(f.names_kept) if f.names_kept is not None else None,
        "warnings": warnings,
        "comment": f.comment,
        "reason": reason,
        "actor_id": user.id,
        "created_at": utcnow(),
    }


def _insert_first() -> Insert:
    """Record, version and votes of a first submission as one PostgreSQL statement."""
    record_t, version_t, vote_t = TallyRecord.__table__, TallyVersion.__table__, TallyVote.__table__

    def params(table, prefix: str, names) -> list:
        # psycopg's dialect casts each to its column's type (``%(x)s::INTEGER``).
        return [bindparam(f"{prefix}{n}", type_=table.c[n].type) for n in names]

    record_names = [c.name for c in record_t.columns if c.name != "id"]
    new_record = (
        insert(record_t)
        .from_select(record_names, select(*params(record_t, "r_", record_names)))
        .returning(record_t.c.id)
        .cte("new_record")
    )
    version_names = [c.name for c in version_t.columns if c.name not in ("id", "record_id")]
    new_version = (
        insert(version_t)
        .from_select(
            ["record_id", *version_names],
            select(new_record.c.id, *params(version_t, "v_", version_names)),
        )
        .returning(version_t.c.id, version_t.c.record_id)
        .cte("new_version")
    )
    counts = (
        func.unnest(
            bindparam("candidate_ids", type_=ARRAY(Integer)),
            bindparam("vote_counts", type_=ARRAY(Integer)),
        )
        .table_valued("candidate_id", "votes")
        .render_derived("counts")
    )
    votes = (
        insert(vote_t)
        .from_select(
            ["version_id", "candidate_id", "votes"],
            select(new_version.c.id, counts.c.candidate_id, counts.c.votes).select_from(
                new_version.join(counts, true())
            ),
        )
        .cte("new_votes")
    )
    return select(new_version.c.record_id, new_version.c.id).add_cte(votes)


_INSERT_RECORD = insert(TallyRecord.__table__).returning(TallyRecord.__table__.c.id)
_INSERT_VERSION = insert(TallyVersion.__table__).returning(TallyVersion.__table__.c.id)
_INSERT_VOTE = insert(TallyVote.__table__)
_INSERT_FIRST = _insert_first()
