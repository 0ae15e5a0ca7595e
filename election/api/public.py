"""The public results over JSON (CONTRACT §6.4): no token, only what is certified, cacheable."""

from __future__ import annotations

from flask import request

from election.http.access import public
from election.http.context import get_session
from election.http.public import cacheable_json
from election.http.routes import Routes
from election.schemas.certification import public_results as dump
from election.services.certification.public import public_results

routes = Routes()


@routes.get("/public/results")
@public
def public_results_json():
    """Certified units with their winners; every other unit pending, with its progress."""
    view = public_results(get_session(), request.args.get("contest"))
    return cacheable_json(dump(view))
