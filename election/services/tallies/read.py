"""Reading records: one with its history, the review queue, previews and receipts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from election.domain import tally as rules
from election.domain.errors import NotFound
from election.models.audit import AuditEvent
from election.models.contests import Candidate, Contest, Unit, UnitVotingArea
from election.models.geography import VotingArea
from election.models.results import UnitRound
from election.models.tallies import TallyRecord, TallyVersion, TallyVote
from election.models.users import User
from election.services import scope
from election.services.tallies import keying
from election.services.tallies.common import TallyInput, context_of
from election.services.tallies.place import locate


@dataclass(frozen=True)
class VersionView:
    version: TallyVersion
    votes: dict[str, int]
    actor: str


@dataclass(frozen=True)
class RecordView:
    record: TallyRecord
    voting_area: VotingArea
    contest: Contest
    unit: Unit
    candidates: list[Candidate]  # the ballot of the record's round
    versions: list[VersionView]
    seats: int = 0  # the seats the record's round fills
    # Second keying required and no keying of the current version matches it yet.
    awaiting_keying: bool = False
    # The reader is to key it blind: nobody has keyed the current version and the reader
    # did not write it. Every figure, vote and text that could carry a figure is hidden.
    blind: bool = False

    @property
    def current(self) -> VersionView:
        return self.versions[-1]


def read(session: Session, user: User, record_id: int) -> RecordView:
    """A record with all its versions, if the user may see its voting area."""
    record = session.get(TallyRecord, record_id)
    if record is None:
        raise NotFound(f"Không có biên bản số {record_id}")
    va = session.get(VotingArea, record.voting_area_id)
    scope.require_inside(user, va)
    contest = session.get(Contest, record.contest_id)
    place = locate(session, va.code, contest.code, record.round_no)
    code_of = {c.id: c.code for c in place.candidates}
    versions = list(
        session.scalars(
            select(TallyVersion)
            .where(TallyVersion.record_id == record.id)
            .order_by(TallyVersion.version)
        )
    )
    votes: dict[int, dict[str, int]] = {v.id: {} for v in versions}
    for version_id, candidate_id, n in session.execute(
        select(TallyVote.version_id, TallyVote.candidate_id, TallyVote.votes).where(
            TallyVote.version_id.in_([v.id for v in versions])
        )
    ):
        votes[version_id][code_of[candidate_id]] = n
    names = dict(
        session.execute(
            select(User.id, User.username).where(User.id.in_({v.actor_id for v in versions}))
        ).all()
    )
    order = [c.code for c in place.candidates]
    return RecordView(
        record,
        va,
        contest,
        place.unit,
        place.candidates,
        [
            VersionView(
                v,
                {code: votes[v.id][code] for code in order if code in votes[v.id]},
                names[v.actor_id],
            )
            for v in versions
        ],
        place.seats if place.seats is not None else place.unit.seats,
        *_keying_view(session, user, record),
    )


def _keying_view(session: Session, user: User, record: TallyRecord) -> tuple[bool, bool]:
    """(awaiting_keying, blind) for ``user`` reading ``record`` (CONTRACT §6.3)."""
    if not keying.required(session):
        return False, False
    state = keying.states(session, [record.id])[record.id]
    awaiting = record.status == "submitted" and not state.matched
    blind = (
        user.role in keying.KEYERS
        and not state.keyed
        and user.id not in keying.authors(session, record)
    )
    return awaiting, blind


@dataclass(frozen=True)
class QueueItem:
    id: int
    voting_area: str
    voting_area_name: str
    area_name: str
    contest: str
    status: str
    version: int
    warnings: list[dict]
    updated_at: object
    by: str
    quality: keying.Quality | None = None
    # Second keying required and the reader is to key it blind: its warnings (which quote
    # figures) are not shown.
    blind: bool = False


def blind_ids(session: Session, user: User, found: dict[int, keying.Quality]) -> set[int]:
    """Records of ``found`` that ``user`` is to key blind: not keyed yet, not written by them."""
    if user.role not in keying.KEYERS:
        return set()
    unkeyed = [i for i, q in found.items() if not q.keyed]
    if not unkeyed:
        return set()
    written = set(
        session.scalars(
            select(TallyVersion.record_id)
            .join(TallyRecord, TallyRecord.id == TallyVersion.record_id)
            .where(
                TallyVersion.record_id.in_(unkeyed),
                TallyVersion.actor_id == user.id,
                TallyVersion.version.in_((1, TallyRecord.current_version)),
            )
        )
    )
    return set(unkeyed) - written


def record_ids_of(session: Session, voting_area_id: int) -> dict[str, TallyRecord]:
    """A voting area's records of each contest's current round (a new round starts empty)."""
    current = (
        select(UnitVotingArea.contest_id, func.max(UnitRound.round_no).label("round_no"))
        .join(UnitRound, UnitRound.unit_id == UnitVotingArea.unit_id)
        .where(UnitVotingArea.voting_area_id == voting_area_id)
        .group_by(UnitVotingArea.contest_id)
        .subquery()
    )
    return {
        code: record
        for code, record in session.execute(
            select(Contest.code, TallyRecord)
            .join(TallyRecord, TallyRecord.contest_id == Contest.id)
            .join(
                current,
                (current.c.contest_id == TallyRecord.contest_id)
                & (current.c.round_no == TallyRecord.round_no),
            )
            .where(TallyRecord.voting_area_id == voting_area_id)
        )
    }


def preview(
    session: Session, user: User, voting_area_code: str, contest_code: str, entry: TallyInput
) -> tuple[list[dict], list[dict]]:
    """The record's (errors, warnings) as submit would find them, storing nothing."""
    place = locate(session, voting_area_code, contest_code)
    scope.require_inside(user, place.voting_area)
    findings = rules.check_tally(entry.figures, context_of(session, place))
    session.rollback()

    def out(items: list[rules.Finding]) -> list[dict]:
        return [{"code": f.code, "fields": list(f.fields), "message": f.message} for f in items]

    return out(rules.errors(findings)), out(rules.warnings(findings))


def receipt_code(session: Session, record_id: int, version: int) -> str | None:
    """A short code of the stored version: the start of its audit event's hash."""
    for digest, after in session.execute(
        select(AuditEvent.hash, AuditEvent.after).where(
            AuditEvent.object_type == "tally",
            AuditEvent.object_id == str(record_id),
            AuditEvent.action.in_(("tally.submit", "tally.correct")),
        )
    ):
        if after and after.get("version") == version:
            code = digest[:12].upper()
            return f"{code[:4]}-{code[4:8]}-{code[8:]}"
    return None


def names_of(session: Session, record_ids: list[int]) -> dict[int, tuple[str, str]]:
    """(voting area code, contest code) of each record: how people name a record."""
    if not record_ids:
        return {}
    rows = session.execute(
        select(TallyRecord.id, VotingArea.code, Contest.code)
        .join(VotingArea, VotingArea.id == TallyRecord.voting_area_id)
        .join(Contest, Contest.id == TallyRecord.contest_id)
        .where(TallyRecord.id.in_(record_ids))
    )
    return {rid: (va, contest) for rid, va, contest in rows}
