"""Errors of the transport, not of the rules: a body or media type the interface refuses."""

from __future__ import annotations

from election.domain.errors import InvalidInput


class MalformedBody(InvalidInput):
    """A request body or parameter that is not what the interface accepts (400)."""

    code = "bad_request"


class UnsupportedMediaType(InvalidInput):
    code = "unsupported_media_type"

    def __init__(self) -> None:
        super().__init__("Nội dung phải là JSON (Content-Type: application/json)")
