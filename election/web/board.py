"""The board's results pages: an area's figures and drill-down (a unit's: ``board_unit``).

Every page has a JSON twin (``….json``) that ``static/board.js`` polls to update it in place.
Both are built from the same ``figures`` texts, so a live update shows what a reload would.
The services check the reader's scope and raise Forbidden outside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby

from flask import g, redirect, render_template, request, url_for

from election.domain.clock import in_vietnam
from election.domain.errors import NotFound
from election.domain.numbers import fmt_int, fmt_pct
from election.http.access import login_required
from election.http.context import get_session
from election.http.reads import lag_tolerant
from election.http.routes import Routes
from election.schemas import results as out
from election.services import results, scope
from election.services.results import as_of, coverage, reporting
from election.services.setup import structure
from election.services.tallies import keying
from election.web import forms_pages
from election.web.filters import STATUS_NAMES

routes = Routes()

NOT_REPORTED = "Chưa có biên bản"
NOT_YET = "chưa có"
NO_UPDATE = "Chưa có biên bản nào được gửi"
# An area spanning more units than this links to the units instead of listing every candidate
# (a city's commune councils have thousands), and above MAX_UNIT_LINKS to the units list.
MAX_UNITS_LISTED = 12
MAX_UNIT_LINKS = 60
# At a past moment each drill-down row is rebuilt from the versions: only this many.
MAX_PAST_ROWS = 40
PAST_ROWS_HIDDEN = (
    "Bảng {count} đơn vị trực thuộc tại thời điểm đã chọn không được hiển thị (quá {limit}): "
    "mở trang của từng đơn vị để xem."
)


def updated_text(at: dt.datetime | None) -> str:
    """A stored UTC time as 'Cập nhật lúc 19:42:05 ngày 23/05/2021' (Vietnam time)."""
    if at is None:
        return NO_UPDATE
    return in_vietnam(at).strftime("Cập nhật lúc %H:%M:%S ngày %d/%m/%Y")


def bar_width(pct: Decimal | None) -> int:
    """A percentage as a whole 0–100 for the ``w-N`` width classes of board.css."""
    if pct is None:
        return 0
    return max(0, min(100, int(pct.quantize(Decimal(1), rounding=ROUND_HALF_UP))))


def count_cell(value: int) -> dict:
    return {"value": value, "text": fmt_int(value)}


def share_cell(value: Decimal | None) -> dict:
    return {"value": out.pct(value), "text": fmt_pct(value), "bar": bar_width(value)}


def roll_text(result, roll: int | None) -> str:
    """Voters on the roll of the reported voting areas, and of them all while some are out:
    "1.234 (của 3/4 khu vực đã báo cáo; cả danh sách 2.000)"."""
    reported, total = result.voting_areas_reported, result.voting_areas_total
    text = fmt_int(result.voters_on_roll)
    if roll is None or reported >= total:
        return text
    return (
        f"{text} (của {fmt_int(reported)}/{fmt_int(total)} khu vực đã báo cáo; "
        f"cả danh sách {fmt_int(roll)})"
    )


def returned_cell(returned: int) -> dict:
    return {"value": returned, "text": f"{fmt_int(returned)} bị trả lại" if returned else ""}


def figures(
    result, shares, verified: int, level: str = "", roll: int | None = None, returned: int = 0
) -> dict[str, dict]:
    """A result's figures: raw ``value`` (and ``max``) and the vi-VN ``text`` shown. ``roll``
    is the full roll of the voting areas the result will cover; ``returned`` the counted
    records sent back to their teams."""
    total = result.voting_areas_total
    shown = {
        "voters_on_roll": {**count_cell(result.voters_on_roll), "text": roll_text(result, roll)},
        "voters_voted": count_cell(result.voters_voted),
        "turnout_pct": share_cell(shares.turnout_pct),
        "ballots_issued": count_cell(result.ballots_issued),
        "ballots_received": count_cell(result.ballots_received),
        "ballots_valid": count_cell(result.ballots_valid),
        "valid_pct": share_cell(shares.valid_pct),
        "ballots_invalid": count_cell(result.ballots_invalid),
        "invalid_pct": share_cell(shares.invalid_pct),
        "returned": returned_cell(returned),
        **{
            name: {"value": n, "max": total, "text": f"{fmt_int(n)}/{fmt_int(total)}"}
            for name, n in (("reported", result.voting_areas_reported), ("verified", verified))
        },
    }
    if level == "voting_area" and not result.voting_areas_reported:
        # A voting area without a record has its roll and nothing else yet: zeros would read
        # as counts.
        shown = {k: {**v, "text": NOT_YET} if "max" not in v else v for k, v in shown.items()}
        shown["voters_on_roll"] = {
            "value": roll,
            "text": fmt_int(roll) if roll is not None else "—",
        }
        shown["returned"] = returned_cell(0)
    return shown


@dataclass(frozen=True)
class Moment:
    """The board's chosen moment: the last audit event at or before the time asked for."""

    seq: int
    time: dt.datetime | None
    text: str


