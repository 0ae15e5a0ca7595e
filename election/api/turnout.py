"""Turnout during election day over JSON."""

from __future__ import annotations

from flask import g, request
from marshmallow import validate

from election.api.body import load
from election.http.access import token_required
from election.http.context import get_session
from election.http.routes import Routes
from election.schemas.results import pct
from election.schemas.tallies import Count, Text, VietnameseSchema
from election.services.tallies import turnout

routes = Routes()


class TurnoutIn(VietnameseSchema):
    voting_area = Text(required=True, validate=validate.Length(1, 40))
    contest = Text(required=True, validate=validate.Length(1, 20))
    time = Text(required=True, validate=validate.Regexp(r"^\d\d:\d\d$", error="Giờ dạng HH:MM"))
    voters_voted = Count(required=True)


@routes.post("/turnout")
@token_required("officer")
def report_turnout():
    """A polling team's count of voters who have voted by a report time."""
    data = load(TurnoutIn())
    return turnout.report(
        get_session(),
        g.user,
        data["voting_area"],
        data["contest"],
        data["time"],
        data["voters_voted"],
    ), 201


@routes.get("/turnout")
@token_required()
def turnout_progress():
    """Turnout so far per contest and report time in an area (?area=CODE, default the city)."""
    area, rows = turnout.progress(get_session(), g.user, request.args.get("area"))
    return {
        "area": area.code,
        "times": turnout.times(get_session()),
        "progress": [
            {
                "contest": r.contest,
                "time": r.time,
                "voting_areas_total": r.voting_areas_total,
                "reported": r.reported,
                "voters_voted": r.voters_voted,
                "voters_on_roll": r.voters_on_roll,
                "turnout_pct": pct(r.turnout_pct),
            }
            for r in rows
        ],
    }
