"""Answers for the public, built for crowds: an ETag over what the answer depends on, a short
public cache lifetime, 304 for a client (or a cache in front) that already holds it, and each
worker keeping the bodies it built, so a crowd costs one small query per request."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import Response, request

from election.cache import Lru

MAX_AGE = 15  # seconds a cache in front may serve a public answer without asking again
_BODIES = Lru(64)


def conditional(version: str, mimetype: str, build: Callable[[], bytes]) -> Response:
    """The answer of ``version``: 304 when the client holds it, else the body (kept)."""
    etag = hashlib.sha256(f"{mimetype}|{version}".encode()).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(_BODIES.setdefault((mimetype, version), build), mimetype=mimetype)
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response
