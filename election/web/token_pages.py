"""The admin's page of API tokens: issue one (shown once), see their last use, revoke."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from election.domain.errors import DomainError
from election.errors import STATUS
from election.services.identity import tokens
from election.web import bp
from election.web.access import login_required
from election.web.context import get_session


def _status(exc: DomainError) -> int:
    return next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)


def _page(new_token: str | None = None, errors: dict | None = None, status: int = 200):
    rows = tokens.listing(get_session(), g.user)
    return (
        render_template(
            "tokens.html", rows=rows, new_token=new_token, errors=errors or {}, form=request.form
        ),
        status,
    )


@bp.get("/admin/tokens")
@login_required("admin")
def token_list():
    """Every API token with its owner, label, creation and last use."""
    return _page()


@bp.post("/admin/tokens")
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
        get_session().rollback()
        return _page(errors={"_": [exc.message], **exc.errors}, status=_status(exc))
    return _page(new_token=token)


@bp.post("/admin/tokens/<int(max=2147483647):token_id>/revoke")
@login_required("admin")
def token_revoke(token_id: int):
    """Revoke a token at once."""
    try:
        tokens.revoke(get_session(), g.user, token_id)
    except DomainError as exc:
        get_session().rollback()
        return _page(errors={"_": [exc.message]}, status=_status(exc))
    flash(f"Đã thu hồi mã truy cập số {token_id}.")
    return redirect(url_for("web.token_list"))
