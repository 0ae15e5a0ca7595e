"""Open data downloads: tally records and votes as CSV, the whole election as NIST JSON."""

from __future__ import annotations

from flask import g

from election.api import bp
from election.services import opendata
from election.web.access import token_required
from election.web.context import get_session
from election.web.downloads import stream
from exports import nist
from exports import opendata as files

CSV = "text/csv; charset=utf-8"


@bp.get("/open/records.csv")
@token_required()
def open_records():
    """Every current tally record in the caller's scope, one CSV row each."""
    rows = opendata.records(get_session(), g.user)
    return stream(files.records_csv_chunks(rows), CSV, "ket-qua-khu-vuc-bo-phieu.csv")


@bp.get("/open/votes.csv")
@token_required()
def open_votes():
    """Each candidate's votes in every current tally record in the caller's scope."""
    rows = opendata.votes(get_session(), g.user)
    return stream(files.votes_csv_chunks(rows), CSV, "so-phieu-nguoi-ung-cu.csv")


@bp.get("/open/nist-results.json")
@token_required("board", "admin")
def open_nist_results():
    """The whole election in the NIST SP 1500-100 v2 Election Results Reporting format."""
    data = opendata.election_data(get_session(), g.user)
    return stream(nist.nist_json_chunks(data), "application/json", "ket-qua-bau-cu-nist.json")
