"""Results over JSON: areas, units and progress, read from the running totals."""

from __future__ import annotations

from flask import Response, g, request

from election.api.body import load
from election.cache import Lru
from election.http.access import token_required
from election.http.context import get_session
from election.http.reads import lag_tolerant
from election.http.routes import Routes
from election.schemas import results as out
from election.schemas.certification import unit_certification
from election.schemas.results import RoundIn, RoundOut
from election.services import results
from election.services.certification import read as certification
from election.services.results import as_of, rounds

routes = Routes()

# Answers already encoded, by area, contest and version of the area's total: a poll of the
# national totals (920 candidate lines) then costs what reading that one row costs.
_ENCODED = Lru(256)


@routes.get("/results/areas/<code>")
@token_required()
@lag_tolerant
def area_results(code: str):
    """Totals of an area (or a voting area) for one contest: ?contest=QH[&as_of=SEQ]."""
    seq = as_of.parse_seq(get_session(), request.args.get("as_of"))
    if seq is not None:
        contest = request.args.get("contest")
        return out.area_result(as_of.area_result(get_session(), g.user, code, contest, seq))
    view = results.area_result(get_session(), g.user, code, request.args.get("contest"))
    if view.version is None:
        return out.area_result(view)
    key = (str(get_session().get_bind().engine.url), view.code, view.contest.code, view.version)
    body = _ENCODED.setdefault(key, lambda: out.area_result_json(view))
    return Response(body, mimetype="application/json")


@routes.get("/results/units/<code>")
@token_required()
@lag_tolerant
def unit_results(code: str):
    """An electoral unit's totals, candidates and outcome by the law, per round [as_of=SEQ]."""
    session = get_session()
    seq = as_of.parse_seq(session, request.args.get("as_of"))
    if seq is not None:
        past = as_of.unit_result(session, g.user, code, seq)
        body = out.unit_result(past)
        body["certification"] = unit_certification(
            certification.of_unit_as_of(session, past.unit.id, seq)
        )
        return body
    view = results.unit_result(session, g.user, code)
    body = out.unit_result(view)
    body["certification"] = unit_certification(certification.of_unit(session, view.unit.id))
    return body


@routes.get("/progress")
@token_required()
@lag_tolerant
def progress():
    """Voting areas reported and verified per contest in an area (?area=CODE, default the city)."""
    _area, rows = results.progress(get_session(), g.user, request.args.get("area"))
    return out.ProgressOut(many=True).dump(rows)


@routes.post("/units/<code>/rounds")
@token_required("board")
def open_round(code: str):
    """Open an additional election or a re-election for a unit: {"kind": "additional"}."""
    data = load(RoundIn())
    opened = rounds.open_round(get_session(), g.user, code, data["kind"], data["reason"])
    return RoundOut().dump(opened), 201
