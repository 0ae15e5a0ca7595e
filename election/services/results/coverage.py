"""What a partial total covers: the full roll beside the reported one, and returned records.

A running total sums the records that came in; the board also needs the roll of every voting
area it will cover (to read "1.234 of a roll of 2.000") and how many of the counted records
were sent back to their polling teams.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from election.models.contests import Contest, UnitVotingArea
from election.models.geography import Area, AreaClosure, VotingArea
from election.models.rolls import VoterCount
from election.models.tallies import TallyRecord

ROLL = func.coalesce(VoterCount.roll_voters, VoterCount.setup_voters)


def _holding(contest_id: int):
    """Voting areas holding the contest, with their roll for it (when one is known)."""
    return (
        select(VotingArea.id, VotingArea.code, VotingArea.area_id, UnitVotingArea.unit_id)
        .add_columns(ROLL.label("roll"))
        .join(
            UnitVotingArea,
            (UnitVotingArea.voting_area_id == VotingArea.id)
            & (UnitVotingArea.contest_id == contest_id),
        )
        .outerjoin(
            VoterCount,
            (VoterCount.voting_area_id == VotingArea.id) & (VoterCount.contest_id == contest_id),
        )
    )


@dataclass(frozen=True)
class Coverage:
    """An area's full roll for a contest and its counted records that were returned."""

    roll: int
    returned: int


def of_areas(
    session: Session, contest_code: str, round_no: int, codes: list[str]
) -> dict[str, Coverage]:
    """Each area's (by code) roll over all its voting areas and its returned records."""
    contest_id = session.scalar(select(Contest.id).where(Contest.code == contest_code))
    if contest_id is None or not codes:
        return {}
    held = _holding(contest_id).subquery()
    below = select(Area.code, AreaClosure.descendant_id).join(
        AreaClosure, AreaClosure.ancestor_id == Area.id
    )
    below = below.where(Area.code.in_(codes)).subquery()
    rolls = session.execute(
        select(below.c.code, func.coalesce(func.sum(held.c.roll), 0))
        .join(held, held.c.area_id == below.c.descendant_id)
        .group_by(below.c.code)
    )
    returned = dict(
        session.execute(
            select(below.c.code, func.count(TallyRecord.id))
            .join(VotingArea, VotingArea.area_id == below.c.descendant_id)
            .join(TallyRecord, TallyRecord.voting_area_id == VotingArea.id)
            .where(
                TallyRecord.contest_id == contest_id,
                TallyRecord.round_no == round_no,
                TallyRecord.status == "returned",
            )
            .group_by(below.c.code)
        ).all()
    )
    return {code: Coverage(int(n), int(returned.get(code, 0))) for code, n in rolls}


def unit_roll(session: Session, contest_id: int, unit_id: int) -> int:
    """An electoral unit's voters on the roll, over all its voting areas."""
    held = _holding(contest_id).subquery()
    total = session.scalar(
        select(func.coalesce(func.sum(held.c.roll), 0)).where(held.c.unit_id == unit_id)
    )
    return int(total or 0)


def voting_area_rolls(session: Session, contest_code: str, area_code: str) -> dict[str, int | None]:
    """The roll of each voting area of a lowest-level area holding the contest, by code."""
    contest_id = session.scalar(select(Contest.id).where(Contest.code == contest_code))
    area_id = session.scalar(select(Area.id).where(Area.code == area_code))
    held = _holding(contest_id or 0).where(VotingArea.area_id == area_id).subquery()
    return {code: roll for code, roll in session.execute(select(held.c.code, held.c.roll))}


def returned_in_unit(session: Session, contest_id: int, round_no: int, unit_id: int) -> int:
    """How many records of the unit's round were returned to their teams."""
    return int(
        session.scalar(
            select(func.count(TallyRecord.id))
            .join(
                UnitVotingArea,
                (UnitVotingArea.voting_area_id == TallyRecord.voting_area_id)
                & (UnitVotingArea.contest_id == contest_id),
            )
            .where(
                UnitVotingArea.unit_id == unit_id,
                TallyRecord.contest_id == contest_id,
                TallyRecord.round_no == round_no,
                TallyRecord.status == "returned",
            )
        )
        or 0
    )
