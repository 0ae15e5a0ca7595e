"""Evidence of a tally record: the photo or scan of the paper its polling team signed.

``attach`` checks and re-writes the file (``content``), stores it once by its SHA-256
(``store``), links it to the record and audits it; ``of_records`` lists what a record has;
``open_file`` hands a file to whoever may read a record it belongs to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from election.db import begin_write
from election.domain.clock import utcnow
from election.domain.errors import Conflict, Forbidden, NotFound
from election.models.evidence import Evidence, TallyEvidence
from election.models.geography import VotingArea
from election.models.tallies import TallyRecord
from election.models.users import User
from election.services import scope
from election.services.audit import chain as audit
from election.services.audit.chain import Actor
from election.services.evidence import content
from election.services.evidence.store import Store
from election.services.tallies.common import add_to_totals, record_for_update

ADDERS = ("officer", "reviewer")


@dataclass(frozen=True)
class Attached:
    sha256: str
    media_type: str


@dataclass(frozen=True)
class EvidenceView:
    sha256: str
    media_type: str
    size: int
    captured_at: dt.datetime | None
    at: dt.datetime
    by: str
    version: int


def attach(
    session: Session, store: Store, user: User, record_id: int, upload: BinaryIO
) -> Attached:
    """Check, store and link a photo or scan of record ``record_id``'s paper; audited.

    The record's officer may add evidence until the record is verified, reviewers in scope
    at any time. The same file twice is kept once and linked once.
    """
    may_attach(session, user, record_id)
    clean = content.clean(upload, store.workdir)  # the slow part, outside the transaction
    try:
        begin_write(session)
        record = record_for_update(session, record_id)
        may_attach(session, user, record_id, record)
        linked = session.scalar(
            select(TallyEvidence.id).where(
                TallyEvidence.record_id == record.id, TallyEvidence.sha256 == clean.sha256
            )
        )
        if linked is None:
            first = not _has_evidence(session, record.id)
            now = utcnow()
            _record_file(session, clean, now)
            store.put(session, clean.sha256, clean.path)
            session.add(
                TallyEvidence(
                    record_id=record.id,
                    sha256=clean.sha256,
                    version=record.current_version,
                    actor_id=user.id,
                    created_at=now,
                )
            )
            after = {
                "sha256": clean.sha256,
                "media_type": clean.media_type,
                "size": clean.size,
                "version": record.current_version,
                "captured_at": clean.captured_at.isoformat() if clean.captured_at else None,
            }
            if first:
                # A record counts once among those backed by a photo, however many it has.
                add_to_totals(session, record, with_photo=1)
            session.flush()
            audit.append(session, Actor.of(user), "evidence.add", "tally", record.id, None, after)
        session.commit()
    finally:
        clean.path.unlink(missing_ok=True)
    return Attached(clean.sha256, clean.media_type)


def _has_evidence(session: Session, record_id: int) -> bool:
    found = select(TallyEvidence.id).where(TallyEvidence.record_id == record_id).limit(1)
    return session.scalar(found) is not None


def _record_file(session: Session, clean: content.Clean, now: dt.datetime) -> None:
    """The file's row, unless it has one already.

    Two first uploads of the same file to different records lock different records: without
    ON CONFLICT the second insert would fail on the first one's key (PostgreSQL). With it,
    the second waits for the first to commit and goes on with its row (or writes the row
    itself if the first rolled back).
    """
    dialect = postgresql if session.connection().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(Evidence)
        .values(
            sha256=clean.sha256,
            media_type=clean.media_type,
            size=clean.size,
            captured_at=clean.captured_at,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["sha256"])
    )


def may_attach(
    session: Session, user: User, record_id: int, record: TallyRecord | None = None
) -> None:
    """Refuse unless ``user`` may attach evidence to the record (checked before any upload)."""
    record = record or session.get(TallyRecord, record_id)
    if record is None:
        raise NotFound(f"Không có biên bản số {record_id}")
    scope.require_role(user, ADDERS, "đính kèm ảnh biên bản")
    scope.require_inside(user, session.get(VotingArea, record.voting_area_id))
    if user.role == "officer" and record.status == "verified":
        raise Conflict(
            "Biên bản đã được xác nhận; tổ bầu cử không đính kèm thêm ảnh được nữa",
            record_status=record.status,
        )


def of_records(session: Session, record_ids: list[int]) -> dict[int, list[EvidenceView]]:
    """Each record's evidence, oldest first."""
    found: dict[int, list[EvidenceView]] = {i: [] for i in record_ids}
    rows = session.execute(
        select(TallyEvidence, Evidence, User.username)
        .join(Evidence, Evidence.sha256 == TallyEvidence.sha256)
        .join(User, User.id == TallyEvidence.actor_id)
        .where(TallyEvidence.record_id.in_(record_ids))
        .order_by(TallyEvidence.id)
    )
    for link, file, username in rows:
        found[link.record_id].append(
            EvidenceView(
                file.sha256,
                file.media_type,
                file.size,
                file.captured_at,
                link.created_at,
                username,
                link.version,
            )
        )
    return found


def open_file(
    session: Session, store: Store, user: User, sha256: str
) -> tuple[Evidence, Iterator[bytes]]:
    """A stored file and its bytes, for a user who may read a record it is attached to."""
    file = session.get(Evidence, sha256.lower()) if len(sha256) == 64 else None
    if file is None:
        raise NotFound("Không có tệp này")
    areas = session.scalars(
        select(VotingArea)
        .join(TallyRecord, TallyRecord.voting_area_id == VotingArea.id)
        .join(TallyEvidence, TallyEvidence.record_id == TallyRecord.id)
        .where(TallyEvidence.sha256 == file.sha256)
    ).all()
    if not any(scope.inside(user, va) for va in areas):
        raise Forbidden("Tệp này thuộc biên bản nằm ngoài phạm vi của bạn")
    return file, store.chunks(session, file.sha256)
