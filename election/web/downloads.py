"""Files streamed to the client as they are written (open data)."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, stream_with_context

from election.web.context import get_session


def stream(chunks: Iterator[bytes], content_type: str, filename: str) -> Response:
    """Send ``chunks`` as a download; the request's read transaction ends with the last one."""
    session = get_session()

    def body() -> Iterator[bytes]:
        try:
            yield from chunks
        finally:
            # Once the file is sent, or the client has gone, end the read at once: an open
            # transaction would hold its locks (and PostgreSQL its cursor) until the worker's
            # next request.
            session.rollback()

    return Response(
        stream_with_context(body()),
        content_type=content_type,
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
