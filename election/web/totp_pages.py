"""The second sign-in step of board and admin users: a one-time code (TOTP)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Regexp

from election.domain.errors import Unauthorized
from election.http.access import pending_user_id, public, second_factor_page, sign_in
from election.http.context import get_session
from election.http.routes import Routes
from election.services.identity import signin, users
from election.services.identity import totp as otp

routes = Routes()


class CodeForm(FlaskForm):
    code = StringField(
        "Mã xác thực",
        validators=[
            DataRequired("Hãy nhập mã xác thực"),
            Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message="Mã xác thực gồm 6 chữ số"),
        ],
    )


def _pending_user():
    """The half-signed-in user of this session, or None (their session is then cleared)."""
    uid = pending_user_id()
    if uid is None:
        return None
    user = users.get_user(get_session(), uid)
    if user is None or not user.active or user.session_epoch != session.get("pending_epoch"):
        session.clear()
        return None
    return user


def _code_page(template: str, confirm: Callable[[str], Any], **context: Any):
    """The code form: ``confirm(code)`` gives the user to sign in; a refused code answers 401."""
    form = CodeForm()
    errors: dict[str, list[str]] = {}
    status = 200
    if form.validate_on_submit():
        try:
            done = confirm(form.code.data)
        except Unauthorized as exc:
            errors, status = exc.errors, 401
        else:
            return redirect(sign_in(done) or url_for("web.home"))
    elif request.method == "POST":
        status = 400
    return render_template(template, form=form, errors=errors, **context), status


@routes.route("/totp", methods=["GET", "POST"])
@public
def totp():
    user = _pending_user()
    if user is None:
        return redirect(url_for("web.login"))
    if user.totp_secret is None:
        return redirect(url_for("web.totp_setup"))
    return _code_page(
        "totp.html",
        lambda code: signin.verify_totp(get_session(), user.id, code, request.remote_addr),
    )


@routes.route("/totp/setup", methods=["GET", "POST"])
@public
def totp_setup():
    user = _pending_user()
    if user is None:
        return redirect(url_for("web.login"))
    if user.totp_secret is not None:
        session["pending_enrolled"] = True
        return redirect(url_for(second_factor_page()))
    # The new secret lives in the signed session cookie until a code confirms it.
    secret = session.get("totp_new_secret")
    if not secret:
        secret = session["totp_new_secret"] = otp.new_secret()
    return _code_page(
        "totp_setup.html",
        lambda code: signin.confirm_totp_enrolment(
            get_session(), user.id, secret, code, request.remote_addr
        ),
        secret=otp.grouped(secret),
        uri=otp.provisioning_uri(secret, user.username),
    )
