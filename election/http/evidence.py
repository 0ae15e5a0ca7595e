"""Evidence over HTTP, for the API and the pages alike: the uploaded file, the file sent back."""

from __future__ import annotations

import tempfile
from typing import BinaryIO

from flask import Flask, Response, after_this_request, g, request, stream_with_context
from werkzeug.exceptions import RequestEntityTooLarge

from election.domain.errors import FileTooLarge, InvalidInput, UnsupportedFile
from election.http.context import evidence_store, get_session
from election.services import evidence
from election.services.evidence.content import EXTENSIONS, MAX_BYTES

# A multipart body carries the file and a little more (boundaries, headers, a CSRF token).
BODY_ALLOWANCE = 64 * 1024
TOO_LARGE = f"Tệp quá lớn: tối đa {MAX_BYTES // (1024 * 1024)} MB"


UPLOADS = ("api.add_evidence", "web.tally_evidence", "web.send_evidence")
LIMIT = MAX_BYTES + BODY_ALLOWANCE


def _allow_uploads() -> None:
    """Before anything reads the body (the pages' CSRF check parses it): an upload's own limit,
    and a chunked upload read to disk within it."""
    if request.endpoint not in UPLOADS or request.method != "POST":
        return
    request.max_content_length = LIMIT
    length = request.content_length
    if length is not None and length > LIMIT:
        raise FileTooLarge(TOO_LARGE, {"file": [TOO_LARGE]})
    if length is None and request.mimetype == "multipart/form-data":
        spool_chunked_body(LIMIT, TOO_LARGE)


def init_app(app: Flask) -> None:
    app.before_request(_allow_uploads)


def uploaded_file() -> BinaryIO:
    """The ``file`` field of a multipart body of at most 10 MB (spooled to disk, not memory)."""
    if request.mimetype != "multipart/form-data":
        raise UnsupportedFile(
            "Hãy gửi tệp dưới dạng multipart/form-data, trường «file»",
            {"file": ["Thiếu tệp"]},
        )
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge as exc:
        raise FileTooLarge(TOO_LARGE, {"file": [TOO_LARGE]}) from exc
    if upload is None:
        raise InvalidInput("Thiếu tệp ảnh hoặc PDF (trường «file»)", {"file": ["Bắt buộc"]})
    return upload.stream


def spool_chunked_body(limit: int, too_large: str) -> None:
    """A body sent without Content-Length (chunked): read it to disk first, refusing it past
    ``limit``, so the form parser then reads a body of known length (and never a cut one)."""
    source = request.environ["wsgi.input"]
    spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 - kept as body
    total = 0
    while chunk := source.read(64 * 1024):
        total += len(chunk)
        if total > limit:
            spool.close()
            raise FileTooLarge(too_large, {"file": [too_large]})
        spool.write(chunk)
    spool.seek(0)
    request.environ["wsgi.input"] = spool
    request.environ["CONTENT_LENGTH"] = str(total)
    request.environ.pop("wsgi.input_terminated", None)
    request.environ.pop("HTTP_TRANSFER_ENCODING", None)

    @after_this_request
    def close(response: Response) -> Response:
        spool.close()
        return response


def attach(record_id: int) -> evidence.Attached:
    """The upload attached to the record; who may not attach is refused before it is read."""
    session = get_session()
    evidence.may_attach(session, g.user, record_id)
    return evidence.attach(session, evidence_store(), g.user, record_id, uploaded_file())


def file_response(sha256: str) -> Response:
    """The stored file, streamed in chunks, shown in place (inline) and never cached."""
    session = get_session()
    file, chunks = evidence.open_file(session, evidence_store(), g.user, sha256)

    def body():
        try:
            yield from chunks
        finally:
            session.rollback()

    response = Response(stream_with_context(body()), mimetype=file.media_type)
    response.headers["Content-Length"] = str(file.size)
    response.headers["Content-Disposition"] = (
        f"inline; filename={file.sha256[:16]}.{EXTENSIONS[file.media_type]}"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
