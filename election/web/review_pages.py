"""The reviewer's pages: the queue of the scope, and verify or return going on to the next."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for

from election.domain.errors import DomainError, InvalidInput
from election.domain.setup import CONTEST_LABELS
from election.errors import status_of
from election.http.access import login_required
from election.http.context import get_session
from election.http.routes import Routes
from election.services import tallies
from election.services.setup import structure
from election.services.tallies import flags, keying, queue
from election.services.tallies.queue import QueueFilter
from election.web.tallies import REVIEWERS, int_field, page, record_page
from election.web.tally_fields import MAX_TEXT, TOO_LONG

routes = Routes()


@routes.post("/tally/record/<int(max=2147483647):record_id>/verify")
@login_required(*REVIEWERS)
def tally_verify(record_id: int):
    """A second person confirms the version they saw, then goes on to the next record."""
    return _decide(
        record_id,
        lambda db: tallies.verify(db, g.user, record_id, int_field("expected_version")),
        "Đã xác nhận biên bản {}.",
    )


@routes.post("/tally/record/<int(max=2147483647):record_id>/return")
@login_required(*REVIEWERS)
def tally_return(record_id: int):
    """Send the record back to its polling team with a reason, then go on to the next."""
    reason = request.form.get("reason", "").strip()
    if not reason or len(reason) > MAX_TEXT:
        problem = TOO_LONG if reason else "Hãy ghi lý do trả lại biên bản"
        errors = {"return_reason": [problem]}
        return record_page(record_id, 400, problem, errors=errors, form="return")
    return _decide(
        record_id,
        lambda db: tallies.return_(db, g.user, record_id, reason, int_field("expected_version")),
        "Đã trả lại biên bản {} cho Tổ bầu cử.",
    )


def _decide(record_id: int, decision, done: str):
    """Make the decision, then 303 to the next record of the queue under the same filters."""
    db = get_session()
    before = queue.position(db, g.user, record_id)
    if before is None:  # no such record, or outside the user's scope: 404 or 403
        return record_page(record_id)
    chosen = QueueFilter.of(request.args)
    queue.check(db, g.user, chosen)  # a bad filter is refused before anything is written
    try:
        decision(db)
    except DomainError as exc:
        return record_page(record_id, status_of(exc), exc.message)
    kept = queue.carried(request.args)
    following = queue.next_record(db, g.user, chosen, before.key, record_id)
    name = f"{before.voting_area} · {CONTEST_LABELS[before.contest]}"
    if following is None:
        flash(done.format(name) + " Không còn biên bản nào khác khớp bộ lọc.")
        return redirect(url_for("web.review_queue", **kept), 303)
    flash(done.format(name) + " Đây là biên bản tiếp theo trong danh sách.")
    return redirect(url_for("web.tally_record", record_id=following, **kept), 303)


@routes.get("/review")
@login_required(*REVIEWERS)
def review_queue():
    """Every record in the user's scope, filtered and paged; those with warnings first."""
    chosen = QueueFilter.of(request.args)
    raw_page = request.args.get("page", "1")
    if not raw_page.isascii() or not raw_page.isdigit() or len(raw_page) > 6:
        raise InvalidInput("Trang không hợp lệ", {"page": ["Phải là số nguyên dương"]})
    db = get_session()
    found = queue.queue(db, g.user, chosen, int(raw_page))
    return page(
        "review_queue.html",
        found=found,
        items=found.items,
        chosen=request.args.get("status", "submitted"),
        filters=chosen,
        kept=queue.carried(request.args),
        waiting=queue.waiting(db, g.user),
        areas=queue.areas_in_scope(db, g.user),
        contests=structure.contests_with_units(db),
        keying_required=keying.required(db),
        flags=flags.flags_of_records(db, g.user, [item.id for item in found.items]),
    )
