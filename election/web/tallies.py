"""Tally record pages: entry, review and submit; the record with its versions; the queue."""

from __future__ import annotations

import re
import secrets

from flask import current_app, flash, g, redirect, render_template, request, session, url_for

from election.domain.errors import Conflict, DomainError, InvalidInput, NotFound, RuleBroken
from election.domain.numbers import fmt_int
from election.domain.tally import COMPLAINT_LABELS, LABELS
from election.errors import status_of
from election.http.access import login_required
from election.http.context import get_session
from election.http.routes import Routes
from election.schemas.tallies import COUNT_MESSAGE, MAX_COUNT
from election.services import evidence, tallies
from election.services.audit import chain as audit
from election.services.setup import structure
from election.services.tallies import keying, queue
from election.services.tallies.idempotency import MAX_KEY_LENGTH, Key

routes = Routes()

KEPT_LABEL = "Số phiếu giữ lại {} tên"
REVIEWERS = ("reviewer", "board")
# Digits, optionally grouped by '.' in threes as Vietnamese write them: "1480" or "1.480".
COUNT_TEXT = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+")
NOT_A_NUMBER = "Chỉ nhập chữ số, có thể dùng dấu chấm ngăn cách hàng nghìn (ví dụ 1.480)"
REQUIRED = "Hãy nhập số (không có thì ghi 0)"
KEPT_PARTIAL = "Hãy nhập đủ các dòng phân loại, hoặc để trống cả bảng"
MAX_TEXT = 2000
TOO_LONG = "Tối đa 2.000 ký tự"
# What is wrong with one field's own value, said under each such field.
PER_FIELD = frozenset((NOT_A_NUMBER, REQUIRED, KEPT_PARTIAL, COUNT_MESSAGE, TOO_LONG))
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


def read_count(raw: str) -> tuple[int | None, str | None]:
    """A count as typed ("1.480", "1480", "1 480"): (the number, or None with why; an empty
    field is (None, None))."""
    text = raw.replace(" ", "").replace("\u00a0", "")
    digits = text.replace(".", "")
    if not text:
        return None, None
    if not COUNT_TEXT.fullmatch(text):
        return None, NOT_A_NUMBER
    # Past seven digits it is above MAX_COUNT; int() is never asked to read thousands of them.
    if len(digits.lstrip("0")) > len(str(MAX_COUNT)) or int(digits) > MAX_COUNT:
        return None, COUNT_MESSAGE
    return int(digits), None


def parse_record(form, candidates, seats: int) -> tuple[dict | None, dict, dict]:
    """A posted record: (the data for the services or None, the raw values, field errors)."""
    values: dict[str, str] = {}
    errors: dict[str, list[str]] = {}

    def count(name: str, required: bool = True) -> int | None:
        values[name] = raw = form.get(name, "").strip()
        number, problem = read_count(raw)
        if number is None and (problem or required):
            errors[name] = [problem or REQUIRED]
        return number

    data: dict = {name: count(name) for name in tallies.FIGURES}
    data["votes"] = {c.code: count(f"votes.{c.code}") for c in candidates}
    names = [f"names_kept.{k}" for k in range(1, seats + 1)]
    kept = [count(name, required=False) for name in names]
    given = [name for name in names if values[name]]
    if given and len(given) < len(names):
        for name in names:
            errors.setdefault(name, [] if values[name] else [KEPT_PARTIAL])
    data["names_kept"] = kept if given else None
    for name in tallies.COMPLAINTS:
        data[name] = count(name, required=False) or 0
    values["comment"] = comment = form.get("comment", "").strip()
    if len(comment) > MAX_TEXT:
        errors["comment"] = [TOO_LONG]
    data["comment"] = comment or None
    errors = {name: messages for name, messages in errors.items() if messages}
    return (None if errors else data), values, errors


