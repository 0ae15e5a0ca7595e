"""Tally record pages: entry, review and submit; the record with its versions; the queue."""

from __future__ import annotations

import secrets

from flask import current_app, flash, g, redirect, render_template, request, session, url_for

from election.domain.errors import Conflict, DomainError, InvalidInput, NotFound, RuleBroken
from election.domain.numbers import fmt_int
from election.domain.tally import COMPLAINT_LABELS, LABELS
from election.errors import status_of
from election.http.access import login_required
from election.http.context import get_session
from election.http.routes import Routes
from election.services import evidence, tallies
from election.services.audit import chain as audit
from election.services.setup import structure
from election.services.tallies import keying, queue
from election.services.tallies.idempotency import MAX_KEY_LENGTH, Key
from election.web.tally_fields import (
    KEPT_LABEL,
    MAX_TEXT,
    TOO_LONG,
    by_field,
    form_values,
    parse_record,
    placed,
    summary_of,
)

routes = Routes()

REVIEWERS = ("reviewer", "board")
ALREADY_ENTERED = "Khu vực bỏ phiếu đã có biên bản cho cấp bầu cử này; nếu cần, hãy sửa biên bản."
# The figures between review and submit live in the signed session cookie, so the review page
# is a GET (Back after submit asks nothing); browsers drop cookies above 4 KB.
DRAFT = "tally_draft"
MAX_COOKIE = 3800


def _place(va_code: str, contest_code: str):
    """The voting area (scope-checked) and its contest with unit, candidates and roll count."""
    view = structure.voting_area_view(get_session(), va_code, g.user)
    for contest in view.contests:
        if contest.contest.code == contest_code:
            return view.voting_area, contest
    raise NotFound(f"Khu vực bỏ phiếu «{va_code}» không bầu cấp bầu cử «{contest_code}»")


def _key(data: dict) -> Key | None:
    value = request.form.get("idempotency_key", "")
    if not value or len(value) > MAX_KEY_LENGTH:
        return None
    return Key.of(value, "POST", request.path, data)


def int_field(name: str) -> int:
    raw = request.form.get(name, "")
    if not raw.isascii() or not raw.isdigit():
        raise InvalidInput("Thiếu số phiên bản của biên bản; hãy tải lại trang", {name: [raw]})
    return int(raw)


def page(template: str, status: int = 200, **context):
    """A tally page: each field's messages placed once (``placed``), the summary beside them."""
    names = {"labels": LABELS, "complaint_labels": COMPLAINT_LABELS, "kept_label": KEPT_LABEL}
    place = context.get("place")
    view = context.get("view")
    candidates = place.candidates if place else view.candidates if view else ()
    summary = summary_of(context.get("errors") or {}, candidates)
    context["errors"], marked = placed(context.get("errors") or {})
    return render_template(template, **names, summary=summary, marked=marked, **context), status


def _entry_page(va, place, values, errors, status=200, message=None):
    context = {"va": va, "place": place, "values": values, "errors": errors, "message": message}
    return page("tally_entry.html", status, **context)


def _drafts() -> dict[str, dict[str, str]]:
    drafts = session.get(DRAFT)
    return dict(drafts) if isinstance(drafts, dict) else {}


def _draft(va_code: str, contest_code: str) -> dict[str, str] | None:
    """The figures this user sent to review for this voting area and contest, if any."""
    values = _drafts().get(f"{va_code}/{contest_code}")
    return dict(values) if isinstance(values, dict) else None


def _keep_draft(va_code: str, contest_code: str, values: dict[str, str] | None) -> bool:
    """Keep (None: forget) the reviewed figures of one contest in the session, beside those of
    the others; False when they would not fit a cookie."""
    drafts = _drafts()
    drafts.pop(f"{va_code}/{contest_code}", None)
    if values is not None:
        drafts[f"{va_code}/{contest_code}"] = values
        serializer = current_app.session_interface.get_signing_serializer(current_app)  # type: ignore[attr-defined]
        if len(serializer.dumps({**session, DRAFT: drafts})) > MAX_COOKIE:
            _keep_draft(va_code, contest_code, None)
            return False
    if drafts:
        session[DRAFT] = drafts
    else:
        session.pop(DRAFT, None)
    return True


