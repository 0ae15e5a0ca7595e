"""Open data downloads: figures worked out by hand from tests/factories.py and entry_for()."""

from __future__ import annotations

import csv
import io

import pytest

from election.domain.numbers import iso_utc
from election.models import TallyRecord
from election.services.identity import users
from tests.integration.test_tally_rules_stored import entry_for

# QH records (entry_for: 90 % turnout, 2 % invalid, votes valid, valid//2, valid//3, 7, 0):
#   1 T1A-1 corrected to valid 872, invalid 28, QH1-1 872 (version 2)
#   2 T1A-2 roll 1.100, voted 990, valid 971, invalid 19; votes 971, 485, 323, 7, 0 (verified)
#   3 T1B-1 roll 1.200, voted 1.080, valid 1.059, invalid 21; votes 1.059, 529, 353, 7, 0
#   4 T2A-1 roll 1.400, voted 1.260, valid 1.235, invalid 25; votes 1.235, 617, 411, 7, 0
FIGURES_OF = (
    "voters_on_roll",
    "voters_voted",
    "ballots_issued",
    "ballots_received",
    "ballots_valid",
    "ballots_invalid",
)
# Those figures of each record, as the CSV writes them.
FIGURES = [
    ("1000", "900", "900", "900", "872", "28"),
    ("1100", "990", "990", "990", "971", "19"),
    ("1200", "1080", "1080", "1080", "1059", "21"),
    ("1400", "1260", "1260", "1260", "1235", "25"),
]
T1A = ("T1", "Quận Một", "T1A", "Phường An Biên")
T1B = ("T1", "Quận Một", "T1B", "Phường Cát Dài")
T2A = ("T2", "Huyện Hai", "T2A", "Xã Đồng Thái")
RECORDS = [
    [*T1A, "T1A-1", "Khu vực bỏ phiếu số 1", "QH", "QH1", "1", "submitted", "2", *FIGURES[0]],
    [*T1A, "T1A-2", "Khu vực bỏ phiếu số 2", "QH", "QH1", "1", "verified", "1", *FIGURES[1]],
    [*T1B, "T1B-1", "Khu vực bỏ phiếu số 1", "QH", "QH1", "1", "submitted", "1", *FIGURES[2]],
    [*T2A, "T2A-1", "Khu vực bỏ phiếu số 1", "QH", "QH1", "1", "submitted", "1", *FIGURES[3]],
]
VOTES = {
    "T1A-1": (872, 441, 294, 7, 0),
    "T1A-2": (971, 485, 323, 7, 0),
    "T1B-1": (1059, 529, 353, 7, 0),
    "T2A-1": (1235, 617, 411, 7, 0),
}
NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em")
# Unit QH1: valid 872 + 971 + 1.059 + 1.235 = 4.137; QH1-2 has 2.072 × 2 = 4.144 > 4.137.
UNIT_VOTES = {"QH1-1": 4137, "QH1-2": 2072, "QH1-3": 1381, "QH1-4": 28, "QH1-5": 0}


def _body(va: str) -> dict:
    """The QH record of a voting area as the polling team posts it."""
    f = entry_for(va).figures
    return {
        "voting_area": va,
        "contest": "QH",
        **{k: getattr(f, k) for k in FIGURES_OF},
        "votes": dict(f.votes),
    }


@pytest.fixture
def submitted(app, client, logins):
    """Four QH records by their polling teams; the first corrected, the second verified."""
    tokens = {"T1A-1": logins.tokens["officer"]}
    with app.extensions["election.sessions"]() as session:
        for va in ("T1A-2", "T1B-1", "T2A-1"):
            tokens[va] = users.create_user(
                session, f"to-{va.lower()}", "officer", va, "mat-khau-dai-du", token_label="cli"
            ).token
    for va in VOTES:
        response = client.post(
            "/api/v1/tallies", json=_body(va), headers={"Authorization": f"Bearer {tokens[va]}"}
        )
        assert response.status_code == 201
    correction = {k: v for k, v in _body("T1A-1").items() if k not in ("voting_area", "contest")}
    correction.update(ballots_valid=872, ballots_invalid=28, reason="Đếm lại", expected_version=1)
    correction["votes"] = {**correction["votes"], "QH1-1": 872}
    response = client.post(
        "/api/v1/tallies/1/corrections", json=correction, headers=logins.headers("reviewer")
    )
    assert response.status_code == 201
    response = client.post(
        "/api/v1/tallies/2/verify", json={"expected_version": 1}, headers=logins.headers("board")
    )
    assert response.status_code == 200
    return logins


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def _updated(app) -> list[str]:
    with app.extensions["election.sessions"]() as session:
        return [iso_utc(session.get(TallyRecord, i).updated_at) for i in (1, 2, 3, 4)]


def test_records_csv_holds_the_current_version_of_every_record(app, client, submitted):
    response = client.get("/api/v1/open/records.csv", headers=submitted.headers("board"))
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=ket-qua-khu-vuc-bo-phieu.csv"
    )
    header, *rows = _csv(response)
    assert header[-1] == "updated_at" and header[:3] == [
        "district_code",
        "district_name",
        "ward_code",
    ]
    assert rows == [[*r, at] for r, at in zip(RECORDS, _updated(app), strict=True)]


