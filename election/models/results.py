"""Election rounds of a unit, and running totals kept in step with every record change."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from election.db import Base

ROUND_KINDS = ("first", "additional", "re_election")


class UnitRound(Base):
    """A round of an electoral unit: the first, an additional election or a re-election."""

    __tablename__ = "unit_round"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    round_no: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    __table_args__ = (
        CheckConstraint("kind IN ('first', 'additional', 're_election')", name="kind_known"),
        CheckConstraint("round_no >= 1", name="round_positive"),
    )


class ResultTotal(Base):
    """The sum of the current records of one scope (an area or a unit) × contest × round.

    Updated by the difference a change makes, in the change's own transaction, so
    reading a total costs one row whatever the size of the scope.
    """

    __tablename__ = "result_total"

    scope_kind: Mapped[str] = mapped_column(String(5), primary_key=True)
    scope_id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), primary_key=True)
    round_no: Mapped[int] = mapped_column(primary_key=True)
    voting_areas_total: Mapped[int] = mapped_column(default=0)
    reported: Mapped[int] = mapped_column(default=0)
    verified: Mapped[int] = mapped_column(default=0)
    voters_on_roll: Mapped[int] = mapped_column(default=0)
    voters_voted: Mapped[int] = mapped_column(default=0)
    ballots_issued: Mapped[int] = mapped_column(default=0)
    ballots_received: Mapped[int] = mapped_column(default=0)
    ballots_valid: Mapped[int] = mapped_column(default=0)
    ballots_invalid: Mapped[int] = mapped_column(default=0)
    # Records backed by a photo, keyed a second time (current version), matched (issue #16).
    with_photo: Mapped[int] = mapped_column(default=0, server_default="0")
    keyed: Mapped[int] = mapped_column(default=0, server_default="0")
    matched: Mapped[int] = mapped_column(default=0, server_default="0")
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("scope_kind IN ('area', 'unit')", name="scope_kind_known"),
        CheckConstraint("reported BETWEEN 0 AND voting_areas_total", name="reported_range"),
        CheckConstraint("verified BETWEEN 0 AND reported", name="verified_range"),
    )


class ResultVote(Base):
    """A candidate's votes summed over the current records of one scope and round."""

    __tablename__ = "result_vote"

    scope_kind: Mapped[str] = mapped_column(String(5), primary_key=True)
    scope_id: Mapped[int] = mapped_column(primary_key=True)
    # The candidate's contest, so a scope's list for one contest is one key range.
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), primary_key=True)
    round_no: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id"), primary_key=True)
    votes: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        Index("ix_result_vote_candidate_id", "candidate_id"),
        CheckConstraint("votes >= 0", name="votes_not_negative"),
    )


class ResultPart(Base):
    """Valid ballots of one unit inside one area: the base of a candidate's share there."""

    __tablename__ = "result_part"

    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), primary_key=True)
    # The unit's contest, so an area's parts for one contest are one key range.
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), primary_key=True)
    round_no: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    ballots_valid: Mapped[int] = mapped_column(default=0)


class TurnoutReport(Base):
    """Voters who had voted by a set time of election day, as a polling team reported it."""

    __tablename__ = "turnout_report"

    voting_area_id: Mapped[int] = mapped_column(ForeignKey("voting_area.id"), primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), primary_key=True)
    slot: Mapped[str] = mapped_column(String(5), primary_key=True)  # "11:00"
    voters_voted: Mapped[int]
    reported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))

    __table_args__ = (CheckConstraint("voters_voted >= 0", name="voted_not_negative"),)
