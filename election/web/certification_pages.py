"""The board signs results off on the pages: a unit's round, a contest over an area; the list
of certifications, reopened ones first, with why (issue #17)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from election.domain.errors import DomainError, InvalidInput
from election.errors import status_of
from election.http.access import login_required
from election.http.context import get_session
from election.http.routes import Routes
from election.services import results
from election.services.certification import certify, read

routes = Routes()
MAX_SIGNERS = 1000


def _round_arg(value: str | None) -> int:
    if not value or not value.isascii() or not value.isdigit() or len(value) > 3:
        raise InvalidInput("Số vòng bầu cử không hợp lệ", {"round": ["Phải là số nguyên dương"]})
    return int(value)


def _signers() -> str | None:
    signers = request.form.get("signers", "").strip()
    if len(signers) > MAX_SIGNERS:
        raise InvalidInput("Tối đa 1.000 ký tự", {"signers": ["Tối đa 1.000 ký tự"]})
    return signers or None


def _confirm_page(code: str, round_no: int, status: int = 200, error: str | None = None):
    session = get_session()
    view = results.unit_result(session, g.user, code)
    chosen = next((r for r in view.rounds if r.round_no == round_no), None)
    if chosen is None:
        raise InvalidInput("Số vòng bầu cử không hợp lệ", {"round": ["Không có vòng này"]})
    try:
        digest, problem = certify.preview_unit(session, code, round_no), None
    except DomainError as exc:
        digest, problem = None, exc.message
    return render_template(
        "certify_unit.html",
        unit=view.unit,
        contest=view.contest,
        chosen=chosen,
        digest=digest,
        problem=problem,
        error=error,
        signers=request.form.get("signers", ""),
    ), status


@routes.get("/results/unit/<code>/certify")
@login_required("board")
def certify_unit_page(code: str):
    """What the board is about to sign: the round's figures, its winners, the digest."""
    return _confirm_page(code, _round_arg(request.args.get("round")))


@routes.post("/results/unit/<code>/certify")
@login_required("board")
def certify_unit(code: str):
    """Sign a unit's round off, with the names of those who sign."""
    round_no = _round_arg(request.form.get("round"))
    try:
        done = certify.certify_unit(get_session(), g.user, code, round_no, _signers())
    except DomainError as exc:
        return _confirm_page(code, round_no, status_of(exc), exc.message)
    flash(f"Đã xác nhận kết quả vòng {done.round} của {code}. Mã tổng hợp {done.digest[:16]}…")
    return redirect(url_for("web.results_unit", code=code))


@routes.post("/results/<code>/certify")
@login_required("board")
def certify_area(code: str):
    """Sign a contest off over an area: the city's ĐBQH result, a council's summary."""
    contest = request.form.get("contest", "")
    try:
        done = certify.certify_area(get_session(), g.user, code, contest, _signers())
    except DomainError as exc:
        flash(f"Chưa xác nhận được: {exc.message}")
        return redirect(url_for("web.certifications_page")), 303
    flash(f"Đã xác nhận kết quả {contest} của {code}. Mã tổng hợp {done.digest[:16]}…")
    return redirect(url_for("web.certifications_page"))


@routes.get("/certifications")
@login_required("board", "admin")
def certifications_page():
    """Every certification, reopened ones first, and the results the board may sign over areas."""
    session = get_session()
    listing = read.listing(session)
    reopened = read.reopened(session)
    return render_template(
        "certifications.html",
        listing=listing,
        reopened=reopened,
        targets=certify.area_targets(session),
    )