def _form_values(figures, votes: dict, names_kept, comment, fmt=str) -> dict[str, str]:
    """Figures as form fields carry them: ``fmt_int`` for people to edit, ``str`` when hidden."""
    out = {name: fmt(figures[name]) for name in (*tallies.FIGURES, *tallies.COMPLAINTS)}
    out.update({f"votes.{code}": fmt(n) for code, n in votes.items()})
    out.update({f"names_kept.{k}": fmt(n) for k, n in enumerate(names_kept or (), start=1)})
    return {**out, "comment": comment or ""}


def _by_field(problems: list[dict]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for problem in problems:
        for name in problem["fields"] or ["_"]:
            errors.setdefault(name, []).append(problem["message"])
    return errors


def _form_rank(name: str) -> tuple[int, float]:
    """Where a field (or a group's message box) comes on the entry form, top to bottom."""
    head, _, tail = name.partition(".")
    if name in tallies.FIGURES:
        return (0, tallies.FIGURES.index(name))
    if head == "votes":
        return (1, 1 if not tail else 0)
    if head == "names_kept":
        return (2, int(tail) if tail.isdigit() else 1000)
    if name in tallies.COMPLAINTS:
        return (3, tallies.COMPLAINTS.index(name))
    return (4, ("comment", "reason").index(name) if name in ("comment", "reason") else 2)


def _rules(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each message with the fields it concerns; a message about one field's own value (empty,
    not a number) stays that field's even where another field has the same words."""
    fields_of: dict[str, list[str]] = {}
    for name, messages in errors.items():
        for message in messages:
            key = f"{name}\0{message}" if message in PER_FIELD else message
            fields_of.setdefault(key, []).append(name)
    return fields_of


def placed(errors: dict[str, list[str]]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Each rule's message once, under the lowest of its fields on the form; the rule's other
    fields are marked and point to it: (messages by field, field → the field showing it)."""
    shown: dict[str, list[str]] = {}
    marked: dict[str, str] = {}
    for key, names in _rules(errors).items():
        message = key.rpartition("\0")[2]
        last = max(names, key=_form_rank)
        shown.setdefault(last, []).append(message)
        for name in names:
            if name != last:
                marked.setdefault(name, last)
    return shown, marked


def _field_label(name: str, candidates) -> str | None:
    head, _, tail = name.partition(".")
    if name in LABELS:
        return LABELS[name]
    if head == "votes" and tail:
        found = [c.full_name for c in candidates if c.code == tail]
        return f"Số phiếu bầu cho {found[0]}" if found else None
    if head == "names_kept" and tail.isdigit():
        return KEPT_LABEL.format(tail)
    return {**COMPLAINT_LABELS, "comment": "Ghi chú", "reason": "Lý do sửa"}.get(name)


def _summary(errors: dict[str, list[str]], candidates=()) -> list[tuple[str | None, str]]:
    """Each message once, with the form field it points to when there is one; a message of
    one field starts with that field's name unless it already says it."""
    known = ("votes", "names_kept", "comment", "reason", *tallies.FIGURES, *tallies.COMPLAINTS)
    out: list[tuple[str | None, str]] = []
    for key, names in _rules(errors).items():
        message = key.rpartition("\0")[2]
        first = names[0]
        label = _field_label(first, candidates) if len(names) == 1 else None
        if label and not message.startswith(label):
            message = f"{label}: {message[:1].lower()}{message[1:]}"
        out.append((first if first.split(".")[0] in known else None, message))
    return out


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
    summary = _summary(context.get("errors") or {}, candidates)
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
    hidden = _form_values(data, data["votes"], data["names_kept"], data["comment"])
    if problems:
        return _entry_page(va, place, hidden, _by_field(problems), 422)
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
        return _entry_page(va, place, values, _by_field(problems), 422)
    hidden = _form_values(data, data["votes"], data["names_kept"], data["comment"])
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
    return _form_values(figures, view.current.votes, v.names_kept, v.comment, fmt_int)


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
