"""The audit log pages: filtered, paged events, and the check of the whole chain."""

from __future__ import annotations

import json

from flask import render_template, request

from election.domain.errors import InvalidInput, NotFound
from election.http.access import login_required
from election.http.context import get_session
from election.http.routes import Routes
from election.services import tallies
from election.services.audit import chain as audit
from election.services.audit import check as audit_check
from election.services.setup import structure

routes = Routes()

AUDITORS = ("board", "admin")
PAGE_SIZE = 100
ACTIONS = {
    "login": "Đăng nhập",
    "login.failed": "Đăng nhập thất bại",
    "user.create": "Tạo người dùng",
    "user.batch_create": "Tạo tài khoản các tổ bầu cử",
    "user.password_reset": "Đặt lại mật khẩu",
    "user.unlock": "Mở khóa tài khoản",
    "user.deactivate": "Vô hiệu hóa tài khoản",
    "user.reactivate": "Kích hoạt lại tài khoản",
    "user.scope_change": "Đổi vai trò, phạm vi",
    "setup.import": "Nạp thiết lập cuộc bầu cử",
    "roll.import": "Nạp danh sách cử tri",
    "tally.submit": "Nộp biên bản",
    "tally.correct": "Sửa biên bản",
    "tally.verify": "Xác nhận biên bản",
    "tally.return": "Trả lại biên bản",
}
OBJECT_NAMES = {
    "tally": "Biên bản số",
    "user": "Người dùng",
    "voting_area": "Khu vực bỏ phiếu",
    "area": "Khu vực",
}
SHORT = 120


def _flat(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key}={_flat(item)}" for key, item in value.items())
    if isinstance(value, list):
        return "[" + ", ".join(_flat(item) for item in value) + "]"
    return "—" if value is None else str(value)


def _compact(content: dict | None) -> tuple[str, str | None]:
    """A one-line form of an event's before/after, and the full form when that is cut short."""
    if content is None:
        return "—", None
    if isinstance(content, dict):
        line = "; ".join(f"{key}: {_flat(value)}" for key, value in content.items())
    else:
        line = _flat(content)
    if len(line) <= SHORT:
        return line, None
    return line[:SHORT] + "…", json.dumps(content, ensure_ascii=False, indent=1)


def _after() -> int:
    raw = request.args.get("after", "0") or "0"
    if not raw.isascii() or not raw.isdigit() or len(raw) > 15:
        raise InvalidInput("Tham số after phải là số thứ tự sự kiện (số nguyên không âm)")
    return int(raw)


def _audit_page(check=None):
    db = get_session()
    filters = {
        name: request.args.get(name, "").strip() for name in ("voting_area", "actor", "action")
    }
    if filters["action"] and filters["action"] not in ACTIONS:
        raise InvalidInput(
            "Thao tác không hợp lệ", {"action": ["Chọn một thao tác trong danh sách"]}
        )
    status, message, events = 200, None, []
    object_ids = None
    if filters["voting_area"]:
        try:
            va = structure.voting_area_by_code(db, filters["voting_area"])
        except NotFound as exc:
            status, message = 404, exc.message
        else:
            object_ids = [str(r.id) for r in tallies.record_ids_of(db, va.id).values()]
    if message is None:
        events = audit.page(
            db,
            _after(),
            PAGE_SIZE,
            action=filters["action"] or None,
            actor=filters["actor"] or None,
            object_type="tally" if object_ids is not None else None,
            object_ids=object_ids,
        )
    rows = [(e, _compact(e.before), _compact(e.after)) for e in events]
    following = None
    if len(events) == PAGE_SIZE:
        following = {**{k: v for k, v in filters.items() if v}, "after": events[-1].seq}
    return render_template(
        "audit.html",
        rows=rows,
        filters=filters,
        following=following,
        paged=bool(request.args.get("after")),
        actions=ACTIONS,
        object_names=OBJECT_NAMES,
        message=message,
        check=check,
    ), status


@routes.get("/audit")
@login_required(*AUDITORS)
def audit_log():
    """Events in order, 100 a page, filtered by voting area, user and action."""
    return _audit_page()


@routes.get("/audit/verify")
@login_required(*AUDITORS)
def audit_verify():
    """Recompute the chain and compare every stored tally version with its event."""
    return _audit_page(audit_check.verify(get_session()))
