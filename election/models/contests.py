"""The election, its contests, electoral units, their voting areas and candidates."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from election.db import Base
from election.domain.contests import CONTEST_CODES


class Election(Base):
    """One election day; a database holds one."""

    __tablename__ = "election"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    date: Mapped[dt.date] = mapped_column(Date)
    form_set: Mapped[str] = mapped_column(String(10))
    # A tally with a larger share of invalid ballots is flagged for reviewers (domain.md §5),
    # in hundredths of a percent (1000 = 10,00%) so it stays an exact integer everywhere.
    invalid_warning_bp: Mapped[int] = mapped_column(default=1000, server_default="1000")
    # The times of election day at which polling teams report how many have voted.
    turnout_times: Mapped[str] = mapped_column(
        String(100), default="11:00,14:00,17:00,19:00", server_default="11:00,14:00,17:00,19:00"
    )
    # "required": every version is keyed a second time, blind, from the photo of the paper
    # record before it can be verified (CONTRACT §6.3).
    second_keying: Mapped[str] = mapped_column(String(10), default="off", server_default="off")

    __table_args__ = (
        CheckConstraint("form_set IN ('2021', '2026')", name="form_set_known"),
        CheckConstraint("second_keying IN ('off', 'required')", name="second_keying_known"),
        CheckConstraint("invalid_warning_bp BETWEEN 0 AND 10000", name="invalid_warning_range"),
    )


class Contest(Base):
    """A contest (cấp bầu cử): one ballot per entitled voter."""

    __tablename__ = "contest"

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id"))
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        CheckConstraint(
            "code IN (" + ", ".join(f"'{code}'" for code in CONTEST_CODES) + ")", name="code_known"
        ),
    )


class Unit(Base):
    """An electoral unit (đơn vị bầu cử) of one contest, electing ``seats`` deputies."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"))
    name: Mapped[str] = mapped_column(String(300))
    seats: Mapped[int]

    contest: Mapped[Contest] = relationship(lazy="joined")
    candidates: Mapped[list[Candidate]] = relationship(
        order_by="Candidate.ballot_order", back_populates="unit"
    )

    __table_args__ = (
        CheckConstraint("seats BETWEEN 1 AND 5", name="seats_range"),
        # Target of unit_voting_area's composite key, which keeps its contest honest.
        UniqueConstraint("id", "contest_id", name="uq_unit_id_contest"),
        Index("ix_unit_contest_id", "contest_id"),
    )


class UnitVotingArea(Base):
    """A voting area covered by an electoral unit; at most one unit per contest."""

    __tablename__ = "unit_voting_area"

    unit_id: Mapped[int] = mapped_column(primary_key=True)
    voting_area_id: Mapped[int] = mapped_column(ForeignKey("voting_area.id"), primary_key=True)
    contest_id: Mapped[int]

    __table_args__ = (
        ForeignKeyConstraint(
            ["unit_id", "contest_id"],
            ["unit.id", "unit.contest_id"],
            name="fk_unit_voting_area_unit_contest",
        ),
        UniqueConstraint("voting_area_id", "contest_id", name="uq_unit_voting_area_one_unit"),
    )


class Candidate(Base):
    """A candidate on an electoral unit's list, in official ballot order."""

    __tablename__ = "candidate"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    ballot_order: Mapped[int]
    full_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[dt.date] = mapped_column(Date)
    gender: Mapped[str] = mapped_column(String(5))

    unit: Mapped[Unit] = relationship(back_populates="candidates")

    __table_args__ = (
        UniqueConstraint("unit_id", "ballot_order", name="uq_candidate_unit_order"),
        CheckConstraint("ballot_order >= 1", name="order_positive"),
        CheckConstraint("gender IN ('Nam', 'Nữ')", name="gender_known"),
    )
