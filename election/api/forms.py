"""Official forms over the API: the same workbooks as the web downloads, and code checks."""

from __future__ import annotations

from election.api import bp
from election.domain.numbers import iso_utc
from election.services import forms
from election.web.access import public, token_required
from election.web.context import get_session
from election.web.forms_pages import export_requested, export_ward_requested


@bp.get("/forms/<kind>")
@token_required()
def form_export(kind: str):
    """One official form as .xlsx: ?contest=QH&scope=CODE[&round=N]."""
    return export_requested(kind)


@bp.get("/forms/ward/<code>")
@token_required()
def ward_form_export(code: str):
    """All count records of a ward for a contest, one sheet each: ?contest=QH."""
    return export_ward_requested(code)


@bp.get("/verify/<code>")
@public
def verify(code: str):
    """Whether the record a verification code was printed on still matches the data."""
    result = forms.verify(get_session(), code)
    return {
        "code": result.code,
        "matches": result.matches,
        "form": result.kind_name,
        "scope": result.scope_name,
        "contest": result.contest_name,
        "exported_at": iso_utc(result.created_at),
        "audit_seq": result.audit_seq,
        "audit_seq_now": result.audit_seq_now,
    }
