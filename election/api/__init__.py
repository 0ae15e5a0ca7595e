"""The JSON API (/api/v1)."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from election.api import audit, openapi, results, structure, tallies, turnout  # noqa: E402,F401
