"""The Vietnamese web pages."""

from flask import Blueprint

bp = Blueprint("web", __name__)

from election.web import (  # noqa: E402,F401
    audit_pages,
    board,
    forms_pages,
    tallies,
    token_pages,
    totp_pages,
    turnout_pages,
    views,
)
