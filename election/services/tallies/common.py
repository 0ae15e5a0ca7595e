"""What entry, review and reading share: inputs, places, checks, versions, snapshots."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import (
    CompoundSelect,
    Insert,
    Integer,
    String,
    bindparam,
    cast,
    func,
    insert,
    literal,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from election.domain import tally as rules
from election.domain.clock import utcnow
from election.domain.errors import NotFound, RuleBroken
from election.domain.results import FIGURES
from election.models.contests import Contest, Election
from election.models.rolls import VoterCount
from election.models.tallies import TallyRecord, TallyVersion, TallyVote
from election.models.users import User
from election.services.results import totals
from election.services.tallies.place import Place

COMPLAINTS = ("complaints_received", "complaints_settled", "complaints_forwarded")
SUBMITTERS = ("officer",)
CORRECTORS = ("officer", "reviewer")


@dataclass(frozen=True)
class TallyInput:
    """A count record as entered: the figures, the votes by candidate code, the extras."""

    figures: rules.TallyFigures
    complaints: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: Mapping) -> TallyInput:
        names_kept = data.get("names_kept")
        return cls(
            rules.TallyFigures(
                **{name: data[name] for name in FIGURES},
                votes=dict(data["votes"]),
                names_kept=tuple(names_kept) if names_kept is not None else None,
                comment=data.get("comment") or None,
            ),
            {name: data.get(name, 0) or 0 for name in COMPLAINTS},
        )


@dataclass(frozen=True)
class Receipt:
    """What a stored version gives back: the record, its new version and the warnings."""

    id: int
    version: int
    status: str
    warnings: list[dict]


def context_of(session: Session, place: Place) -> rules.TallyContext:
    """The roll count and the other contests' voters of the voting area, and the thresholds."""
    return _facts(session, place, with_record=False)[0]


def context_and_record(session: Session, place: Place) -> tuple[rules.TallyContext, int | None]:
    """``context_of`` and the id of the record already stored for the place, in one round trip."""
    return _facts(session, place, with_record=True)


def _facts_query(with_record: bool) -> CompoundSelect:
    va_id, contest_id = bindparam("va_id"), bindparam("contest_id")
    no_int = cast(null(), Integer)
    parts = [
        select(literal("count"), Contest.code, VoterCount.setup_voters, VoterCount.roll_voters)
        .join(VoterCount, VoterCount.contest_id == Contest.id)
        .where(VoterCount.voting_area_id == va_id),
        # Another contest's record, where there is one, says what its team counted.
        select(literal("other"), Contest.code, TallyVersion.voters_on_roll, no_int)
        .join(TallyRecord, TallyRecord.contest_id == Contest.id)
        .join(
            TallyVersion,
            (TallyVersion.record_id == TallyRecord.id)
            & (TallyVersion.version == TallyRecord.current_version),
        )
        .where(
            TallyRecord.voting_area_id == va_id,
            TallyRecord.contest_id != contest_id,
            TallyRecord.round_no == 1,
        ),
        select(
            literal("bp"),
            cast(null(), String),
            select(Election.invalid_warning_bp).limit(1).scalar_subquery(),
            no_int,
        ),
    ]
    if with_record:
        parts.append(
            select(literal("record"), cast(null(), String), TallyRecord.id, no_int).where(
                TallyRecord.voting_area_id == va_id,
                TallyRecord.contest_id == contest_id,
                TallyRecord.round_no == bindparam("round_no"),
            )
        )
    return union_all(*parts)


_FACTS = {with_record: _facts_query(with_record) for with_record in (False, True)}


def _facts(
    session: Session, place: Place, with_record: bool
) -> tuple[rules.TallyContext, int | None]:
    """The voter counts, the other contests' records, the threshold, the place's record."""
    rows = session.connection().execute(
        _FACTS[with_record],
        {
            "va_id": place.voting_area.id,
            "contest_id": place.contest.id,
            "round_no": place.round_no,
        },
    )
    counts: dict[str, int | None] = {}
    others: dict[str, int] = {}
    bp, record = None, None
    for kind, code, value, roll in rows:
        if kind == "count":
            counts[code] = roll if roll is not None else value
        elif kind == "other":
            others[code] = value
        elif kind == "bp":
            bp = value
        elif record is None:
            record = value
    roll_voters = counts.pop(place.contest.code, None)
    counts.update(others)
    context = rules.TallyContext(
        contest=place.contest.code,
        seats=place.seats if place.seats is not None else place.unit.seats,
        candidates=tuple(rules.Candidate(c.code, c.full_name) for c in place.candidates),
        roll_voters=roll_voters,
        other_voters=counts,
        invalid_warning_pct=Decimal(bp or 1000) / 100,
    )
    return context, record


