"""The Vietnamese web pages."""

from flask import Blueprint

bp = Blueprint("web", __name__)

from election.web import audit_pages, board, forms_pages, tallies, totp_pages, turnout_pages, views  # noqa: E402,F401
