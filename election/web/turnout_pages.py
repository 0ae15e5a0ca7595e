"""Turnout during election day: the polling team's report form, the board's progress table."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from election.domain.errors import DomainError
from election.domain.numbers import fmt_int
from election.errors import status_of
from election.http.access import login_required
from election.http.context import get_session
from election.http.routes import Routes
from election.services.setup import structure
from election.services.tallies import turnout
from election.web.tally_fields import read_count

routes = Routes()


NONE_GIVEN = "Hãy nhập số cử tri đã bỏ phiếu của ít nhất một cấp bầu cử"


def _counts(form, contests: list[str]) -> tuple[dict[str, int], dict[str, list[str]]]:
    """The counts typed per contest (``voters_voted.CODE``; one ``contest`` + ``voters_voted``
    as the single-contest form sent), and a message per field that is not a count."""
    typed = {f"voters_voted.{code}": form.get(f"voters_voted.{code}", "") for code in contests}
    if form.get("contest") and "voters_voted" in form:
        typed = {f"voters_voted.{form['contest']}": form["voters_voted"]}
    counts, errors = {}, {}
    for name, raw in typed.items():
        number, problem = read_count(raw)
        if problem:
            errors[name] = [problem]
        elif number is not None:
            counts[name.partition(".")[2]] = number
    if not counts and not errors:
        errors["voters_voted"] = [NONE_GIVEN]
    return counts, errors


def _default_time(times: list[str], reported: dict[str, dict[str, int]], contests) -> str:
    """The first report time some contest of the voting area has not reported yet."""
    for t in times:
        if any(t not in reported.get(c, {}) for c in contests):
            return t
    return times[-1] if times else ""


@routes.route("/turnout/report", methods=["GET", "POST"])
@login_required("officer")
def turnout_report():
    """A polling team reports how many voters have voted by a report time, every contest of
    its voting area in one form; what it reported before is shown beside each field."""
    db = get_session()
    va = structure.voting_area_view(db, g.user.voting_area.code, g.user)
    codes = [c.contest.code for c in va.contests]
    times = turnout.times(db)
    errors: dict[str, list[str]] = {}
    status = 200
    form = request.form
    if request.method == "POST":
        counts, errors = _counts(form, codes)
        status = 400 if errors else status
        if not errors:
            slot = form.get("time", "")
            try:
                turnout.report_all(db, g.user, va.voting_area.code, slot, counts)
            except DomainError as exc:
                errors, status = exc.errors, status_of(exc)
            else:
                names = {c.contest.code: c.contest.name for c in va.contests}
                done = "; ".join(f"{names.get(c, c)}: {fmt_int(n)}" for c, n in counts.items())
                flash(f"Đã ghi nhận báo cáo lúc {slot}: {done}.")
                return redirect(url_for("web.turnout_report"), 303)
    reported = turnout.reported(db, va.voting_area)
    chosen = form.get("time") or _default_time(times, reported, codes)
    return (
        render_template(
            "turnout_report.html",
            va=va,
            times=times,
            chosen=chosen,
            reported=reported,
            errors=errors,
            form=form,
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
