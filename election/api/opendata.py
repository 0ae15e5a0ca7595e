"""Open data downloads: tally records and votes as CSV, the whole election as NIST JSON."""

from __future__ import annotations

from election.http import downloads
from election.http.access import token_required
from election.http.routes import Routes

routes = Routes()


@routes.get("/open/records.csv")
@token_required()
def open_records():
    """Every current tally record in the caller's scope, one CSV row each."""
    return downloads.records_csv()


@routes.get("/open/votes.csv")
@token_required()
def open_votes():
    """Each candidate's votes in every current tally record in the caller's scope."""
    return downloads.votes_csv()


@routes.get("/open/nist-results.json")
@token_required("board", "admin")
def open_nist_results():
    """The whole election in the NIST SP 1500-100 v2 Election Results Reporting format."""
    return downloads.nist_json()
