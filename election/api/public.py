"""The public results over JSON (CONTRACT §6.4): no token, only what is certified, cacheable."""

from __future__ import annotations

import json

from flask import request

from election.http.access import public
from election.http.context import get_session
from election.http.public import conditional
from election.http.reads import lag_tolerant
from election.http.routes import Routes
from election.schemas.certification import public_results as dump
from election.services.certification.public import public_results, version

routes = Routes()


@routes.get("/public/results")
@public
@lag_tolerant
def public_results_json():
    """Certified units with their winners; every other unit pending, with its progress."""
    session, contest = get_session(), request.args.get("contest")

    def build() -> bytes:
        body = dump(public_results(session, contest))
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    return conditional(version(session, contest), "application/json", build)