def chosen_moment() -> Moment | None:
    """``?at=`` (Vietnam time) as a moment of the chain; None for the live page."""
    text = request.args.get("at")
    chosen = as_of.seq_for_local_time(get_session(), text)  # a bad time: 400 with the field
    if chosen is None:
        return None
    return Moment(chosen[0], as_of.event_time(get_session(), chosen[0]), text or "")


def _as_it_stood(context: dict, contest: str, seq: int) -> dict:
    """The area page's figures as they stood right after event ``seq`` (CONTRACT §6.5)."""
    db = get_session()
    own = as_of.area_result(db, g.user, context["own"].code, contest, seq)
    rows = context["rows"]
    hidden = len(rows) > MAX_PAST_ROWS
    past_rows = [] if hidden else [_past_row(row, contest, seq) for row in rows]
    record = context.get("record")
    if record is not None and not own.result.voting_areas_reported:
        record = None  # the voting area had not reported yet
    return {
        **context,
        "own": own,
        "rows": past_rows,
        "record": record,
        "rows_hidden": PAST_ROWS_HIDDEN.format(count=fmt_int(len(rows)), limit=MAX_PAST_ROWS)
        if hidden
        else None,
    }


def _past_row(row, contest: str, seq: int):
    past = as_of.area_result(get_session(), g.user, row.code, contest, seq)
    status = row.status
    if row.level == "voting_area":
        # Reported then but not verified: submitted (a return is not told apart here).
        reported, verified = past.result.voting_areas_reported, past.verified
        status = "verified" if verified else "submitted" if reported else None
    return replace(
        row,
        result=past.result,
        shares=past.shares,
        verified=past.verified,
        status=status,
        updated_at=past.updated_at,
    )


def _contests() -> list:
    """The contests that have electoral units, each with its units."""
    return [(c, units) for c, units in structure.contests_with_units(get_session()) if units]


def _chosen(contests: list) -> str:
    """The contest of ``?contest=``, by default the first one."""
    if not contests:
        raise NotFound("Chưa có cuộc bầu cử nào được thiết lập")
    code = request.args.get("contest") or contests[0][0].code
    if code not in {c.code for c, _ in contests}:
        raise NotFound(f"Không có cấp bầu cử mã «{code}»", {"contest": ["Mã không tồn tại"]})
    return code


def _crumbs(area, contest: str) -> list[dict]:
    """City → … → ``area``; areas outside the reader's scope are shown without a link."""
    chain = []
    while area is not None:
        chain.append(area)
        area = area.parent
    return [
        {
            "name": a.name,
            "href": url_for("web.results_area", code=a.code, contest=contest)
            if scope.area_inside(g.user, a)
            else None,
        }
        for a in reversed(chain)
    ]


def _child(row, contest: str, roll: int | None, returned: int) -> dict:
    return {
        "code": row.code,
        "name": row.name,
        "level": row.level,
        "href": url_for("web.results_area", code=row.code, contest=contest),
        "status": row.status,
        "status_text": STATUS_NAMES.get(row.status, NOT_REPORTED),
        "record_href": url_for("web.tally_record", record_id=row.record_id)
        if row.record_id
        else None,
        "figures": figures(row.result, row.shares, row.verified, row.level, roll, returned),
    }


def _candidates(own) -> list[dict]:
    return [
        {
            "code": c.code,
            "name": c.name,
            "unit": c.unit,
            "votes": count_cell(c.votes),
            "pct_of_valid": share_cell(own.pct_of_valid.get(c.code)),
        }
        for c in own.candidates
    ]


def _area_data(own, rows, contest: str, held=None, past: bool = False) -> dict:
    """An area's JSON: the API shape plus the vi-VN texts and the drill-down rows. ``held``:
    a voting area's own contest (its roll), for a voting area's page. ``past``: figures as of
    a moment, when which records stood returned is not known (no returned marks)."""
    units = own.unit_codes or list(dict.fromkeys(c.unit for c in own.candidates))
    db = get_session()
    areas = [own.code, *(r.code for r in rows if r.level != "voting_area")]
    covered = coverage.of_areas(db, contest, 1, areas) if own.level != "voting_area" else {}
    va_rolls = (
        coverage.voting_area_rolls(db, contest, own.code)
        if rows and rows[0].level == "voting_area"
        else {}
    )

    def roll_of(code: str) -> int | None:
        return covered[code].roll if code in covered else va_rolls.get(code)

    def returned_of(row) -> int:
        if past:
            return 0
        return covered[row.code].returned if row.code in covered else int(row.status == "returned")

    own_roll = held.voters_on_roll if held is not None else roll_of(own.code)
    own_returned = (
        0
        if past
        else int(held.tally is not None and held.tally.status == "returned")
        if held is not None
        else covered[own.code].returned
        if own.code in covered
        else 0
    )
    return {
        **out.area_result(own),
        "figures": figures(own.result, own.shares, own.verified, own.level, own_roll, own_returned),
        "updated_text": updated_text(own.updated_at),
        "children": [_child(r, contest, roll_of(r.code), returned_of(r)) for r in rows],
        "units": units,
        "candidates": _candidates(own) if len(units) <= MAX_UNITS_LISTED else [],
    }


