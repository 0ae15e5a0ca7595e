"""The board's page of an electoral unit: each round's figures, candidates and outcome.

While a round is incomplete nothing is concluded: the page says "Đang tổng hợp" and marks
the candidates within the seats as leading (domain.md §6.6). Where the law is silent the
board chooses the next round here, with its reason (§6.5).
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from election.domain.errors import DomainError
from election.domain.numbers import fmt_date, iso_utc
from election.domain.results import shares as compute_shares
from election.errors import status_of
from election.http.access import login_required
from election.http.context import get_session
from election.http.reads import lag_tolerant
from election.http.routes import Routes
from election.schemas import results as out
from election.services import results
from election.services.certification import read as certification
from election.services.results import as_of, coverage, rounds, triage
from election.web import forms_pages
from election.web.board import (
    chosen_moment,
    count_cell,
    figures,
    no_store,
    share_cell,
    updated_text,
)

routes = Routes()

NO_RESULT = "Chưa có kết quả"
NO_RECORD = "Chưa có khu vực bỏ phiếu nào gửi biên bản kiểm phiếu."
NOTHING_TO_DO = "Không có vấn đề nào cần Ủy ban bầu cử xử lý."
COUNTING = "Đang tổng hợp"
BOARD_DECIDES = "Ủy ban bầu cử quyết định vòng bầu cử tiếp theo"
ROUND_NAMES = {"first": "Bầu cử lần đầu", "additional": "Bầu cử thêm", "re_election": "Bầu cử lại"}


def _flags(outcome) -> list[dict]:
    """Short labels above the notes: ``alert`` for what the board must act on."""
    if not outcome.complete:
        # No conclusion from partial data: not the law's words, only that counting goes on.
        return [{"kind": "info", "text": COUNTING}]
    alerts = []
    if outcome.void:
        alerts.append("Đề nghị bầu cử lại")
    if outcome.additional_election:
        alerts.append(f"Đề nghị bầu cử thêm {outcome.shortfall} đại biểu")
    elif outcome.board_decides:
        alerts.append(BOARD_DECIDES)
    elif outcome.shortfall > 0 and not outcome.void:
        alerts.append(f"Thiếu {outcome.shortfall} đại biểu")
    if outcome.tie_needs_decision:
        alerts.append("Ủy ban bầu cử quyết định trường hợp bằng phiếu")
    return [{"kind": "alert", "text": text} for text in alerts]


def _round_data(r, view, past: bool = False) -> dict:
    """One round of a unit for the page and its JSON; ``view`` the unit's (its roll).
    ``past``: the round as of a moment, when which records stood returned is not known."""
    result, outcome = r.result, r.outcome
    db = get_session()
    roll = coverage.unit_roll(db, view.contest.id, view.unit.id)
    returned = (
        0 if past else coverage.returned_in_unit(db, view.contest.id, r.round_no, view.unit.id)
    )
    # Before any record the law's conclusions (void: 0 of 0 voted) mean nothing yet.
    started = result.voting_areas_reported > 0
    concluded = r.complete
    return {
        "round": r.round_no,
        "round_name": ROUND_NAMES.get(r.kind, r.kind),
        "seats": r.seats,
        "complete": concluded,
        "figures": figures(
            result, compute_shares(result), r.verified, roll=roll, returned=returned
        ),
        "updated_text": updated_text(r.updated_at),
        "updated_at": iso_utc(r.updated_at) if r.updated_at else None,
        "flags": _flags(outcome) if started else [{"kind": "info", "text": NO_RESULT}],
        "alert": concluded
        and (
            outcome.void
            or outcome.shortfall > 0
            or outcome.board_decides
            or bool(outcome.tie_needs_decision)
        ),
        "notes": list(outcome.notes) if started else [],
        "no_notes": NOTHING_TO_DO if started else NO_RECORD,
        "candidates": [
            {
                "order": n,
                "code": c.code,
                "name": c.name,
                "date_of_birth": c.date_of_birth.isoformat(),
                "date_of_birth_text": fmt_date(c.date_of_birth),
                "votes": count_cell(c.votes),
                "pct_of_valid": share_cell(c.pct_of_valid),
                "qualified": c.qualified,
                "elected": c.elected,
                "leading": c.leading,
                "undecided": c.code in outcome.tie_needs_decision,
                "rank": c.rank,
            }
            for n, c in enumerate(outcome.candidates, start=1)
        ],
    }


def _winners(view) -> list[dict]:
    """The unit's winners over every round, each once, with the round that elected them."""
    rows: dict[str, dict] = {}
    for r in view.rounds:
        names = {c.code: c.name for c in r.outcome.candidates}
        for code in r.outcome.elected:
            rows.setdefault(
                code, {"name": names[code], "round_name": ROUND_NAMES.get(r.kind, r.kind)}
            )
    return list(rows.values())


def _unit_page(code: str, status: int = 200, error: DomainError | None = None):
    moment = chosen_moment()
    if moment is None:
        view = results.unit_result(get_session(), g.user, code)
    else:
        view = as_of.unit_result(get_session(), g.user, code, moment.seq)
    data = [_round_data(r, view, past=moment is not None) for r in view.rounds]
    course = view.course
    return render_template(
        "board_unit.html",
        unit=view.unit,
        contest=view.contest,
        current=data[-1],
        earlier=data[-2::-1],
        winners=_winners(view),
        course=course,
        # Triage, the next round and certification are about now, not about a past moment.
        decision=None if moment else triage.unit_triage(get_session(), view.unit),
        next_rounds=[(kind, rounds.KIND_NAMES[kind]) for kind in course.next_rounds],
        can_open=moment is None and g.user.role == "board" and bool(course.next_rounds),
        error=error,
        reason=request.form.get("reason", "") if error else "",
        live_url=None if moment else url_for("web.results_unit_json", code=view.unit.code),
        as_of=moment,
        form_links=forms_pages.unit_links(view.unit, view.current.round_no),
        certification=None if moment else certification.of_unit(get_session(), view.unit.id),
    ), status


@routes.get("/results/unit/<code>")
@login_required()
@lag_tolerant
def results_unit(code: str):
    """An electoral unit: seats, totals, candidates in ballot order, the outcome by law."""
    return _unit_page(code)


@routes.post("/results/unit/<code>/rounds")
@login_required("board")
def results_unit_open_round(code: str):
    """The board opens the next round of a unit; its reason is required where the law is silent."""
    kind = request.form.get("kind", "")
    reason = request.form.get("reason", "").strip() or None
    try:
        opened = rounds.open_round(get_session(), g.user, code, kind, reason)
    except DomainError as exc:
        return _unit_page(code, status_of(exc), exc)
    flash(f"Đã mở vòng {opened.round_no}: {rounds.KIND_NAMES[opened.kind]}.")
    return redirect(url_for("web.results_unit", code=code))


@routes.get("/results/unit/<code>.json")
@login_required()
@lag_tolerant
def results_unit_json(code: str):
    """The unit page's figures as JSON, for live updates (same access as the page)."""
    view = results.unit_result(get_session(), g.user, code)
    current = _round_data(view.current, view)
    return no_store({**out.unit_result(view), "current": current, "rounds_count": len(view.rounds)})
