"""Which database a request reads: lag-tolerant views may read the replica (election.replica).

A view marked ``@lag_tolerant`` (under its access decorator, so the reader is known) reads
the replica when election.replica's rules allow it: its request's session is then one on
the replica, and the user it signed in with stays loaded from the primary. Every response says where it
read in ``X-Read-From``, and a successful write leaves the marker cookie that sends its
writer's next reads to the primary for ``REPLICA_MAX_LAG_SECONDS``. Without
``DATABASE_REPLICA_URL`` none of this runs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, g, request

from election.db import make_sessionmaker
from election.http.access import SAFE_METHODS, signed_in_user
from election.http.context import get_session
from election.replica import keeps_up, make_replica_engine, reader_may_lag, replica_state

HEADER = "X-Read-From"
PRIMARY, REPLICA = "primary", "replica"
# The unix time of the reader's last successful write; not signed: a reader who forges or
# drops it can only read the primary, or read their own writes late.
WROTE_COOKIE = "election_wrote"
EXTENSION = "election.replica"


def lag_tolerant(view: Callable[..., Any]) -> Callable[..., Any]:
    """A read that may be a few seconds old: from the replica when it keeps up."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if EXTENSION in current_app.extensions:
            _choose_database()
        return view(*args, **kwargs)

    wrapper.lag_tolerant = True  # type: ignore[attr-defined]
    return wrapper


def _wrote_recently(max_lag: float) -> bool:
    try:
        wrote = int(request.cookies.get(WROTE_COOKIE, ""))
    except ValueError:
        return False
    return time.time() - wrote < max_lag


def _choose_database() -> None:
    max_lag = current_app.config["REPLICA_MAX_LAG_SECONDS"]
    user = g.user if "user" in g else signed_in_user()
    if not reader_may_lag(user.role if user else None, _wrote_recently(max_lag)):
        return
    replica = current_app.extensions[EXTENSION]()
    if not keeps_up(replica_state(replica), max_lag):
        replica.close()
        return
    get_session()  # the primary's session: what the request loaded through it stays usable
    g.primary_db, g.db = g.db, replica
    g.read_from = REPLICA


def _mark(response: Response) -> Response:
    response.headers[HEADER] = g.get("read_from", PRIMARY)
    if request.method not in SAFE_METHODS and response.status_code < 400:
        lifetime = math.ceil(current_app.config["REPLICA_MAX_LAG_SECONDS"])
        response.set_cookie(
            WROTE_COOKIE,
            str(int(time.time())),
            max_age=lifetime,
            httponly=True,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    return response


def _close_primary(_exc: BaseException | None) -> None:
    session = g.pop("primary_db", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    """Open the replica's engine when ``DATABASE_REPLICA_URL`` names one; else nothing."""
    url = app.config.get("DATABASE_REPLICA_URL")
    if not url:
        return
    engine = make_replica_engine(url, app.config.get("DATABASE_POOL_SIZE", 2))
    app.extensions["election.replica_engine"] = engine
    app.extensions[EXTENSION] = make_sessionmaker(engine)
    app.after_request(_mark)
    app.teardown_appcontext(_close_primary)
