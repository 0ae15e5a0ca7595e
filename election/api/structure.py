"""Read-only structure endpoints: areas, contests, units, voting areas."""

from __future__ import annotations

from flask import g

from election.http.access import token_required
from election.http.context import get_session
from election.http.routes import Routes
from election.schemas.structure import AreaOut, ContestOut, UnitOut, VotingAreaOut
from election.services.setup import structure

routes = Routes()


@routes.get("/areas")
@token_required()
def root_area():
    """The root administrative area (the city) with its children."""
    return AreaOut().dump(structure.area_view(get_session()))


@routes.get("/areas/<code>")
@token_required()
def area(code: str):
    """An administrative area with its children; a ward's children are its voting areas."""
    return AreaOut().dump(structure.area_view(get_session(), code))


@routes.get("/contests")
@token_required()
def contests():
    """The contests with their electoral units."""
    return ContestOut(many=True).dump(structure.contests_with_units(get_session()))


@routes.get("/units/<code>")
@token_required()
def unit(code: str):
    """An electoral unit with its candidates in ballot order and its voting areas."""
    return UnitOut().dump(structure.unit_view(get_session(), code))


@routes.get("/voting-areas/<code>")
@token_required()
def voting_area(code: str):
    """A voting area with each contest it holds; officers see only their own."""
    return VotingAreaOut().dump(structure.voting_area_view(get_session(), code, g.user))


@routes.get("/whoami")
@token_required()
def whoami():
    """The caller: username, role and scope (the cheapest authenticated call)."""
    user = g.user
    scope = user.voting_area.code if user.voting_area else user.area.code if user.area else None
    return {"username": user.username, "role": user.role, "scope": scope}
