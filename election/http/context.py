"""Per-request database session and the signed-in user."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from election.services.audit.chain import CREDENTIAL
from election.services.evidence.store import Store

SESSION = "session"


def get_session() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    if "db" not in g:
        g.db = current_app.extensions["election.sessions"]()
        # The pages' credential; an API call names its token once it is checked.
        g.db.info[CREDENTIAL] = SESSION
    return g.db


def evidence_store() -> Store:
    """Where the app keeps evidence files (``EVIDENCE_STORE``)."""
    store: Store = current_app.extensions["election.evidence"]
    return store


def set_credential(credential: str) -> None:
    """What the request's changes come through, for their audit events."""
    get_session().info[CREDENTIAL] = credential


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(_close_session)
