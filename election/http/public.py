"""Answers for the public, built for crowds: an ETag over the body, a short public cache
lifetime, and 304 for a client (or a cache in front) that already holds the same body."""

from __future__ import annotations

import hashlib
import json

from flask import Response, request

MAX_AGE = 15  # seconds a cache in front may serve a public answer without asking again


def cacheable(body: bytes, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response.make_conditional(request)


def cacheable_json(data: dict) -> Response:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return cacheable(text.encode(), "application/json")
