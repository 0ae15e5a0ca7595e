"""Who may open a route. Every view declares its rule with one of these decorators."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps

from flask import current_app, flash, g, redirect, request, session, url_for

from election.domain.errors import Forbidden, Unauthorized
from election.http.context import get_session, set_credential
from election.models import User
from election.services.identity import users

PUBLIC = "public"
# A signed-in page session ends after this long without a request (SESSION_IDLE_MINUTES)…
IDLE_SECONDS = 30 * 60
# …and this long after sign-in however busy it is (SESSION_MAX_HOURS): a copied cookie does
# not live for ever by being used.
MAX_SECONDS = 12 * 60 * 60
# Between a correct password and the one-time code, at most this long.
SECOND_FACTOR_SECONDS = 5 * 60


def public(view: Callable) -> Callable:
    """Anyone, signed in or not."""
    view.access = PUBLIC  # type: ignore[attr-defined]
    return view


def signed_in_user() -> User | None:
    """The user of the session cookie, if it is still valid."""
    if "user" in g:
        return g.user
    user = None
    uid = session.get("uid")
    now = int(time.time())
    if uid is not None and _expired(now):
        session.clear()  # idle too long, or signed in too long ago: sign in again
        uid = None
    if uid is not None:
        user = users.get_user(get_session(), uid)
        if user is None or not user.active or session.get("epoch") != user.session_epoch:
            session.clear()
            user = None
        else:
            session["seen"] = now
    g.user = user
    return user


def _expired(now: int) -> bool:
    idle = current_app.config.get("SESSION_IDLE_SECONDS", IDLE_SECONDS)
    longest = current_app.config.get("SESSION_MAX_SECONDS", MAX_SECONDS)
    return now - session.get("seen", 0) > idle or now - session.get("since", 0) > longest


def login_required(*roles: str) -> Callable[[Callable], Callable]:
    """A signed-in user with one of ``roles`` (any role when none are named)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = signed_in_user()
            if user is None and getattr(view, "answers_json", False):
                # A page's script gets an answer it can read, not the sign-in form.
                raise Unauthorized("Phiên đăng nhập đã hết; hãy đăng nhập lại")
            if user is None and pending_user_id() is not None:
                # Password given, one-time code not yet: every page waits for the code.
                return redirect(url_for(second_factor_page()))
            if user is None:
                return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
            if roles and user.role not in roles:
                raise Forbidden("Vai trò của bạn không được mở trang này")
            if user.must_change_password and request.endpoint not in PASSWORD_PAGES:
                flash("Hãy đặt mật khẩu mới trước khi làm việc.")
                return redirect(url_for("web.change_password"))
            return view(*args, **kwargs)

        wrapper.access = roles or ("officer", "reviewer", "board", "admin")  # type: ignore[attr-defined]
        return wrapper

    return decorate


# Pages a user whose password was generated may open before choosing their own.
PASSWORD_PAGES = ("web.change_password", "web.logout")


def start_second_factor(user: User, next_page: str | None) -> None:
    """Remember a user who gave the right password and still owes a one-time code."""
    session.clear()
    session["pending_uid"] = user.id
    session["pending_epoch"] = user.session_epoch
    session["pending_at"] = int(time.time())
    session["pending_enrolled"] = user.totp_secret is not None
    if next_page:
        session["next"] = next_page
    session.permanent = False


def pending_user_id() -> int | None:
    """The user half signed in by this session (password given, code not yet), if any."""
    uid = session.get("pending_uid")
    if uid is None:
        return None
    if int(time.time()) - session.get("pending_at", 0) > SECOND_FACTOR_SECONDS:
        session.clear()
        return None
    return uid


def second_factor_page() -> str:
    return "web.totp" if session.get("pending_enrolled") else "web.totp_setup"


def sign_in(user: User) -> str | None:
    """Make this a fully signed-in session of ``user``; the page asked for before, if any."""
    next_page = session.get("next")
    # A fresh session: nothing from before sign-in carries over.
    session.clear()
    session["uid"] = user.id
    session["epoch"] = user.session_epoch
    session["since"] = session["seen"] = int(time.time())
    session.permanent = False
    return next_page


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def token_required(*roles: str) -> Callable[[Callable], Callable]:
    """An API call with a valid ``Authorization: Bearer`` token of one of ``roles``."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthorized("Thiếu mã truy cập: gửi tiêu đề Authorization: Bearer <mã>")
            found = users.user_for_token(
                get_session(), token.strip(), writes=request.method not in SAFE_METHODS
            )
            if found is None:
                raise Unauthorized("Mã truy cập không hợp lệ hoặc đã bị thu hồi")
            user, token_id = found
            set_credential(f"token:{token_id}")
            if roles and user.role not in roles:
                raise Forbidden("Vai trò của bạn không được gọi thao tác này")
            g.user = user
            return view(*args, **kwargs)

        wrapper.access = roles or ("officer", "reviewer", "board", "admin")  # type: ignore[attr-defined]
        return wrapper

    return decorate