def checked(
    session: Session, place: Place, entry: TallyInput, context: rules.TallyContext | None = None
) -> list[dict]:
    """Refuse a record that breaks a hard rule (422, every rule named); return its warnings.

    ``context``: the place's ``context_of``, when the caller has read it already.
    """
    if context is None:
        context = context_of(session, place)
    findings = rules.check_tally(entry.figures, context)
    broken = rules.errors(findings)
    if broken:
        errors: dict[str, list[str]] = {}
        for f in broken:
            for name in f.fields:
                errors.setdefault(name, []).append(f.message)
        raise RuleBroken(
            f"Biên bản vi phạm {len(broken)} quy định; chưa được lưu",
            [],
            errors,
            {
                "problems": [
                    {"code": f.code, "fields": list(f.fields), "message": f.message} for f in broken
                ]
            },
        )
    return [{"code": f.code, "message": f.message} for f in rules.warnings(findings)]


def snapshot(
    record: TallyRecord,
    version: TallyVersion,
    votes: Mapping[str, int],
    place_codes: tuple[str, str],
) -> dict:
    """A version's content as the audit log records it (and verification compares)."""
    return {
        "record": record.id,
        "voting_area": place_codes[0],
        "contest": place_codes[1],
        "round": record.round_no,
        "version": version.version,
        "figures": {name: getattr(version, name) for name in (*FIGURES, *COMPLAINTS)},
        "votes": dict(votes),
        "names_kept": list(version.names_kept) if version.names_kept is not None else None,
        "comment": version.comment,
        "reason": version.reason,
        "warnings": [w["code"] for w in version.warnings],
        "actor": version.actor_id,
    }


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


def official_votes(place: Place, entry: TallyInput) -> dict[str, int]:
    return {c.code: entry.figures.votes[c.code] for c in place.candidates}


def record_for_update(session: Session, record_id: int) -> TallyRecord:
    """The record, locked until the transaction ends (SQLite: by BEGIN IMMEDIATE already).

    Without the lock a correction and a verification of the same version could both read
    the same status and both succeed, the later write undoing the earlier.
    """
    record = session.get(TallyRecord, record_id, with_for_update=True, populate_existing=True)
    if record is None:
        raise NotFound(f"Không có biên bản số {record_id}")
    return record


def add_to_totals(session: Session, record: TallyRecord, **counts: int) -> None:
    """Add counts (``totals.Change``'s: verified, keyed, …) to the totals of the record's scopes."""
    totals.apply(
        session,
        totals.Change(record.voting_area_id, record.contest_id, record.round_no, **counts),
    )


def roll_up(
    session: Session,
    place: Place,
    record: TallyRecord,
    entry: TallyInput,
    old: TallyVersion | None = None,
    old_status: str | None = None,
    old_keyed: bool = False,
    old_matched: bool = False,
) -> None:
    """Apply what a new version changes to the running totals (the old one's figures leave).

    Keyings are of one version: the old one's keyed and matched leave with it.
    """
    ids = {c.code: c.id for c in place.candidates}
    figures = {name: getattr(entry.figures, name) for name in FIGURES}
    votes = {ids[code]: entry.figures.votes[code] for code in ids}
    if old is not None:
        for name in FIGURES:
            figures[name] -= getattr(old, name)
        for candidate_id, n in session.execute(
            select(TallyVote.candidate_id, TallyVote.votes).where(TallyVote.version_id == old.id)
        ):
            votes[candidate_id] = votes.get(candidate_id, 0) - n
    totals.apply(
        session,
        totals.Change(
            voting_area_id=place.voting_area.id,
            contest_id=place.contest.id,
            round_no=record.round_no,
            reported=0 if old is not None else 1,
            verified=-1 if old_status == "verified" else 0,
            figures=figures,
            votes=votes,
            unit_id=place.unit.id,
            contest_code=place.contest.code,
            keyed=-int(old_keyed),
            matched=-int(old_matched),
            areas=totals.ancestors_kept(session, place.voting_area.id, place.setup),
        ),
    )
