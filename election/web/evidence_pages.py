"""The photo of the paper record on the pages: attach it, show it beside the figures."""

from __future__ import annotations

from flask import flash, redirect, url_for

from election.domain.errors import DomainError
from election.errors import status_of
from election.http import evidence as files
from election.http.access import login_required
from election.http.routes import Routes
from election.web.tallies import record_page

routes = Routes()


@routes.post("/tally/record/<int(max=2147483647):record_id>/evidence")
@login_required("officer", "reviewer")
def tally_evidence(record_id: int):
    """Attach a photo or scan of the signed record (the officer's phone camera, or a file)."""
    try:
        files.attach(record_id)
    except DomainError as exc:
        return record_page(
            record_id, status_of(exc), exc.message, errors=exc.errors, form="evidence"
        )
    flash("Đã đính kèm ảnh biên bản.")
    return redirect(url_for("web.tally_record", record_id=record_id, _anchor="evidence-title"))


@routes.get("/evidence/<string(length=64):sha256>")
@login_required()
def evidence_file(sha256: str):
    """A stored photo or scan, to whoever may read a record it belongs to."""
    return files.file_response(sha256)
