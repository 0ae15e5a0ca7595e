"""Certification over JSON: sign off a unit's round or an area's result; list them (§6.4)."""

from __future__ import annotations

from flask import g

from election.api.body import load
from election.http.access import token_required
from election.http.context import get_session
from election.http.routes import Routes
from election.schemas.certification import (
    AreaCertifyIn,
    CertificationOut,
    CertifiedOut,
    UnitCertifyIn,
)
from election.services.certification import certify, read

routes = Routes()


@routes.post("/units/<code>/certify")
@token_required("board")
def certify_unit(code: str):
    """Certify a round of a unit: every record of it in and verified (409 otherwise)."""
    data = load(UnitCertifyIn())
    done = certify.certify_unit(get_session(), g.user, code, data["round"], data.get("signers"))
    return CertifiedOut().dump(done), 201


@routes.post("/areas/<code>/certify")
@token_required("board")
def certify_area(code: str):
    """Certify a contest over an area (the city's ĐBQH result, a council's summary)."""
    data = load(AreaCertifyIn())
    done = certify.certify_area(get_session(), g.user, code, data["contest"], data.get("signers"))
    return CertifiedOut().dump(done), 201


@routes.get("/certifications")
@token_required("board", "admin")
def certifications():
    """Every certification, newest first, with whether it still holds and why not."""
    return CertificationOut(many=True).dump(read.listing(get_session()))