@routes.route("/tally/<va_code>/<contest_code>", methods=["GET", "POST"])
@login_required("officer")
def tally_entry(va_code: str, contest_code: str):
    """The entry form; a POST comes back from the review page with the figures as typed."""
    va, place = _place(va_code, contest_code)
    if request.method == "POST":
        _, values, _ = parse_record(request.form, place.candidates, place.seats)
    elif place.tally is not None:
        flash(ALREADY_ENTERED)
        return redirect(url_for("web.tally_record", record_id=place.tally.id))
    elif (draft := _draft(va_code, contest_code)) is not None:
        values = draft
    else:
        roll = place.voters_on_roll
        values = {"voters_on_roll": fmt_int(roll)} if roll is not None else {}
    return _entry_page(va, place, values, {})


def _review_page(va, place, data: dict, kept: bool = True):
    """The record as it will be stored, or the entry page when a rule now refuses it."""
    entry = tallies.TallyInput.from_data(data)
    problems, warnings = tallies.preview(get_session(), g.user, va.code, place.contest.code, entry)
    hidden = form_values(data, data["votes"], data["names_kept"], data["comment"])
    if problems:
        return _entry_page(va, place, hidden, by_field(problems), 422)
    return page(
        "tally_review.html",
        va=va,
        place=place,
        data=data,
        hidden=hidden,
        warnings=warnings,
        kept=kept,
        key=secrets.token_urlsafe(24),
    )


@routes.route("/tally/<va_code>/<contest_code>/review", methods=["GET", "POST"])
@login_required("officer")
def tally_review(va_code: str, contest_code: str):
    """POST: check the figures as submit would, keep them, 303 to the GET review page, which
    shows the record as it will be stored (post/redirect/get: Back never re-posts)."""
    va, place = _place(va_code, contest_code)
    if request.method == "GET":
        if place.tally is not None:
            flash(ALREADY_ENTERED)
            return redirect(url_for("web.tally_record", record_id=place.tally.id), 303)
        draft = _draft(va_code, contest_code)
        if draft is None:
            return redirect(url_for("web.tally_entry", va_code=va_code, contest_code=contest_code))
        data, values, errors = parse_record(draft, place.candidates, place.seats)
        if data is None:
            return _entry_page(va, place, values, errors, 400)
        return _no_store(_review_page(va, place, data))
    data, values, errors = parse_record(request.form, place.candidates, place.seats)
    if errors:
        return _entry_page(va, place, values, errors, 400)
    entry = tallies.TallyInput.from_data(data)
    problems, _warnings = tallies.preview(get_session(), g.user, va_code, contest_code, entry)
    if problems:
        return _entry_page(va, place, values, by_field(problems), 422)
    hidden = form_values(data, data["votes"], data["names_kept"], data["comment"])
    if not _keep_draft(va_code, contest_code, hidden):
        return _no_store(
            _review_page(va, place, data, kept=False)
        )  # too long for a cookie: shown at once
    return redirect(url_for("web.tally_review", va_code=va_code, contest_code=contest_code), 303)


def _no_store(response):
    """A page the browser must ask for again (after Back too), never keep in a cache."""
    body, status = response
    return body, status, {"Cache-Control": "no-store"}


@routes.post("/tally/<va_code>/<contest_code>/submit")
@login_required("officer")
def tally_submit(va_code: str, contest_code: str):
    """Store the reviewed record once (the review page's key), then 303 to its receipt."""
    va, place = _place(va_code, contest_code)
    data, values, errors = parse_record(request.form, place.candidates, place.seats)
    if errors:
        return _entry_page(va, place, values, errors, 400)
    entry = tallies.TallyInput.from_data(data)
    try:
        receipt = tallies.submit(
            get_session(), g.user, va_code, contest_code, entry, key=_key(data)
        )
    except RuleBroken as exc:
        return _entry_page(va, place, values, exc.errors, 422, exc.message)
    except Conflict as exc:
        if "id" not in exc.details:
            raise
        _keep_draft(va_code, contest_code, None)
        flash(ALREADY_ENTERED)
        return redirect(url_for("web.tally_record", record_id=exc.details["id"]), 303)
    _keep_draft(va_code, contest_code, None)
    flash(f"Đã nộp biên bản, lưu thành phiên bản {receipt.version}.")
    return redirect(url_for("web.tally_record", record_id=receipt.id), 303)


