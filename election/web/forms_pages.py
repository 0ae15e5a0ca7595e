"""Downloading the official forms, and the public page that checks a printed form's code."""

from __future__ import annotations

import io

from flask import (
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from election.domain.errors import DomainError, InvalidInput
from election.services import forms, opendata
from election.services.setup import structure
from election.web import bp
from election.web.access import login_required, public
from election.web.context import get_session
from election.web.downloads import stream
from exports import nist
from exports import opendata as files

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def verify_url() -> str:
    """Where a printed code is checked: PUBLIC_URL if set, else this server's address."""
    root = current_app.config.get("PUBLIC_URL") or request.url_root.rstrip("/")
    return f"{root}/verify/"


def round_arg() -> int | None:
    value = request.args.get("round")
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 9 or int(value) < 1:
        raise InvalidInput("Vòng bầu cử không hợp lệ", {"round": ["Phải là số nguyên dương"]})
    return int(value)


def download(made: forms.FormFile):
    response = send_file(
        io.BytesIO(made.content), mimetype=XLSX, as_attachment=True, download_name=made.filename
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Verification-Codes"] = ",".join(made.codes[:50])
    return response


@bp.get("/forms")
@login_required()
def forms_index():
    """The forms the signed-in user may download, with links."""
    session = get_session()
    return render_template(
        "forms_index.html",
        root=structure.root_area(session),
        contests=structure.contests_with_units(session),
    )


def export_requested(kind: str):
    """The form the request asks for (?contest=QH&scope=CODE[&round=N]) as a download."""
    made = forms.export(
        get_session(),
        g.user,
        kind,
        request.args.get("contest"),
        request.args.get("scope", ""),
        round_arg(),
        verify_url(),
    )
    return download(made)


def export_ward_requested(code: str):
    """Every count record of a ward for the requested contest, one sheet each."""
    return download(
        forms.export_ward(get_session(), g.user, request.args.get("contest"), code, verify_url())
    )


@bp.get("/forms/<kind>")
@login_required()
def form_download(kind: str):
    """One official form as Excel: ?contest=QH&scope=CODE[&round=N]."""
    return export_requested(kind)


@bp.get("/forms/ward/<code>")
@login_required()
def ward_count_records(code: str):
    """Every count record of a ward for one contest, one sheet each: ?contest=QH."""
    return export_ward_requested(code)


@bp.get("/verify")
@public
def verify_form():
    """A box to type the code printed at the foot of a form."""
    code = request.args.get("code", "").strip()
    if code:
        return redirect(url_for("web.verify_code", code=code.upper()))
    return render_template("verify.html", result=None, error=None, code="")


@bp.get("/verify/<code>")
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


@bp.get("/open/records.csv")
@login_required()
def open_records_csv():
    """Every current tally record in the user's scope as CSV (the API's open data, signed in)."""
    rows = opendata.records(get_session(), g.user)
    return stream(files.records_csv_chunks(rows), CSV, "ket-qua-khu-vuc-bo-phieu.csv")


@bp.get("/open/votes.csv")
@login_required()
def open_votes_csv():
    """Each candidate's votes in every current tally record in the user's scope, as CSV."""
    rows = opendata.votes(get_session(), g.user)
    return stream(files.votes_csv_chunks(rows), CSV, "so-phieu-nguoi-ung-cu.csv")


@bp.get("/open/nist-results.json")
@login_required("board", "admin")
def open_nist_json():
    """The whole election in the NIST SP 1500-100 Election Results Reporting format."""
    data = opendata.election_data(get_session(), g.user)
    return stream(nist.nist_json_chunks(data), "application/json", "ket-qua-bau-cu-nist.json")
