"""The board's page "Tình hình": which units are decided, flags, and results at a past moment."""

from __future__ import annotations

from flask import g, render_template, request

from election.http.access import login_required
from election.http.context import get_session
from election.http.routes import Routes
from election.services.results import as_of, triage
from election.services.tallies import flags
from election.web.board import _chosen, _contests

routes = Routes()

MAX_FLAGS = 50  # the strangest first; the API gives them all
MAX_AS_OF = 30  # units shown as they stood at a chosen moment


@routes.get("/situation")
@login_required("board", "reviewer")
def situation():
    """Units undecided and close first, with reasons; flags; the results as of a chosen time."""
    db = get_session()
    contests = _contests()
    contest = _chosen(contests)
    units = triage.contest_triage(db, g.user, contest)
    chosen = as_of.seq_for_local_time(db, request.args.get("at"))
    past = []
    if chosen is not None:
        past = [as_of.unit_result(db, g.user, t.unit, chosen[0]) for t in units[:MAX_AS_OF]]
    marked = flags.flags_below(db, g.user.area_id or flags.root_area_id(db))
    return render_template(
        "situation.html",
        contests=contests,
        contest=contest,
        units=units,
        undecided=sum(not t.decided for t in units),
        flags=marked[:MAX_FLAGS],
        flags_total=len(marked),
        chosen=chosen,
        chosen_text=request.args.get("at", ""),
        chosen_time=None if chosen is None else as_of.event_time(db, chosen[0]),
        past=past,
    )
