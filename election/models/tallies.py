"""Tally records: one per voting area × contest × round, with immutable versions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from election.db import Base
from election.domain.results import FIGURES

STATUSES = ("submitted", "verified", "returned")


class TallyRecord(Base):
    """The identity and status of a count record; its figures live in versions."""

    __tablename__ = "tally_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    voting_area_id: Mapped[int] = mapped_column(ForeignKey("voting_area.id"))
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"))
    round_no: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(20))
    current_version: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    versions: Mapped[list[TallyVersion]] = relationship(
        order_by="TallyVersion.version", back_populates="record"
    )

    __table_args__ = (
        # The database, not a prior SELECT, decides a race between two first submissions.
        UniqueConstraint(
            "voting_area_id", "contest_id", "round_no", name="uq_tally_record_one_active"
        ),
        CheckConstraint("status IN ('submitted', 'verified', 'returned')", name="status_known"),
        CheckConstraint("round_no >= 1", name="round_positive"),
        CheckConstraint("current_version >= 1", name="version_positive"),
        Index("ix_tally_record_contest_status", "contest_id", "status"),
    )


class TallyVersion(Base):
    """One version of a record's figures; written once, never updated."""

    __tablename__ = "tally_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("tally_record.id"))
    version: Mapped[int]
    voters_on_roll: Mapped[int]
    voters_voted: Mapped[int]
    ballots_issued: Mapped[int]
    ballots_received: Mapped[int]
    ballots_valid: Mapped[int]
    ballots_invalid: Mapped[int]
    complaints_received: Mapped[int] = mapped_column(default=0)
    complaints_settled: Mapped[int] = mapped_column(default=0)
    complaints_forwarded: Mapped[int] = mapped_column(default=0)
    # Valid ballots by number of names kept, n1…n_seats, when the team counted them.
    names_kept: Mapped[list[int] | None] = mapped_column(JSON)
    warnings: Mapped[list[dict]] = mapped_column(JSON, default=list)
    comment: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    record: Mapped[TallyRecord] = relationship(back_populates="versions")
    votes: Mapped[list[TallyVote]] = relationship(back_populates="version_row")

    __table_args__ = (
        UniqueConstraint("record_id", "version", name="uq_tally_version_record_version"),
        CheckConstraint("version >= 1", name="version_positive"),
        *(
            CheckConstraint(f"{figure} >= 0", name=f"{figure}_not_negative")
            for figure in (
                *FIGURES,
                "complaints_received",
                "complaints_settled",
                "complaints_forwarded",
            )
        ),
    )


class TallyVote(Base):
    """A candidate's votes in one version."""

    __tablename__ = "tally_vote"

    version_id: Mapped[int] = mapped_column(ForeignKey("tally_version.id"), primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id"), primary_key=True)
    votes: Mapped[int]

    version_row: Mapped[TallyVersion] = relationship(back_populates="votes")

    __table_args__ = (CheckConstraint("votes >= 0", name="votes_not_negative"),)


class TallyKeying(Base):
    """A second, blind keying of a version from the photo of the paper record (§6.3)."""

    __tablename__ = "tally_keying"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("tally_record.id"))
    version: Mapped[int]  # the version keyed
    actor_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    # What was keyed: the figures, the complaints, names kept and the votes by candidate code.
    entry: Mapped[dict] = mapped_column(JSON)
    matches: Mapped[bool]
    differences: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_tally_keying_record_version", "record_id", "version"),)


class IdempotencyKey(Base):
    """A client's Idempotency-Key with the request it came with and the answer given."""

    __tablename__ = "idempotency_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int]
    response_body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_key_user_key"),)
