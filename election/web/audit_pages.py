"""The audit log pages: newest first, a jump to a number or a time, and the check of the chain."""

from __future__ import annotations

import datetime as dt

from flask import render_template, request

from election.domain.clock import VIETNAM_TIME
from election.domain.errors import InvalidInput, NotFound
from election.domain.numbers import fmt_int
from election.http.access import login_required
from election.http.context import get_session
from election.http.routes import Routes
from election.services import tallies
from election.services.audit import check as audit_check
from election.services.audit import listing
from election.services.setup import structure
from election.web.audit_names import ACTIONS, OBJECTS, action_name, describe

routes = Routes()

AUDITORS = ("board", "admin")
PAGE_SIZE = 100
SHORT = 160
POSITIONS = ("seq", "at", "before", "after")
TIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")


def _compact(content: dict | None) -> tuple[str, str | None]:
    """An event's before/after in Vietnamese on one line, and the whole when that is cut."""
    line = describe(content)
    if len(line) <= SHORT:
        return line, None
    return line[:SHORT] + "…", line


def _number(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 15:
        raise InvalidInput(
            f"Tham số {name} phải là số thứ tự sự kiện", {name: ["Nhập một số nguyên không âm"]}
        )
    return int(raw)


def _moment() -> dt.datetime | None:
    """``at``, a time on Vietnam's clocks as the browser's date-time field sends it."""
    raw = request.args.get("at", "").strip()
    if not raw:
        return None
    for form in TIME_FORMATS:
        try:
            return dt.datetime.strptime(raw, form).replace(tzinfo=VIETNAM_TIME)
        except ValueError:
            continue
    raise InvalidInput(
        "Thời điểm không hợp lệ", {"at": ["Nhập ngày giờ dạng 2026-05-23T14:30 (giờ Việt Nam)"]}
    )


def _position() -> dict:
    """Where the page starts: the reader's jump (a number or a time) or the pager's link."""
    given = [name for name in POSITIONS if request.args.get(name, "").strip()]
    if len(given) > 1:
        message = "Chỉ chọn một: số sự kiện, thời điểm hoặc trang"
        raise InvalidInput(message, {name: [message] for name in given})
    return {
        "seq": _number("seq"),
        "at": _moment(),
        "before": _number("before"),
        "after": _number("after"),
    }


def _audit_page(check=None):
    db = get_session()
    filters = {
        name: request.args.get(name, "").strip() for name in ("voting_area", "actor", "action")
    }
    if filters["action"] and filters["action"] not in ACTIONS:
        raise InvalidInput(
            "Thao tác không hợp lệ", {"action": ["Chọn một thao tác trong danh sách"]}
        )
    where = _position()
    status, message, events, target = 200, None, [], where["seq"]
    chosen = listing.Chosen(filters["action"] or None, filters["actor"] or None)
    if filters["voting_area"]:
        try:
            va = structure.voting_area_by_code(db, filters["voting_area"])
        except NotFound as exc:
            status, message = 404, exc.message
        else:
            ids = [str(r.id) for r in tallies.record_ids_of(db, va.id).values()]
            chosen = listing.Chosen(chosen.action, chosen.actor, "tally", ids)
    newest = listing.newest_seq(db)
    if message is None and where["seq"] is not None and where["seq"] > newest:
        status = 404
        message = (
            f"Chưa có sự kiện số {fmt_int(where['seq'])}: sự kiện mới nhất là số {fmt_int(newest)}"
        )
    if message is None and where["at"] is not None:
        target = listing.last_at(db, where["at"])
        if target is None:
            message = "Không có sự kiện nào từ thời điểm này trở về trước"
    if message is None:
        if where["after"] is not None:
            events = listing.newer(db, chosen, PAGE_SIZE, where["after"])
        else:
            start = target + 1 if target is not None else where["before"]
            events = listing.older(db, chosen, PAGE_SIZE, start)
    kept = {k: v for k, v in filters.items() if v}
    pager = {
        "newer": {**kept, "after": events[0].seq} if events and events[0].seq < newest else None,
        "older": (
            {**kept, "before": events[-1].seq}
            if len(events) == PAGE_SIZE and events[-1].seq > 1
            else None
        ),
    }
    ids = [int(e.object_id) for e in events if e.object_type == "tally" and _is_id(e.object_id)]
    return render_template(
        "audit.html",
        rows=[(e, _compact(e.before), _compact(e.after)) for e in events],
        filters=filters,
        kept=kept,
        pager=pager,
        paged=any(request.args.get(name) for name in POSITIONS),
        target=target,
        jump={"seq": request.args.get("seq", ""), "at": request.args.get("at", "")},
        actions=ACTIONS,
        action_name=action_name,
        object_names=OBJECTS,
        records=tallies.names_of(db, ids),
        message=message,
        check=check,
    ), status


def _is_id(text: str | None) -> bool:
    return bool(text) and text.isascii() and text.isdigit() and len(text) < 10


@routes.get("/audit")
@login_required(*AUDITORS)
def audit_log():
    """Events newest first, 100 a page, from a number or a time; filtered by area, user, action."""
    return _audit_page()


@routes.get("/audit/verify")
@login_required(*AUDITORS)
def audit_verify():
    """Recompute the chain and compare every stored tally version with its event."""
    return _audit_page(audit_check.verify(get_session()))
