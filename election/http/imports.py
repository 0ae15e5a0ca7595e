"""Setup workbooks and voter rolls uploaded on the pages: streamed to IMPORT_DIR within limits."""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from pathlib import Path
from typing import IO, Any

from flask import Flask, current_app, request
from flask import Request as FlaskRequest
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from election.domain.errors import FileTooLarge, InvalidInput
from election.http.evidence import BODY_ALLOWANCE, spool_chunked_body
from election.services.imports.jobs import Settings

# The upload endpoints and the setting that limits each (in MB).
LIMITS = {"web.setup_upload": "SETUP_UPLOAD_MAX_MB", "web.roll_upload": "ROLL_UPLOAD_MAX_MB"}
UPLOAD_DIR = "election.upload_dir"  # the environ key that sends a request's files to disk
SUFFIXES = (".xlsx", ".xlsm", ".csv")


def settings() -> Settings:
    config = current_app.config
    return Settings(
        Path(config["IMPORT_DIR"]),
        int(config["IMPORT_STALE_SECONDS"]),
        int(config["UPLOAD_EXPIRY_HOURS"]),
    )


def too_large_message() -> str:
    return f"Tệp quá lớn: tối đa {_limit_mb()} MB"


def _limit_mb() -> int:
    return int(current_app.config[LIMITS[str(request.endpoint)]])


class Request(FlaskRequest):
    """A request whose uploaded files, on the import endpoints, are written to IMPORT_DIR."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        directory = self.environ.get(UPLOAD_DIR)
        if directory is None:
            return super()._get_file_stream(
                total_content_length, content_type, filename, content_length
            )
        # Deleted when the request ends; ``keep`` links the file under its own name first.
        return tempfile.NamedTemporaryFile(dir=directory, prefix="upload-", suffix=".part")


def _allow_uploads() -> None:
    """Before the CSRF check reads the body: the upload's own limit, its files to disk."""
    if request.endpoint not in LIMITS or request.method != "POST":
        return
    limit = _limit_mb() * 1024 * 1024 + BODY_ALLOWANCE
    request.max_content_length = limit
    length = request.content_length
    if length is not None and length > limit:
        raise FileTooLarge(too_large_message(), {"file": [too_large_message()]})
    directory = settings().directory
    directory.mkdir(parents=True, exist_ok=True)
    request.environ[UPLOAD_DIR] = str(directory)
    if length is None and request.mimetype == "multipart/form-data":
        spool_chunked_body(limit, too_large_message())


def init_app(app: Flask) -> None:
    app.request_class = Request
    app.before_request(_allow_uploads)


def uploaded() -> FileStorage:
    """The ``file`` field of the upload form."""
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge as exc:
        raise FileTooLarge(too_large_message(), {"file": [too_large_message()]}) from exc
    if upload is None or not upload.filename:
        raise InvalidInput("Chưa chọn tệp để tải lên", {"file": ["Hãy chọn một tệp"]})
    return upload


def keep(upload: FileStorage) -> tuple[str, str, int]:
    """Keep an upload in IMPORT_DIR under a name of ours: (stored name, SHA-256, size)."""
    suffix = Path(upload.filename or "").suffix.lower()
    stored = uuid.uuid4().hex + (suffix if suffix in SUFFIXES else "")
    target = settings().directory / stored
    stream: Any = upload.stream
    stream.flush()
    if getattr(stream, "name", None) and os.path.exists(stream.name):
        os.link(stream.name, target)  # already on disk, in the same directory
    else:
        upload.save(target)  # a small part held in memory by the parser
    digest = hashlib.sha256()
    size = 0
    with open(target, "rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return stored, digest.hexdigest(), size
