"""API tokens on the pages: everyone's own (/tokens), and the admin's view of all (/admin/tokens).

No page issues a token that acts as another person: a user issues their own; an admin also
those of service accounts, which the admin page creates.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from election.domain.errors import DomainError
from election.errors import status_of
from election.http.access import login_required
from election.http.context import get_session
from election.http.routes import Routes
from election.services.identity import tokens, users

routes = Routes()


def _page(
    admin_view: bool,
    new_token: str | None = None,
    errors: dict | None = None,
    status: int = 200,
    confirm: int | None = None,
):
    rows = tokens.listing(get_session(), g.user)
    asked = next((t for t in rows if t.id == confirm), None)
    if confirm is not None and asked is None:
        errors, status = {"_": [f"Không có mã truy cập số {confirm}"]}, 404
    elif asked is not None and asked.revoked_at is not None:
        errors, status = {"_": [f"Mã truy cập số {confirm} đã bị thu hồi trước đó"]}, 409
        asked = None
    return (
        render_template(
            "tokens.html",
            rows=rows,
            new_token=new_token,
            errors=errors or {},
            form=request.form,
            admin_view=admin_view,
            confirm=asked,
        ),
        status,
    )


def _issue(admin_view: bool, username: str):
    try:
        token = tokens.issue(get_session(), g.user, username, request.form.get("label", ""))
    except DomainError as exc:
        return _page(admin_view, errors={"_": [exc.message], **exc.errors}, status=status_of(exc))
    return _page(admin_view, new_token=token)


def _revoke(admin_view: bool, token_id: int):
    if request.form.get("confirm") != "1":
        # The first press only asks: nothing is revoked without confirm=1 (issue #20).
        return _page(admin_view, confirm=token_id)
    try:
        tokens.revoke(get_session(), g.user, token_id)
    except DomainError as exc:
        return _page(admin_view, errors={"_": [exc.message]}, status=status_of(exc))
    flash(f"Đã thu hồi mã truy cập số {token_id}.")
    return redirect(url_for("web.token_list" if admin_view else "web.own_tokens"))


@routes.get("/tokens")
@login_required()
def own_tokens():
    """The signed-in user's own API tokens."""
    return _page(False)


@routes.post("/tokens")
@login_required()
def own_token_issue():
    """A token for the signed-in user; shown on this answer only."""
    return _issue(False, g.user.username)


@routes.post("/tokens/<int(max=2147483647):token_id>/revoke")
@login_required()
def own_token_revoke(token_id: int):
    """Ask to confirm, then (``confirm=1``) revoke one of the user's own tokens at once."""
    return _revoke(False, token_id)


@routes.get("/admin/tokens")
@login_required("admin")
def token_list():
    """Every API token with its owner, label, creation and last use."""
    return _page(True)


@routes.post("/admin/tokens")
@login_required("admin")
def token_issue():
    """Issue a token for the admin or a service account; it is shown on this answer only."""
    return _issue(True, request.form.get("username", "").strip())


@routes.post("/admin/service-accounts")
@login_required("admin")
def service_account_create():
    """Create a role-less (read-only) service account; its first token is shown once."""
    try:
        new = users.create_service_account(
            get_session(),
            g.user,
            request.form.get("service_username", "").strip(),
            request.form.get("full_name", "").strip()[:200],
        )
    except DomainError as exc:
        errors = {"_": [exc.message]}
        errors.update({f"service_{k}": v for k, v in exc.errors.items()})
        return _page(True, errors=errors, status=status_of(exc))
    return _page(True, new_token=new.token)


@routes.post("/admin/tokens/<int(max=2147483647):token_id>/revoke")
@login_required("admin")
def token_revoke(token_id: int):
    """Ask to confirm, then (``confirm=1``) revoke a token at once."""
    return _revoke(True, token_id)
