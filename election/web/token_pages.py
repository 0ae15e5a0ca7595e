"""The admin's page of API tokens: issue one (shown once), see their last use, revoke."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from election.domain.errors import DomainError
from election.errors import status_of
from election.http.access import login_required
from election.http.context import get_session
from election.http.routes import Routes
from election.services.identity import tokens

routes = Routes()


def _page(new_token: str | None = None, errors: dict | None = None, status: int = 200):
    rows = tokens.listing(get_session(), g.user)
    return (
        render_template(
            "tokens.html", rows=rows, new_token=new_token, errors=errors or {}, form=request.form
        ),
        status,
    )


@routes.get("/admin/tokens")
@login_required("admin")
def token_list():
    """Every API token with its owner, label, creation and last use."""
    return _page()


@routes.post("/admin/tokens")
@login_required("admin")
def token_issue():
    """Issue a token for a user; it is shown on this answer only."""
    try:
        token = tokens.issue(
            get_session(),
            g.user,
            request.form.get("username", "").strip(),
            request.form.get("label", ""),
        )
    except DomainError as exc:
        return _page(errors={"_": [exc.message], **exc.errors}, status=status_of(exc))
    return _page(new_token=token)


@routes.post("/admin/tokens/<int(max=2147483647):token_id>/revoke")
@login_required("admin")
def token_revoke(token_id: int):
    """Revoke a token at once."""
    try:
        tokens.revoke(get_session(), g.user, token_id)
    except DomainError as exc:
        return _page(errors={"_": [exc.message]}, status=status_of(exc))
    flash(f"Đã thu hồi mã truy cập số {token_id}.")
    return redirect(url_for("web.token_list"))