def offers_for(view) -> dict[str, bool]:
    """The forms the page shows; the services still decide."""
    role, status = g.user.role, view.record.status
    return {
        "verify": role in REVIEWERS and status == "submitted" and not view.awaiting_keying,
        "return": role in REVIEWERS and status in ("submitted", "verified"),
        "correct": role == "reviewer" or (role == "officer" and status != "verified"),
        "evidence": role == "reviewer" or (role == "officer" and status != "verified"),
    }


def _current_values(view) -> dict[str, str]:
    v = view.current.version
    figures = {name: getattr(v, name) for name in (*tallies.FIGURES, *tallies.COMPLAINTS)}
    return form_values(figures, view.current.votes, v.names_kept, v.comment, fmt_int)


def key_page(view, status: int = 200, message=None, values=None, errors=None):
    """The blind keying page: the photo beside an empty form (the record page for a keyer)."""
    files = evidence.of_records(get_session(), [view.record.id])[view.record.id]
    context = {"view": view, "files": files, "message": message, "values": values or {}}
    return page("tally_key.html", status, errors=errors or {}, **context)


def record_page(record_id: int, status=200, message=None, values=None, errors=None, form=None):
    """The record page, with a message (and the open form's values) after a refused action."""
    db = get_session()
    view = tallies.read(db, g.user, record_id)
    if view.blind:
        return key_page(view, status, message)
    version = view.record.current_version
    context = {
        "view": view,
        "offers": offers_for(view),
        "files": evidence.of_records(db, [record_id])[record_id],
        "quality": keying.quality(db, [(record_id, version)])[record_id],
        "keying_required": keying.required(db),
        "code": tallies.receipt_code(db, record_id, view.record.current_version),
        "history": audit.page(db, 0, 1000, object_type="tally", object_ids=[str(record_id)]),
        "values": values if values is not None else _current_values(view),
        "errors": errors or {},
        "message": message,
        "open_form": form,
        "key": secrets.token_urlsafe(24),
        "kept": queue.carried(request.args),
    }
    return page("tally_record.html", status, **context)


@routes.get("/tally/record/<int(max=2147483647):record_id>")
@login_required()
def tally_record(record_id: int):
    """The record: receipt, versions side by side, and what the user may do with it."""
    return record_page(record_id)


@routes.post("/tally/record/<int(max=2147483647):record_id>/correct")
@login_required("officer", "reviewer")
def tally_correct(record_id: int):
    """A new version with a reason, against the version the user saw."""
    view = tallies.read(get_session(), g.user, record_id)
    data, values, errors = parse_record(request.form, view.candidates, view.seats)
    values["reason"] = reason = request.form.get("reason", "").strip()
    if not reason or len(reason) > MAX_TEXT:
        errors["reason"] = [TOO_LONG if reason else "Hãy ghi lý do sửa biên bản"]
    expected = int_field("expected_version")
    if errors:
        message = "Bản sửa chưa được lưu: hãy xem các lỗi bên dưới"
        return record_page(record_id, 400, message, values, errors, "correct")
    body = {**data, "reason": reason, "expected_version": expected}
    entry = tallies.TallyInput.from_data(data)
    try:
        receipt = tallies.correct(
            get_session(), g.user, record_id, entry, reason, expected, _key(body)
        )
    except DomainError as exc:
        return record_page(record_id, status_of(exc), exc.message, values, exc.errors, "correct")
    flash(f"Đã lưu bản sửa thành phiên bản {receipt.version}.")
    return redirect(url_for("web.tally_record", record_id=record_id), 303)
