"""Voter rolls and the per-contest voter counts derived from them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from election.db import Base


class Voter(Base):
    """One line of a voting area's roll (danh sách cử tri)."""

    __tablename__ = "voter"

    id: Mapped[int] = mapped_column(primary_key=True)
    voting_area_id: Mapped[int] = mapped_column(ForeignKey("voting_area.id"))
    seq: Mapped[int]
    full_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[dt.date] = mapped_column(Date)
    gender: Mapped[str] = mapped_column(String(5))
    residence: Mapped[str] = mapped_column(String(300))
    residence_type: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(30))

    __table_args__ = (
        UniqueConstraint("voting_area_id", "seq", name="uq_voter_area_seq"),
        CheckConstraint("seq >= 1", name="seq_positive"),
        CheckConstraint(
            "residence_type IN ('thuong_tru', 'tam_tru_12', 'tam_tru_duoi_12',"
            " 'tam_giam', 'quan_nhan')",
            name="residence_type_known",
        ),
        CheckConstraint(
            "note IS NULL OR note IN ('bo_phieu_noi_khac', 'den_bo_phieu')",
            name="note_known",
        ),
    )


class VoterCount(Base):
    """Voters on the roll of a voting area for one contest.

    ``setup_voters`` comes from the setup's ``voters`` sheet; ``roll_voters``
    is derived from a loaded roll and, when present, is the one that counts.
    """

    __tablename__ = "voter_count"

    voting_area_id: Mapped[int] = mapped_column(ForeignKey("voting_area.id"), primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), primary_key=True)
    setup_voters: Mapped[int | None]
    roll_voters: Mapped[int | None]

    __table_args__ = (
        CheckConstraint("setup_voters IS NULL OR setup_voters >= 0", name="setup_not_negative"),
        CheckConstraint("roll_voters IS NULL OR roll_voters >= 0", name="roll_not_negative"),
    )

    @property
    def voters(self) -> int | None:
        return self.roll_voters if self.roll_voters is not None else self.setup_voters
