"""What entry, review and reading share: inputs, places, checks, versions, snapshots."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import (
    CompoundSelect,
    Integer,
    String,
    bindparam,
    cast,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from election.domain import tally as rules
from election.domain.errors import NotFound, RuleBroken
from election.domain.results import FIGURES
from election.models.contests import Contest, Election
from election.models.rolls import VoterCount
from election.models.tallies import TallyRecord, TallyVersion, TallyVote
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
