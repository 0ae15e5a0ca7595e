"""The JSON API (/api/v1)."""

from flask import Blueprint

from election.api import (
    audit,
    board,
    certification,
    evidence,
    forms,
    openapi,
    opendata,
    public,
    results,
    structure,
    tallies,
    turnout,
)

ENDPOINTS = (
    audit,
    board,
    certification,
    evidence,
    forms,
    openapi,
    opendata,
    public,
    results,
    structure,
    tallies,
    turnout,
)


def blueprint() -> Blueprint:
    """The API's blueprint ``api``, with every API module's routes."""
    bp = Blueprint("api", __name__)
    for module in ENDPOINTS:
        module.routes.register(bp)
    return bp
