"""Per-request database session and the signed-in user."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from election.services.evidence.store import Store


def get_session() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    if "db" not in g:
        g.db = current_app.extensions["election.sessions"]()
    return g.db


def evidence_store() -> Store:
    """Where the app keeps evidence files (``EVIDENCE_STORE``)."""
    store: Store = current_app.extensions["election.evidence"]
    return store


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(_close_session)
