"""The audit log over JSON: paging through events, verifying the chain."""

from __future__ import annotations

from flask import request

from election.http.access import token_required
from election.http.context import get_session
from election.http.errors import MalformedBody
from election.http.routes import Routes
from election.services.audit import chain as audit
from election.services.audit import check as audit_check

routes = Routes()

AUDITORS = ("board", "admin")


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18 or not low <= int(raw) <= high:
        raise MalformedBody(
            f"Tham số {name} phải là số nguyên từ {low} đến {high}", {name: ["Không hợp lệ"]}
        )
    return int(raw)


@routes.get("/audit")
@token_required(*AUDITORS)
def audit_events():
    """Events after a sequence number, in order."""
    after = _int_arg("after", 0, 0, 10**15)
    limit = _int_arg("limit", 100, 1, 1000)
    events = audit.page(get_session(), after, limit)
    return {"events": [audit.as_dict(e) for e in events]}


@routes.get("/audit/verify")
@token_required(*AUDITORS)
def audit_verify():
    """Recompute the chain and compare every stored tally version with its event."""
    report = audit_check.verify(get_session())
    return {
        "ok": report.ok,
        "events": report.events,
        "first_bad_seq": report.first_bad_seq,
        "reason": report.reason,
    }
