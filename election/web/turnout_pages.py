"""Turnout during election day: the polling team's report form, the board's progress table."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from election.domain.errors import DomainError
from election.errors import status_of
from election.http.access import login_required
from election.http.context import get_session
from election.http.routes import Routes
from election.services.setup import structure
from election.services.tallies import turnout
from election.web.tallies import COUNT_TEXT, NOT_A_NUMBER

routes = Routes()


@routes.route("/turnout/report", methods=["GET", "POST"])
@login_required("officer")
def turnout_report():
    """A polling team reports how many voters have voted by a report time."""
    db = get_session()
    va = structure.voting_area_view(db, g.user.voting_area.code, g.user)
    times = turnout.times(db)
    errors: dict[str, str] = {}
    status = 200
    form = request.form
    if request.method == "POST":
        text = form.get("voters_voted", "").replace(" ", "")
        if not COUNT_TEXT.fullmatch(text):
            errors["voters_voted"] = NOT_A_NUMBER
            status = 400
        else:
            try:
                turnout.report(
                    db,
                    g.user,
                    va.voting_area.code,
                    form.get("contest", ""),
                    form.get("time", ""),
                    int(text.replace(".", "")),
                )
            except DomainError as exc:
                errors["voters_voted"] = exc.message
                status = status_of(exc)
            else:
                flash(f"Đã ghi nhận báo cáo lúc {form.get('time')} cho cấp {form.get('contest')}.")
                return redirect(url_for("web.turnout_report"))
    _area, rows = turnout.progress(db, g.user, None) if g.user.role != "officer" else (None, [])
    return (
        render_template(
            "turnout_report.html", va=va, times=times, errors=errors, form=form, rows=rows
        ),
        status,
    )


@routes.route("/turnout")
@login_required("reviewer", "board", "admin")
def turnout_progress():
    """Turnout so far per contest and report time in an area."""
    db = get_session()
    area, rows = turnout.progress(db, g.user, request.args.get("area") or _default_area())
    view = structure.area_view(db, area.code)
    return render_template("turnout.html", area=view, rows=rows, times=turnout.times(db))


def _default_area() -> str | None:
    return g.user.area.code if g.user.role == "reviewer" else None
