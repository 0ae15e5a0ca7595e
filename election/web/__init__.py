"""The Vietnamese web pages."""

from flask import Blueprint

bp = Blueprint("web", __name__)

from election.web import audit_pages, board, tallies, views  # noqa: E402,F401  (routes register on bp)
