"""Evidence over JSON: attach a photo or scan to a record, fetch a stored file (CONTRACT §6.3)."""

from __future__ import annotations

from election.http import evidence as files
from election.http.access import token_required
from election.http.routes import Routes
from election.schemas.evidence import AttachedOut

routes = Routes()


@routes.post("/tallies/<int(max=2147483647):record_id>/evidence")
@token_required()
def add_evidence(record_id: int):
    """Attach a photo or scan of the signed paper record (multipart field ``file``)."""
    return AttachedOut().dump(files.attach(record_id)), 201


@routes.get("/evidence/<string(length=64):sha256>")
@token_required()
def get_evidence(sha256: str):
    """A stored file, to whoever may read a record it is attached to."""
    return files.file_response(sha256)
