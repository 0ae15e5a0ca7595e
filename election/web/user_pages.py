"""The admin's users page (/admin/users): list, search, create one or a whole area's teams
with printable credential slips, reset, unlock, deactivate, reactivate, change scope.

A generated password is shown once, on the answer to the request that made it: the page of
a new user or a reset, or the slips workbook of a batch, which is that request's download
and is kept nowhere.
"""

from __future__ import annotations

import io

from flask import current_app, flash, g, redirect, render_template, request, send_file, url_for

from election.domain.errors import DomainError, InvalidInput
from election.domain.numbers import fmt_int
from election.errors import status_of
from election.http.access import login_required
from election.http.context import get_session
from election.http.downloads import XLSX
from election.http.routes import Routes
from election.models import ROLES
from election.services.identity import accounts, team_sheet, teams
from exports.credential_slips import Slip, credential_slips

routes = Routes()

FILTERS = ("q", "role", "area")
SCOPE_LABELS = {
    "officer": "Tổ bầu cử – khu vực bỏ phiếu",
    "reviewer": "Người kiểm tra – khu vực",
}


def _page_number() -> int:
    value = request.args.get("page", "1") or "1"
    if not value.isascii() or not value.isdigit() or len(value) > 6:
        raise InvalidInput("Số trang không hợp lệ", {"page": ["Phải là số nguyên dương"]})
    return int(value)


def _page(
    errors: dict | None = None,
    status: int = 200,
    shown: tuple[str, str] | None = None,
    form: str = "",
):
    """The users page; ``shown`` is (username, password) of a password shown this once."""
    session = get_session()
    filters = {k: request.args.get(k, "") for k in FILTERS}
    try:
        listing = accounts.listing(
            session, g.user, filters["q"], filters["role"], filters["area"], _page_number()
        )
    except DomainError as exc:
        # A bad filter: the page still answers, with an empty list and the filter's error.
        listing = accounts.UserPage([], 0, 1, 1)
        errors = {"_": [exc.message], **exc.errors, **(errors or {})}
        status = max(status, status_of(exc))
    return (
        render_template(
            "users.html",
            listing=listing,
            filters=filters,
            areas=accounts.area_choices(session),
            roles=ROLES,
            errors=errors or {},
            shown=shown,
            posted=request.form if request.method == "POST" else {},
            form=form,
            limit=_limit(),
            keep=_kept(listing.page),
        ),
        status,
    )


def _refused(exc: DomainError, form: str):
    return _page({"_": [exc.message], **exc.errors}, status_of(exc), form=form)


def _limit() -> int:
    return int(current_app.config.get("USER_BATCH_LIMIT", teams.DEFAULT_LIMIT))


def _kept(page: int = 1) -> dict[str, str | int]:
    """The listing's filters and page, which ride along in each form's action."""
    kept: dict[str, str | int] = {k: request.args.get(k, "")[:100] for k in FILTERS}
    kept = {k: v for k, v in kept.items() if v}
    return kept | ({"page": page} if page > 1 else {})


def _back():
    """The listing as it was filtered before the action."""
    page = request.args.get("page", "")
    return redirect(url_for("web.users_page", **_kept(int(page) if page.isdigit() else 1)))


@routes.get("/admin/users")
@login_required("admin")
def users_page():
    """Every account with its state, searched and filtered, 50 a page."""
    return _page()


@routes.post("/admin/users")
@login_required("admin")
def user_create():
    """One new user; their generated password is shown on this answer only."""
    form = request.form
    try:
        new = accounts.create_person(
            get_session(),
            g.user,
            form.get("username", "").strip(),
            form.get("full_name", "").strip(),
            form.get("role", "").strip(),
            form.get("area", "").strip(),
        )
    except DomainError as exc:
        return _refused(exc, "create")
    return _page(shown=(new.user.username, new.password))


@routes.post("/admin/users/teams")
@login_required("admin")
def user_teams_create():
    """The missing accounts of every polling team of an area (and of a sheet's staff), all or
    nothing; the answer is the workbook of their credential slips, downloadable this once."""
    upload = request.files.get("sheet")
    sheet = None
    if upload is not None and upload.filename:
        sheet = team_sheet.read_sheet(upload.filename, upload.read())
    try:
        batch = teams.create_teams(
            get_session(), g.user, request.form.get("team_area", ""), sheet, _limit()
        )
    except DomainError as exc:
        return _refused(exc, "teams")
    if not batch.credentials:
        flash(
            f"{batch.area_name}: cả {fmt_int(batch.existing)} tài khoản đã có; "
            "không có tài khoản nào cần tạo."
        )
        return _back()
    slips = [
        Slip(
            SCOPE_LABELS[c.role],
            f"{c.scope_code} — {c.scope_name}",
            c.full_name,
            c.username,
            c.password,
        )
        for c in batch.credentials
    ]
    root = current_app.config.get("PUBLIC_URL") or request.host_url.rstrip("/")
    content = credential_slips(
        slips, f"{root}/login", f"{batch.area_name} ({batch.area_code}) — phiếu tài khoản"
    )
    flash(
        f"{batch.area_name}: đã cấp {fmt_int(len(slips))} tài khoản "
        f"({fmt_int(batch.existing)} tài khoản đã có trước); tệp phiếu tài khoản chỉ tải một lần."
    )
    response = send_file(
        io.BytesIO(content),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"phieu-tai-khoan-{batch.area_code.lower()}.xlsx",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@routes.post("/admin/users/<int(max=2147483647):user_id>/reset")
@login_required("admin")
def user_password_reset(user_id: int):
    """A new generated password, shown once; the user changes it at their next sign-in."""
    try:
        user, password = accounts.reset_password(get_session(), g.user, user_id)
    except DomainError as exc:
        return _refused(exc, "")
    return _page(shown=(user.username, password))


@routes.post("/admin/users/<int(max=2147483647):user_id>/unlock")
@login_required("admin")
def user_unlock(user_id: int):
    """Lift the sign-in throttle of an account at once."""
    try:
        user = accounts.unlock(get_session(), g.user, user_id)
    except DomainError as exc:
        return _refused(exc, "")
    flash(f"Đã mở khóa tài khoản «{user.username}»; người dùng đăng nhập lại được ngay.")
    return _back()


@routes.post("/admin/users/<int(max=2147483647):user_id>/deactivate")
@login_required("admin")
def user_deactivate(user_id: int):
    """No more sign-in or token for the account; its sessions end."""
    return _set_active(user_id, False)


@routes.post("/admin/users/<int(max=2147483647):user_id>/reactivate")
@login_required("admin")
def user_reactivate(user_id: int):
    """The account signs in again (with its password as it was)."""
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    try:
        user = accounts.set_active(get_session(), g.user, user_id, active)
    except DomainError as exc:
        return _refused(exc, "")
    done = "kích hoạt lại" if active else "vô hiệu hóa"
    flash(f"Đã {done} tài khoản «{user.username}».")
    return _back()


@routes.post("/admin/users/<int(max=2147483647):user_id>/scope")
@login_required("admin")
def user_scope_change(user_id: int):
    """Another role and scope; the user's sessions end so it applies at once."""
    try:
        user = accounts.change_scope(
            get_session(),
            g.user,
            user_id,
            request.form.get("role", ""),
            request.form.get("area", ""),
        )
    except DomainError as exc:
        return _refused(exc, f"scope-{user_id}")
    flash(f"Đã đổi vai trò, phạm vi của «{user.username}».")
    return _back()
