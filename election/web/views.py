"""Sign-in, sign-out and each role's home page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from election.db import ping
from election.domain.errors import InvalidInput, Unauthorized
from election.errors import answers_json
from election.http.access import (
    login_required,
    public,
    second_factor_page,
    sign_in,
    signed_in_user,
    start_second_factor,
)
from election.http.context import get_session
from election.http.routes import Routes
from election.services.audit import chain as audit
from election.services.identity import signin, users
from election.services.identity.users import ROLE_NAMES
from election.services.setup import setup_writer, structure

routes = Routes()


class LoginForm(FlaskForm):
    username = StringField(
        "Tên đăng nhập", validators=[DataRequired("Hãy nhập tên đăng nhập"), Length(max=80)]
    )
    password = PasswordField(
        "Mật khẩu", validators=[DataRequired("Hãy nhập mật khẩu"), Length(max=200)]
    )


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths, so the login page cannot bounce users elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@routes.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = signin.authenticate(
                get_session(),
                form.username.data,
                form.password.data,
                request.remote_addr,
                current_app.config["TOTP_REQUIRED_ROLES"],
            )
        except Unauthorized as exc:
            error = exc.message
        else:
            next_page = _safe_next(request.args.get("next"))
            if signin.needs_totp(user, current_app.config["TOTP_REQUIRED_ROLES"]):
                start_second_factor(user, next_page)
                return redirect(url_for(second_factor_page()))
            sign_in(user)
            return redirect(next_page or url_for("web.home"))
    status = 401 if error else 200
    return render_template("login.html", form=form, error=error), status


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        "Mật khẩu hiện tại",
        validators=[DataRequired("Hãy nhập mật khẩu hiện tại"), Length(max=200)],
    )
    new_password = PasswordField(
        "Mật khẩu mới", validators=[DataRequired("Hãy nhập mật khẩu mới"), Length(max=200)]
    )
    confirm = PasswordField(
        "Nhập lại mật khẩu mới",
        validators=[DataRequired("Hãy nhập lại mật khẩu mới"), Length(max=200)],
    )


@routes.route("/password", methods=["GET", "POST"])
@login_required()
def change_password():
    user = signed_in_user()
    form = PasswordForm()
    errors: dict[str, list[str]] = {}
    status = 200
    if form.validate_on_submit():
        if form.new_password.data != form.confirm.data:
            errors = {"confirm": ["Hai lần nhập mật khẩu mới không giống nhau"]}
        else:
            try:
                changed = users.change_password(
                    get_session(), user.id, form.current_password.data, form.new_password.data
                )
            except InvalidInput as exc:
                errors = exc.errors
            else:
                # This session stays; every other session of the user ends.
                session["epoch"] = changed.session_epoch
                flash("Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã kết thúc.")
                return redirect(url_for("web.home"))
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("password.html", form=form, errors=errors), status


@routes.route("/logout", methods=["POST"])
@public
def logout():
    """End the session here and on the server: the cookie, even copied, opens nothing more."""
    user = signed_in_user()
    if user is not None:
        users.sign_out(get_session(), user.id)
    session.clear()
    flash("Bạn đã đăng xuất.")
    return redirect(url_for("web.login"))


@routes.route("/")
@login_required()
def home():
    user = signed_in_user()
    db = get_session()
    context = {
        "user": user,
        "role_name": ROLE_NAMES[user.role],
        "election": structure.election(db),
        "overview": structure.overview(db),
    }
    if user.role == "officer":
        context["voting_area"] = structure.voting_area_view(db, user.voting_area.code, user)
    elif user.role == "reviewer":
        context["area"] = structure.area_view(db, user.area.code)
    elif context["election"] is None:
        context["area"] = None  # nothing set up yet: the admin's first step is the setup page
    else:
        context["area"] = structure.area_view(db)
    if user.role == "board":
        context["anchor"] = audit.anchor(db)
    return render_template(f"home_{user.role}.html", **context)


@routes.route("/setup/template.xlsx")
@login_required("admin")
def setup_template():
    return Response(
        setup_writer.blank_template(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename=mau-thiet-lap-bau-cu.xlsx"},
    )


@routes.route("/healthz")
@public
@answers_json
def healthz():
    """For a load balancer: 200 while the database answers; 503 (errors.py) when it does not."""
    ping(get_session())
    return {"status": "ok"}
