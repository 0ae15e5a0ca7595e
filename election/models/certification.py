"""Certifications of results and the numbered snapshots of what the public may see."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, CheckConstraint, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from election.db import Base

LEVELS = ("unit", "city", "council")


class Certification(Base):
    """A signed-off result: a unit's round, or a contest over the city or a council's area.

    ``digest`` covers exactly what was signed (the record versions of a unit's round; the
    unit certifications under an area); ``audit_seq``/``audit_hash`` anchor it in the audit
    chain. A change below it sets ``valid`` false in the same transaction (``reopened_*``).
    """

    __tablename__ = "certification"

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(10))
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    round_no: Mapped[int | None]
    digest: Mapped[str] = mapped_column(String(64))
    audit_seq: Mapped[int] = mapped_column(BigInteger)
    audit_hash: Mapped[str] = mapped_column(String(64))
    signers: Mapped[str | None] = mapped_column(Text)  # the Ban bầu cử / Ủy ban who sign
    certified_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    certified_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    valid: Mapped[bool] = mapped_column(default=True)
    reopened_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reopened_seq: Mapped[int | None] = mapped_column(BigInteger)
    reopened_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("level IN ('unit', 'city', 'council')", name="level_known"),
        CheckConstraint(
            "(level = 'unit') = (unit_id IS NOT NULL AND round_no IS NOT NULL)",
            name="unit_level_has_unit_and_round",
        ),
        CheckConstraint("(level = 'unit') = (area_id IS NULL)", name="area_level_has_area"),
        Index("ix_certification_unit_valid", "unit_id", "valid"),
        Index("ix_certification_contest_valid", "contest_id", "valid"),
    )


class PublicSnapshot(Base):
    """One change of what the public page shows, numbered, with the reasons in Vietnamese."""

    __tablename__ = "public_snapshot"

    seq: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    changes: Mapped[list[str]] = mapped_column(JSON)

    __table_args__ = (Index("ix_public_snapshot_contest", "contest_id", "seq"),)
