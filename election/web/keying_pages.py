"""Blind second keying on the pages: key a record from its photo, reconcile a mismatch."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, g, redirect, request, url_for

from election.domain.errors import DomainError
from election.errors import status_of
from election.http.access import login_required
from election.http.context import get_session
from election.http.routes import Routes
from election.services import evidence, tallies
from election.services.tallies import keying
from election.web.tallies import (
    REVIEWERS,
    key_page,
    offers_for,
    page,
    record_page,
)
from election.web.tally_fields import parse_record

routes = Routes()


@dataclass(frozen=True)
class KeyView:
    """A keying as the reconciliation table shows it: its fields by their API name."""

    matches: bool
    differences: list[str]
    created_at: object
    values: dict


@routes.post("/tally/record/<int(max=2147483647):record_id>/key")
@login_required(*REVIEWERS)
def tally_key(record_id: int):
    """A blind keying of the current version; a mismatch goes to reconciliation."""
    db = get_session()
    view = tallies.read(db, g.user, record_id)
    data, values, errors = parse_record(request.form, view.candidates, view.seats)
    if errors or data is None:
        return key_page(view, 400, "Lần nhập lại chưa được lưu: hãy xem các lỗi", values, errors)
    expected = request.form.get("expected_version", "")
    try:
        keyed = keying.key(
            db,
            g.user,
            record_id,
            tallies.TallyInput.from_data(data),
            int(expected) if expected.isascii() and expected.isdigit() else None,
        )
    except DomainError as exc:
        return record_page(record_id, status_of(exc), exc.message)
    if keyed.matches:
        flash(f"Lần nhập lại khớp với phiên bản {keyed.version}; biên bản có thể được xác nhận.")
        return redirect(url_for("web.tally_record", record_id=record_id))
    flash(f"Lần nhập lại lệch ở {len(keyed.differences)} ô; hãy đối chiếu với ảnh biên bản.")
    return redirect(url_for("web.tally_reconcile", record_id=record_id))


@routes.get("/tally/record/<int(max=2147483647):record_id>/reconcile")
@login_required(*REVIEWERS)
def tally_reconcile(record_id: int):
    """The version beside every keying of it and the photo: return it, or correct it."""
    db = get_session()
    view = tallies.read(db, g.user, record_id)
    if view.blind:
        return key_page(view)
    current = view.record.current_version
    keyings = [
        (KeyView(k.matches, list(k.differences), k.created_at, _flat(k.entry)), by)
        for k, by in keying.keying_entries(db, record_id)
        if k.version == current
    ]
    found = keying.quality(db, [(record_id, current)])[record_id]
    return page(
        "tally_reconcile.html",
        view=view,
        files=evidence.of_records(db, [record_id])[record_id],
        keyings=keyings,
        quality=found,
        offers=offers_for(view),
    )


def _flat(entry: dict) -> dict:
    """A keyed entry's fields by their API names: ``ballots_valid``, ``votes.QH1-2``."""
    values = {name: value for name, value in entry.items() if name not in ("votes", "names_kept")}
    values.update({f"votes.{code}": n for code, n in (entry.get("votes") or {}).items()})
    return values