def _area_context(code: str | None, contest: str) -> dict:
    """What the area page and its JSON show; a voting area's code gives its own page."""
    db = get_session()
    try:
        own, rows = results.children_results(db, g.user, code, contest, max_units=MAX_UNITS_LISTED)
    except NotFound:
        own = results.area_result(db, g.user, code or "", contest)  # NotFound when unknown
        va = structure.voting_area_view(db, own.code, g.user)
        held = {c.contest.code: c for c in va.contests}.get(contest)
        record = held.tally if held else None
        return {
            "own": own,
            "rows": [],
            "crumbs": _crumbs(va.voting_area.area, contest),
            "voting_area": va.voting_area,
            "held": held,
            "record": record,
        }
    area = structure.area_by_code(db, own.code)
    return {"own": own, "rows": rows, "crumbs": _crumbs(area.parent, contest), "area": area}


def _carried_args() -> dict[str, str]:
    """The query the own-area redirect keeps: only ``contest``; anything else could name
    ``url_for``'s own arguments (``code``, ``_method``, ``_external``) and break the link."""
    contest = request.args.get("contest")
    return {"contest": contest} if contest else {}


@routes.get("/results")
@login_required()
@lag_tolerant
def results_overview():
    """The city's results; a reviewer lands on their area, an officer on their voting area."""
    if g.user.role == "reviewer":
        return redirect(url_for("web.results_area", code=g.user.area.code, **_carried_args()))
    if g.user.role == "officer":
        return redirect(
            url_for("web.results_area", code=g.user.voting_area.code, **_carried_args())
        )
    return _area_page(None)


@routes.get("/results/<code>")
@login_required()
@lag_tolerant
def results_area(code: str):
    """An area's (or a voting area's) figures, drill-down and candidates for one contest."""
    return _area_page(code)


def _area_page(code: str | None):
    contests = _contests()
    contest = _chosen(contests)
    context = _area_context(code, contest)
    moment = chosen_moment()
    if moment is not None:
        context = _as_it_stood(context, contest, moment.seq)
    data = _area_data(
        context["own"], context["rows"], contest, context.get("held"), past=moment is not None
    )
    units = {u.code: u for c, us in contests if c.code == contest for u, _ in us}
    groups = [(units[k], list(cs)) for k, cs in groupby(data["candidates"], lambda c: c["unit"])]
    listed = len(data["units"]) <= MAX_UNITS_LISTED
    area = context.get("area")
    backed = None
    if area is not None and moment is None:
        contest_id = next(c.id for c, _us in contests if c.code == contest)
        backed = reporting.backing(get_session(), area, contest_id)
    return render_template(
        "board_area.html",
        backed=backed,
        keying_required=keying.required(get_session()),
        contests=contests,
        contest=contest,
        data=data,
        groups=groups if listed else None,
        unit_links=[units[k] for k in data["units"][:MAX_UNIT_LINKS]],
        unit_count=len(data["units"]),
        live_url=None
        if moment
        else url_for("web.results_area_json", code=data["area"], contest=contest),
        as_of=moment,
        form_links=forms_pages.area_links(
            contest, context.get("area"), context.get("voting_area"), context.get("record")
        ),
        **context,
    )


@routes.get("/results/<code>.json")
@login_required()
@lag_tolerant
def results_area_json(code: str):
    """The area page's figures as JSON, for live updates (same access as the page)."""
    contest = _chosen(_contests())
    context = _area_context(code, contest)
    return no_store(_area_data(context["own"], context["rows"], contest, context.get("held")))


@routes.get("/results/units")
@login_required()
@lag_tolerant
def results_units():
    """The electoral units of a contest, each linking to its results."""
    contests = _contests()
    contest = _chosen(contests)
    units = next(us for c, us in contests if c.code == contest)
    return render_template("board_units.html", contests=contests, contest=contest, units=units)


def no_store(body: dict):
    return body, 200, {"Cache-Control": "no-store"}  # live figures never come from a cache
