"""Who may touch which voting area (CONTRACT §3)."""

from __future__ import annotations

from election.domain.errors import Forbidden
from election.models import Area, User, VotingArea


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
