"""Output schemas of results and progress (CONTRACT §5 "Results")."""

from __future__ import annotations

import json
from decimal import Decimal

from marshmallow import RAISE, Schema, fields, validate

from election.domain.numbers import iso_utc, percent_text
from election.domain.results import shares as compute_shares


def pct(value: Decimal | None) -> str | None:
    """Percentages travel as strings with two decimals ("99.85"), or null."""
    return None if value is None else f"{value:.2f}"


def _totals(result, shares) -> dict:
    return {
        "voting_areas_total": result.voting_areas_total,
        "voting_areas_reported": result.voting_areas_reported,
        "voters_on_roll": result.voters_on_roll,
        "voters_voted": result.voters_voted,
        "turnout_pct": pct(shares.turnout_pct),
        "ballots_issued": result.ballots_issued,
        "ballots_received": result.ballots_received,
        "ballots_valid": result.ballots_valid,
        "ballots_invalid": result.ballots_invalid,
        "valid_pct": pct(shares.valid_pct),
        "invalid_pct": pct(shares.invalid_pct),
    }


def area_result(view) -> dict:
    share = view.pct_of_valid
    return {
        **_area_head(view),
        "candidates": [
            {
                "code": c.code,
                "name": c.name,
                "unit": c.unit,
                "votes": c.votes,
                "pct_of_valid": pct(share.get(c.code)),
            }
            for c in view.candidates
        ],
    }


def _area_head(view) -> dict:
    return {
        "area": view.code,
        "name": view.name,
        "level": view.level,
        "contest": view.contest.code,
        **_totals(view.result, view.shares),
        "voting_areas_verified": view.verified,
        "updated_at": iso_utc(view.updated_at) if view.updated_at else None,
    }


def area_result_json(view) -> bytes:
    """``area_result(view)`` as compact JSON, its candidate lines from cached fragments.

    The nation's answer has 920 lines and is rebuilt after every change to it, which
    moves the votes of one unit: a line whose votes and base are what they were keeps
    its text, and a new line reuses the encoding of its code, name and unit.
    """
    valid = view.valid_of_unit
    texts = []
    for c in view.candidates:
        base = valid.get(c.unit, 0)
        key = (view.code, c.code, c.name, c.unit)
        known = _LINE_TEXTS.get(key)
        if known is not None and known[0] == c.votes and known[1] == base:
            texts.append(known[2])
            continue
        if known is None:
            if len(_LINE_TEXTS) >= _LINE_TEXTS_SIZE:
                _LINE_TEXTS.clear()
            head = f'{{"code":{_dumps(c.code)},"name":{_dumps(c.name)},"unit":{_dumps(c.unit)},"votes":'
        else:
            head = known[3]
        value = percent_text(c.votes, base)
        share = "null" if value is None else f'"{value}"'
        text = f'{head}{c.votes},"pct_of_valid":{share}}}'
        _LINE_TEXTS[key] = (c.votes, base, text, head)
        texts.append(text)
    return (_dumps(_area_head(view))[:-1] + ',"candidates":[' + ",".join(texts) + "]}").encode()


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# (area, code, name, unit) of a candidate line → (votes, base, its text, the text up to
# the votes). A worker reading every area of the nation would keep a million of them, so
# the cache starts over past this size.
_LINE_TEXTS: dict[tuple[str, str, str, str], tuple[int, int, str, str]] = {}
_LINE_TEXTS_SIZE = 50_000


def _round(r) -> dict:
    """One round: its seats and ballot; no conclusion while it is incomplete (CONTRACT §6.1)."""
    o = r.outcome
    return {
        "round": r.round_no,
        "round_kind": r.kind,
        **_totals(r.result, compute_shares(r.result)),
        "voting_areas_verified": r.verified,
        "seats": r.seats,
        "complete": r.complete,
        "verified": r.verified == r.result.voting_areas_total,
        "turnout_ok": o.turnout_ok,
        "void": o.void,
        "candidates": [
            {
                "code": c.code,
                "name": c.name,
                "date_of_birth": c.date_of_birth.isoformat(),
                "votes": c.votes,
                "pct_of_valid": pct(c.pct_of_valid),
                "qualified": c.qualified,
                "elected": c.elected,
                "leading": c.leading,
                "rank": c.rank,
            }
            for c in o.candidates
        ],
        "elected": list(o.elected),
        "shortfall": o.shortfall,
        "additional_election": o.additional_election,
        "re_election": o.re_election,
        "tie_needs_decision": list(o.tie_needs_decision),
        "board_decides": o.board_decides,
        "notes": list(o.notes),
        "updated_at": iso_utc(r.updated_at) if r.updated_at else None,
    }


def unit_result(view) -> dict:
    """The current round's fields at the top, every round, and the unit's course."""
    rounds = [_round(r) for r in view.rounds]
    course = view.course
    return {
        "unit": view.unit.code,
        "code": view.unit.code,
        "name": view.unit.name,
        "contest": view.contest.code,
        **rounds[-1],
        "rounds": rounds,
        # The union of every round's winners, each once, earliest round first.
        "winners": list(course.elected),
        "unit_seats": course.seats,
        "still_open": course.still_open,
        "next_rounds": list(course.next_rounds),
        "board_decides": course.board_decides,
    }


class ProgressOut(Schema):
    contest = fields.String()
    voting_areas_total = fields.Integer()
    reported = fields.Integer()
    verified = fields.Integer()
    updated_at = fields.Function(lambda p: iso_utc(p.updated_at) if p.updated_at else None)
    with_photo = fields.Integer()
    keyed = fields.Integer()
    matched = fields.Integer()


class RoundIn(Schema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(
            ["additional", "re_election"],
            error="Chọn additional (bầu cử thêm) hoặc re_election (bầu cử lại)",
        ),
        error_messages={"required": "Bắt buộc phải có", "invalid": "Phải là chuỗi ký tự"},
    )
    # Required by the service when the law is silent and the board decides (domain.md §6.5).
    reason = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=1000, error="Tối đa 1.000 ký tự"),
        error_messages={"invalid": "Phải là chuỗi ký tự"},
    )

    class Meta:
        unknown = RAISE


class RoundOut(Schema):
    """The round a board member has just opened."""

    unit = fields.String()
    round = fields.Integer(attribute="round_no")
    kind = fields.String()