def test_votes_csv_has_a_row_per_record_and_candidate_in_ballot_order(client, submitted):
    response = client.get("/api/v1/open/votes.csv", headers=submitted.headers("admin"))
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=so-phieu-nguoi-ung-cu.csv"
    )
    header, *rows = _csv(response)
    assert header == [
        "voting_area_code",
        "contest_code",
        "unit_code",
        "round_no",
        "candidate_code",
        "candidate_name",
        "ballot_order",
        "votes",
    ]
    assert rows == [
        [va, "QH", "QH1", "1", f"QH1-{n}", NAMES[n - 1], str(n), str(votes[n - 1])]
        for va, votes in VOTES.items()
        for n in range(1, 6)
    ]


@pytest.mark.parametrize(
    ("who", "voting_areas"),
    [
        ("reviewer", ["T1A-1", "T1A-2", "T1B-1"]),
        ("ward_reviewer", ["T2A-1"]),
        ("officer", ["T1A-1"]),
    ],
)
def test_each_caller_downloads_only_their_scope(client, submitted, who, voting_areas):
    for path, column in (("records.csv", 4), ("votes.csv", 0)):
        _, *rows = _csv(client.get(f"/api/v1/open/{path}", headers=submitted.headers(who)))
        assert sorted({r[column] for r in rows}) == voting_areas


def test_downloads_need_a_token(client, submitted):
    for path in ("records.csv", "votes.csv", "nist-results.json"):
        assert client.get(f"/api/v1/open/{path}").status_code == 401


@pytest.mark.parametrize("who", ["reviewer", "officer"])
def test_only_the_board_and_admins_download_the_whole_election(client, submitted, who):
    response = client.get("/api/v1/open/nist-results.json", headers=submitted.headers(who))
    assert response.status_code == 403
    assert response.get_json()["code"] == "forbidden"


def _nist(client, logins) -> dict:
    response = client.get("/api/v1/open/nist-results.json", headers=logins.headers("board"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=ket-qua-bau-cu-nist.json"
    )
    return response.get_json()


def test_the_nist_report_counts_each_unit_and_voting_area(client, submitted):
    report = _nist(client, submitted)
    assert (report["Status"], report["Format"]) == ("unofficial-partial", "summary-contest")
    [election] = report["Election"]
    assert (election["ElectionScopeId"], election["StartDate"]) == ("gp-area-T", "2021-05-23")
    contests = {c["@id"]: c for c in election["Contest"]}
    assert list(contests) == [
        f"contest-{c}-{u}"
        for c, u in (
            ("QH", "QH1"),
            ("HDND_TINH", "TP1"),
            ("HDND_TINH", "TP2"),
            ("HDND_HUYEN", "Q1"),
            ("HDND_XA", "XA1"),
            ("HDND_XA", "XB1"),
            ("HDND_XA", "XC1"),
        )
    ]
    qh = contests["contest-QH-QH1"]
    assert (qh["TotalSubUnits"], qh["SubUnitsReported"], qh["NumberElected"]) == (6, 4, 3)
    assert {
        s["CandidateIds"][0]: [(v["GpUnitId"], v["Count"]) for v in s["VoteCounts"]]
        for s in qh["ContestSelection"]
    } == {
        f"cand-QH1-{n}": [("gp-unit-QH1", UNIT_VOTES[f"QH1-{n}"])]
        + [(f"gp-va-{va}", votes[n - 1]) for va, votes in VOTES.items()]
        for n in range(1, 6)
    }
    assert election["BallotCounts"][0] == {
        "@type": "ElectionResults.BallotCounts",
        "GpUnitId": "gp-unit-QH1",
        "Type": "total",
        "Round": 1,
        "BallotsCast": 4230,
        "BallotsRejected": 93,
    }
    status = {c["@id"]: c.get("PostElectionStatus") for c in election["Candidate"]}
    # Four of six voting areas are in: nobody is even a projected winner on partial data
    # (issue #14; this used to say "projected-winner" for QH1-1 and QH1-2).
    assert [status[f"cand-QH1-{n}"] for n in range(1, 6)] == [None] * 5
    gp = {g["@id"]: g for g in report["GpUnit"]}
    assert len(gp) == 6 + 6 + 7
    assert (gp["gp-area-T1"]["Type"], gp["gp-area-T1"]["ComposingGpUnitIds"]) == (
        "county",
        ["gp-area-T1A", "gp-area-T1B"],
    )
    assert (gp["gp-unit-QH1"]["VotersRegistered"], gp["gp-unit-QH1"]["VotersParticipated"]) == (
        4700,
        4230,
    )


def test_the_nist_counts_equal_the_results_api_for_every_unit(client, submitted):
    election = _nist(client, submitted)["Election"][0]
    status = {c["@id"]: c.get("PostElectionStatus") for c in election["Candidate"]}
    for contest in election["Contest"]:
        code = contest["ElectionDistrictId"].removeprefix("gp-unit-")
        unit = client.get(
            f"/api/v1/results/units/{code}", headers=submitted.headers("board")
        ).get_json()
        assert contest["SubUnitsReported"] == unit["voting_areas_reported"]
        assert [
            (s["CandidateIds"][0], s["VoteCounts"][0]["Count"]) for s in contest["ContestSelection"]
        ] == [(f"cand-{c['code']}", c["votes"]) for c in unit["candidates"]]
        elected = [c for c, s in status.items() if s and c.startswith(f"cand-{code}-")]
        assert sorted(elected) == sorted(f"cand-{c}" for c in unit["elected"])


def test_the_openapi_document_lists_the_downloads(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "text/csv" in paths["/open/records.csv"]["get"]["responses"]["200"]["content"]
    assert "text/csv" in paths["/open/votes.csv"]["get"]["responses"]["200"]["content"]
    assert "403" in paths["/open/nist-results.json"]["get"]["responses"]
