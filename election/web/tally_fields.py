"""A count record's form fields: reading what was typed, and placing the messages.

Shared by the entry, review, correction, keying and outbox pages (``web.tallies`` and the
pages that build on it) and the turnout form (``read_count``).
"""

from __future__ import annotations

import re

from election.domain.tally import COMPLAINT_LABELS, LABELS
from election.schemas.tallies import COUNT_MESSAGE, MAX_COUNT
from election.services import tallies

KEPT_LABEL = "Số phiếu giữ lại {} tên"
# Digits, optionally grouped by '.' in threes as Vietnamese write them: "1480" or "1.480".
COUNT_TEXT = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+")
NOT_A_NUMBER = "Chỉ nhập chữ số, có thể dùng dấu chấm ngăn cách hàng nghìn (ví dụ 1.480)"
REQUIRED = "Hãy nhập số (không có thì ghi 0)"
KEPT_PARTIAL = "Hãy nhập đủ các dòng phân loại, hoặc để trống cả bảng"
MAX_TEXT = 2000
TOO_LONG = "Tối đa 2.000 ký tự"
# What is wrong with one field's own value, said under each such field.
PER_FIELD = frozenset((NOT_A_NUMBER, REQUIRED, KEPT_PARTIAL, COUNT_MESSAGE, TOO_LONG))


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


def form_values(figures, votes: dict, names_kept, comment, fmt=str) -> dict[str, str]:
    """Figures as form fields carry them: ``fmt_int`` for people to edit, ``str`` when hidden."""
    out = {name: fmt(figures[name]) for name in (*tallies.FIGURES, *tallies.COMPLAINTS)}
    out.update({f"votes.{code}": fmt(n) for code, n in votes.items()})
    out.update({f"names_kept.{k}": fmt(n) for k, n in enumerate(names_kept or (), start=1)})
    return {**out, "comment": comment or ""}


def by_field(problems: list[dict]) -> dict[str, list[str]]:
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


def summary_of(errors: dict[str, list[str]], candidates=()) -> list[tuple[str | None, str]]:
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
