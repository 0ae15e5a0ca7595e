"""Evidence: photos and scans of the signed paper records, stored once by their SHA-256."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from election.db import Base

MEDIA_TYPES = ("image/jpeg", "image/png", "application/pdf")


class Evidence(Base):
    """One stored file, as the service re-encoded it; its name is the SHA-256 of its bytes."""

    __tablename__ = "evidence"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    # When the photo was taken (EXIF) or the scan made (PDF), as the file said; kept here
    # because the stored file no longer carries its metadata.
    captured_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(
            "media_type IN ('image/jpeg', 'image/png', 'application/pdf')", name="media_type_known"
        ),
        CheckConstraint("size > 0", name="size_positive"),
    )


class EvidenceChunk(Base):
    """A piece of a file kept in the database (``EVIDENCE_STORE=database``), in order."""

    __tablename__ = "evidence_chunk"

    sha256: Mapped[str] = mapped_column(ForeignKey("evidence.sha256"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class TallyEvidence(Base):
    """A file attached to a tally record: by whom, when, at which version of the record."""

    __tablename__ = "tally_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("tally_record.id"))
    sha256: Mapped[str] = mapped_column(ForeignKey("evidence.sha256"))
    version: Mapped[int]  # the record's current version when the file was attached
    actor_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("record_id", "sha256", name="uq_tally_evidence_record_file"),
        Index("ix_tally_evidence_sha256", "sha256"),
    )
