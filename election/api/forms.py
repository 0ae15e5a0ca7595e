"""Official forms over the API: the same workbooks as the web downloads, and code checks."""

from __future__ import annotations

from election.domain.numbers import iso_utc
from election.http import downloads
from election.http.access import public, token_required
from election.http.context import get_session
from election.http.routes import Routes
from election.services import forms

routes = Routes()


@routes.get("/forms/<kind>")
@token_required()
def form_export(kind: str):
    """One official form as .xlsx: ?contest=QH&scope=CODE[&round=N]."""
    return downloads.export_requested(kind)


@routes.get("/forms/ward/<code>")
@token_required()
def ward_form_export(code: str):
    """All count records of a ward for a contest, one sheet each: ?contest=QH."""
    return downloads.export_ward_requested(code)


@routes.get("/verify/<code>")
@public
def verify(code: str):
    """Whether the record a verification code was printed on still matches the data."""
    result = forms.verify(get_session(), code)
    return {
        "code": result.code,
        "matches": result.matches,
        "reason": result.reason,
        "form": result.kind_name,
        "scope": result.scope_name,
        "contest": result.contest_name,
        "exported_at": iso_utc(result.created_at),
        "audit_seq": result.audit_seq,
        "audit_seq_now": result.audit_seq_now,
    }
