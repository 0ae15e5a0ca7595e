"""The Vietnamese web pages."""

from flask import Blueprint

from election.web import (
    audit_pages,
    board,
    board_unit,
    certification_pages,
    evidence_pages,
    forms_pages,
    keying_pages,
    outbox_pages,
    public_pages,
    review_pages,
    setup_pages,
    situation_pages,
    tallies,
    token_pages,
    totp_pages,
    turnout_pages,
    user_pages,
    views,
)

# The order in which the pages' rules were added before each module declared its own.
PAGES = (
    audit_pages,
    forms_pages,
    board,
    board_unit,
    tallies,
    review_pages,
    token_pages,
    totp_pages,
    turnout_pages,
    views,
    evidence_pages,
    keying_pages,
    outbox_pages,
    public_pages,
    certification_pages,
    situation_pages,
    setup_pages,
    user_pages,
)


def blueprint() -> Blueprint:
    """The pages' blueprint ``web``, with every page module's routes."""
    bp = Blueprint("web", __name__)
    for module in PAGES:
        module.routes.register(bp)
    return bp
