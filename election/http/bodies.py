"""Request bodies without a Content-Length (chunked): held to the same limit as the others."""

from __future__ import annotations

import io

from flask import Flask, abort, current_app, request

from election.http.evidence import UPLOADS
from election.http.imports import LIMITS


def _limit_streamed_body() -> None:
    """Read a streamed body whole, up to the limit; 413 when it goes past it.

    Werkzeug only cuts such a body at ``MAX_CONTENT_LENGTH`` and hands on the first
    megabyte, which a form or JSON parser may then take for the whole request. Read here,
    the body gets a Content-Length like any other before anything parses it.
    """
    environ = request.environ
    if environ.get("CONTENT_LENGTH") or "wsgi.input_terminated" not in environ:
        return  # a declared length is checked by Werkzeug; without one nothing is read
    if request.endpoint in UPLOADS or request.endpoint in LIMITS:
        return  # photos, scans, setups and rolls: their own limits, spooled to disk
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is None:
        return
    data = environ["wsgi.input"].read(limit + 1)
    if len(data) > limit:
        abort(413)
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))


def init_app(app: Flask) -> None:
    app.before_request(_limit_streamed_body)
