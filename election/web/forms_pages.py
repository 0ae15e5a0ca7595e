"""Downloading the official forms, and the public page that checks a printed form's code."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from election.domain.errors import DomainError, InvalidInput
from election.http import downloads
from election.http.access import login_required, public
from election.http.context import get_session
from election.http.routes import Routes
from election.services import forms
from election.services.setup import structure

routes = Routes()


@routes.get("/forms")
@login_required()
def forms_index():
    """The forms the signed-in user may download, with links."""
    session = get_session()
    return render_template(
        "forms_index.html",
        root=structure.root_area(session),
        contests=structure.contests_with_units(session),
    )


@routes.get("/forms/<kind>")
@login_required()
def form_download(kind: str):
    """One official form as Excel: ?contest=QH&scope=CODE[&round=N]."""
    return downloads.export_requested(kind)


@routes.get("/forms/ward/<code>")
@login_required()
def ward_count_records(code: str):
    """Every count record of a ward for one contest, one sheet each: ?contest=QH."""
    return downloads.export_ward_requested(code)


@routes.get("/verify")
@public
def verify_form():
    """A box to type the code printed at the foot of a form."""
    code = request.args.get("code", "").strip()
    if code:
        return redirect(url_for("web.verify_code", code=code.upper()))
    return render_template("verify.html", result=None, error=None, code="")


@routes.get("/verify/<code>")
@public
def verify_code(code: str):
    """Whether a printed or e-mailed form still matches the data in the system."""
    try:
        result = forms.verify(get_session(), code)
    except DomainError as exc:
        status = 400 if isinstance(exc, InvalidInput) else 404
        return render_template("verify.html", result=None, error=exc.message, code=code), status
    return render_template("verify.html", result=result, error=None, code=code)


def area_links(contest: str, area=None, voting_area=None, record=None) -> list[dict]:
    """The forms drawn from the area page's data: its count records, its council's summary."""
    if voting_area is not None:
        if record is None:
            return []
        url = url_for(
            "web.form_download", kind="count-record", contest=contest, scope=voting_area.code
        )
        return [{"url": url, "text": "Biên bản kết quả kiểm phiếu của Tổ bầu cử"}]
    if area is None:
        return []
    depth = area.path.strip("/").count("/")
    deepest = area.level.depth if not structure.has_children(get_session(), area) else None
    links = []
    if deepest is not None:
        links.append(
            {
                "url": url_for("web.ward_count_records", code=area.code, contest=contest),
                "text": "Tất cả biên bản kiểm phiếu của các Tổ bầu cử (một trang tính mỗi biên bản)",
            }
        )
    council = {"QH": 0, "HDND_TINH": 0, "HDND_HUYEN": 1}.get(contest)
    holds = depth == council if council is not None else deepest is not None
    if holds and contest == "QH":
        links.append(
            {
                "url": url_for(
                    "web.form_download", kind="city-record", contest="QH", scope=area.code
                ),
                "text": "Biên bản xác định kết quả bầu cử đại biểu Quốc hội ở thành phố",
            }
        )
    elif holds:
        links.append(
            {
                "url": url_for(
                    "web.form_download", kind="summary-record", contest=contest, scope=area.code
                ),
                "text": "Biên bản tổng kết cuộc bầu cử đại biểu Hội đồng nhân dân",
            }
        )
    if depth == 0:
        links.append(
            {
                "url": url_for("web.form_download", kind="statistics", scope=area.code),
                "text": "Biểu thống kê kết quả cuộc bầu cử (sơ bộ hoặc chính thức)",
            }
        )
    return links


def unit_links(unit, round_no: int) -> list[dict]:
    url = url_for(
        "web.form_download",
        kind="unit-record",
        contest=unit.contest.code,
        scope=unit.code,
        round=round_no,
    )
    return [{"url": url, "text": "Biên bản xác định kết quả bầu cử ở đơn vị bầu cử"}]


@routes.get("/open/records.csv")
@login_required()
def open_records_csv():
    """Every current tally record in the user's scope as CSV (the API's open data, signed in)."""
    return downloads.records_csv()


@routes.get("/open/votes.csv")
@login_required()
def open_votes_csv():
    """Each candidate's votes in every current tally record in the user's scope, as CSV."""
    return downloads.votes_csv()


@routes.get("/open/nist-results.json")
@login_required("board", "admin")
def open_nist_json():
    """The whole election in the NIST SP 1500-100 Election Results Reporting format."""
    return downloads.nist_json()
