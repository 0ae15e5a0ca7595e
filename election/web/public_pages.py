"""The public results page (CONTRACT §6.4): no sign-in, only what is certified."""

from __future__ import annotations

from flask import render_template, request

from election.http.access import public
from election.http.context import get_session
from election.http.public import conditional
from election.http.reads import lag_tolerant
from election.http.routes import Routes
from election.services.certification.public import contests, public_results, version

routes = Routes()


@routes.get("/public")
@public
@lag_tolerant
def public_page():
    """Certified units with their winners and figures; the rest "đang tổng hợp"."""
    session, contest = get_session(), request.args.get("contest")

    def build() -> bytes:
        view = public_results(session, contest)
        return render_template("public.html", view=view, contests=contests(session)).encode()

    return conditional(version(session, contest), "text/html", build)
