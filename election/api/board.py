"""The board's aids over JSON (CONTRACT §6.5): which units are decided, and flags."""

from __future__ import annotations

from flask import g, request

from election.http.access import token_required
from election.http.context import get_session
from election.http.reads import lag_tolerant
from election.http.routes import Routes
from election.schemas import board as out
from election.services.results import triage
from election.services.tallies import flags

routes = Routes()


@routes.get("/triage")
@token_required("board", "reviewer")
@lag_tolerant
def contest_triage():
    """Each unit of a contest: decided or not, why, and the voting areas that could change it."""
    units = triage.contest_triage(get_session(), g.user, request.args.get("contest"))
    return [out.triage_item(t) for t in units]


@routes.get("/flags")
@token_required("board", "reviewer")
@lag_tolerant
def area_flags():
    """Statistical flags of the records inside an area, each with a score and a sentence."""
    found = flags.area_flags(get_session(), g.user, request.args.get("area"))
    return [out.flag_item(f) for f in found]
