"""Who may touch which voting area (CONTRACT §3), and the queries kept to it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from election.domain.errors import Forbidden
from election.models.contests import Contest
from election.models.geography import Area, AreaClosure, VotingArea
from election.models.tallies import TallyRecord, TallyVersion
from election.models.users import User

# A tally record's current version.
CURRENT_VERSION = (TallyVersion.record_id == TallyRecord.id) & (
    TallyVersion.version == TallyRecord.current_version
)


def inside(user: User, voting_area: VotingArea) -> bool:
    """The voting area lies in the user's scope: their own (officer), their area (reviewer), all."""
    if user.role == "officer":
        return user.voting_area_id == voting_area.id
    if user.role == "reviewer":
        return user.area is not None and voting_area.area.path.startswith(user.area.path)
    return True


def area_inside(user: User, area: Area) -> bool:
    if user.role == "officer":
        return False
    if user.role == "reviewer":
        return user.area is not None and area.path.startswith(user.area.path)
    return True


def require_inside(user: User, voting_area: VotingArea) -> None:
    if not inside(user, voting_area):
        raise Forbidden("Khu vực bỏ phiếu này nằm ngoài phạm vi của bạn")


def require_role(user: User, roles: tuple[str, ...], what: str) -> None:
    if user.role not in roles:
        raise Forbidden(f"Vai trò của bạn không được {what}")


def current_records(*columns: Any) -> Select[Any]:
    """``columns`` of every tally record's current version, with its voting area and contest."""
    return (
        select(*columns)
        .select_from(TallyRecord)
        .join(TallyVersion, CURRENT_VERSION)
        .join(VotingArea, VotingArea.id == TallyRecord.voting_area_id)
        .join(Contest, Contest.id == TallyRecord.contest_id)
    )


def records_inside(query: Select[Any], user: User) -> Select[Any]:
    """``query`` over tally records and their voting areas, kept to the user's scope."""
    if user.role == "officer":
        return query.where(TallyRecord.voting_area_id == user.voting_area_id)
    if user.role == "reviewer":
        return voting_areas_below(query, user.area_id)
    return query


def voting_areas_below(query: Select[Any], area_id: int | None) -> Select[Any]:
    """``query``, which reads ``VotingArea``, kept to the voting areas inside area ``area_id``."""
    return query.join(
        AreaClosure,
        (AreaClosure.descendant_id == VotingArea.area_id) & (AreaClosure.ancestor_id == area_id),
    )
