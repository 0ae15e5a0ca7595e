"""The JSON API (/api/v1)."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from election.api import (  # noqa: E402,F401
    audit,
    forms,
    openapi,
    opendata,
    results,
    structure,
    tallies,
    turnout,
)
