"""Blind second keying (CONTRACT §6.3): a second person keys a version from the photo.

When the election requires it (``election.second_keying = "required"``), a reviewer or board
member who neither submitted the record nor wrote its current version keys the figures from
the photo of the paper record without seeing the version's; a keying that matches it lets the
version be verified. Until then, readers other than its authors see no figures of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.db import begin_write
from election.domain import keying as rules
from election.domain.clock import utcnow
from election.domain.errors import Conflict, Forbidden
from election.models.contests import Contest, Election
from election.models.evidence import TallyEvidence
from election.models.geography import VotingArea
from election.models.tallies import TallyKeying, TallyRecord, TallyVersion, TallyVote
from election.models.users import User
from election.services import scope
from election.services.audit import chain as audit
from election.services.audit.chain import Actor
from election.services.tallies.common import (
    COMPLAINTS,
    FIGURES,
    TallyInput,
    add_to_totals,
    record_for_update,
)
from election.services.tallies.place import Place, locate
from election.services.tallies.stale import stale_conflict

KEYERS = ("reviewer", "board")


@dataclass(frozen=True)
class Keyed:
    """A keying as stored: does it match the version, and where it differs."""

    id: int
    record_id: int
    version: int
    matches: bool
    differences: list[str]


@dataclass(frozen=True)
class KeyState:
    """The current version's keyings: any yet, and a matching one."""

    keyed: bool = False
    matched: bool = False


@dataclass(frozen=True)
class Quality:
    """How well a record is backed (issue #16): a photo, a second keying, a match, a fix."""

    photo: bool
    keyed: bool
    matched: bool
    amended: bool  # corrected at least once (current version > 1)


def quality(session: Session, records: Iterable[tuple[int, int]]) -> dict[int, Quality]:
    """Each record's quality, from (record id, current version) pairs."""
    versions = dict(records)
    if not versions:
        return {}
    photos = set(
        session.scalars(
            select(TallyEvidence.record_id).where(TallyEvidence.record_id.in_(list(versions)))
        )
    )
    keyed = states(session, versions)
    return {
        i: Quality(i in photos, keyed[i].keyed, keyed[i].matched, versions[i] > 1) for i in versions
    }


def required(session: Session) -> bool:
    return session.scalar(select(Election.second_keying)) == "required"


def authors(session: Session, record: TallyRecord) -> set[int]:
    """Who submitted the record and who wrote its current version."""
    return set(
        session.scalars(
            select(TallyVersion.actor_id).where(
                TallyVersion.record_id == record.id,
                TallyVersion.version.in_((1, record.current_version)),
            )
        )
    )


def states(session: Session, record_ids: Iterable[int]) -> dict[int, KeyState]:
    """Each record's keying state for its current version."""
    ids = list(record_ids)
    found = {i: KeyState() for i in ids}
    if not ids:
        return found
    rows = session.execute(
        select(TallyKeying.record_id, TallyKeying.matches)
        .join(TallyRecord, TallyRecord.id == TallyKeying.record_id)
        .where(
            TallyKeying.record_id.in_(ids),
            TallyKeying.version == TallyRecord.current_version,
        )
    )
    for record_id, matches in rows:
        before = found[record_id]
        found[record_id] = KeyState(True, before.matched or matches)
    return found


def keyings(session: Session, record_id: int) -> list[Keyed]:
    """Every keying of a record, oldest first."""
    return [
        Keyed(k.id, k.record_id, k.version, k.matches, list(k.differences))
        for k in session.scalars(
            select(TallyKeying).where(TallyKeying.record_id == record_id).order_by(TallyKeying.id)
        )
    ]


def keying_entries(session: Session, record_id: int) -> list[tuple[TallyKeying, str]]:
    """Every keying with what was keyed and by whom (the reconciliation page)."""
    return [
        (k, name)
        for k, name in session.execute(
            select(TallyKeying, User.username)
            .join(User, User.id == TallyKeying.actor_id)
            .where(TallyKeying.record_id == record_id)
            .order_by(TallyKeying.id)
        ).all()
    ]


def key(
    session: Session,
    user: User,
    record_id: int,
    entry: TallyInput,
    expected_version: int | None = None,
) -> Keyed:
    """Key the current version of a record a second time, blind; audited."""
    begin_write(session)
    scope.require_role(user, KEYERS, "nhập lại đối chiếu biên bản")
    record = record_for_update(session, record_id)
    va = session.get(VotingArea, record.voting_area_id)
    scope.require_inside(user, va)
    if not required(session):
        raise Conflict("Cuộc bầu cử này không yêu cầu nhập lại đối chiếu từ ảnh biên bản")
    if user.id in authors(session, record):
        raise Forbidden("Người đã nộp hoặc sửa lần cuối biên bản không được nhập lại để đối chiếu")
    if expected_version is not None and expected_version != record.current_version:
        raise stale_conflict(record, expected_version, session)
    if record.status != "submitted":
        raise Conflict(
            "Chỉ nhập lại đối chiếu biên bản đang chờ kiểm tra", record_status=record.status
        )
    contest = session.get(Contest, record.contest_id)
    assert contest is not None
    place = locate(session, va.code, contest.code, record.round_no)
    ballot = [c.code for c in place.candidates]
    keyed = as_fields(entry)
    found = rules.differences(keyed, stored_fields(session, record, place), ballot)
    before = states(session, [record.id])[record.id]
    row = TallyKeying(
        record_id=record.id,
        version=record.current_version,
        actor_id=user.id,
        entry=keyed,
        matches=not found,
        differences=found,
        created_at=utcnow(),
    )
    session.add(row)
    # The version counts once among the keyed, and once among the matched from its first match.
    newly_keyed, newly_matched = not before.keyed, not found and not before.matched
    if newly_keyed or newly_matched:
        add_to_totals(session, record, keyed=int(newly_keyed), matched=int(newly_matched))
    session.flush()
    after = {"version": record.current_version, "match": not found, "differences": found}
    audit.append(session, Actor.of(user), "tally.key", "tally", record.id, None, after)
    session.commit()
    return Keyed(row.id, record.id, row.version, row.matches, found)


def require_match(session: Session, record: TallyRecord) -> None:
    """Refuse to verify a version the election requires keyed that no keying matches."""
    if not required(session):
        return
    if not states(session, [record.id])[record.id].matched:
        raise Conflict(
            f"Phiên bản {record.current_version} chưa được nhập lại đối chiếu khớp từ ảnh biên "
            "bản giấy; chưa thể xác nhận",
            awaiting_keying=True,
        )


def as_fields(entry: TallyInput) -> dict:
    f = entry.figures
    return {
        **{name: getattr(f, name) for name in FIGURES},
        "votes": dict(f.votes),
        "names_kept": list(f.names_kept) if f.names_kept is not None else None,
        **{name: entry.complaints.get(name, 0) for name in COMPLAINTS},
    }


def stored_fields(session: Session, record: TallyRecord, place: Place) -> dict:
    version = session.scalar(
        select(TallyVersion).where(
            TallyVersion.record_id == record.id, TallyVersion.version == record.current_version
        )
    )
    assert version is not None
    code_of = {c.id: c.code for c in place.candidates}
    votes = {
        code_of[cid]: n
        for cid, n in session.execute(
            select(TallyVote.candidate_id, TallyVote.votes).where(
                TallyVote.version_id == version.id
            )
        )
    }
    return {
        **{name: getattr(version, name) for name in (*FIGURES, *COMPLAINTS)},
        "votes": votes,
        "names_kept": list(version.names_kept) if version.names_kept is not None else None,
    }
