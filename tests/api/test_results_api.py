"""CONTRACT §5 "Results": figures worked out by hand from tests/factories.py and entry_for()."""

from __future__ import annotations

from tests.api.conftest import tally_body as _body

# entry_for(va): voted = 90 % of the roll, invalid = voted // 50, votes (valid, valid//2,
# valid//3, 7, 0). For QH:
#   T1A-1: roll 1.000, voted 900, invalid 18, valid 882; votes 882, 441, 294, 7, 0
#   T1A-2: roll 1.100, voted 990, invalid 19, valid 971; votes 971, 485, 323, 7, 0
#   T1B-1: roll 1.200, voted 1.080, invalid 21, valid 1.059; votes 1.059, 529, 353, 7, 0
# District T1 (and the city) after these three: roll 3.300, voted 2.970, valid 2.912,
# invalid 58; QH1-1 2.912, QH1-2 1.455, QH1-3 970, QH1-4 21, QH1-5 0.
TOTALS_T1 = {
    "voting_areas_reported": 3,
    "voters_on_roll": 3300,
    "voters_voted": 2970,
    "turnout_pct": "90.00",
    "ballots_issued": 2970,
    "ballots_received": 2970,
    "ballots_valid": 2912,
    "ballots_invalid": 58,
    "valid_pct": "98.05",
    "invalid_pct": "1.95",
}
CANDIDATES_T1 = [
    {
        "code": "QH1-1",
        "name": "Nguyễn Văn An",
        "unit": "QH1",
        "votes": 2912,
        "pct_of_valid": "100.00",
    },
    {
        "code": "QH1-2",
        "name": "Trần Thị Bình",
        "unit": "QH1",
        "votes": 1455,
        "pct_of_valid": "49.97",
    },
    {"code": "QH1-3", "name": "Lê Văn Cường", "unit": "QH1", "votes": 970, "pct_of_valid": "33.31"},
    {"code": "QH1-4", "name": "Phạm Thị Dung", "unit": "QH1", "votes": 21, "pct_of_valid": "0.72"},
    {"code": "QH1-5", "name": "Hoàng Văn Em", "unit": "QH1", "votes": 0, "pct_of_valid": "0.00"},
]


def test_a_district_sums_its_voting_areas(client, three):
    body = client.get(
        "/api/v1/results/areas/T1?contest=QH", headers=three.headers("board")
    ).get_json()
    assert {k: body[k] for k in TOTALS_T1} == TOTALS_T1
    assert (body["area"], body["contest"], body["voting_areas_total"]) == ("T1", "QH", 4)
    assert body["candidates"] == CANDIDATES_T1


def test_the_city_equals_its_only_reporting_district(client, three):
    city = client.get(
        "/api/v1/results/areas/T?contest=QH", headers=three.headers("board")
    ).get_json()
    assert {k: city[k] for k in TOTALS_T1} == TOTALS_T1
    assert city["voting_areas_total"] == 6
    assert city["candidates"] == CANDIDATES_T1


def test_a_voting_area_code_gives_its_own_record(client, three):
    body = client.get(
        "/api/v1/results/areas/T1A-2?contest=QH", headers=three.headers("board")
    ).get_json()
    assert (body["voters_on_roll"], body["ballots_valid"], body["ballots_invalid"]) == (
        1100,
        971,
        19,
    )
    assert [c["votes"] for c in body["candidates"]] == [971, 485, 323, 7, 0]
    assert body["turnout_pct"] == "90.00"


def test_a_unit_applies_the_law_to_its_totals(client, three):
    body = client.get("/api/v1/results/units/QH1", headers=three.headers("board")).get_json()
    assert (body["seats"], body["complete"], body["turnout_ok"]) == (3, False, True)
    # QH1-2: 1.455 × 2 = 2.910 is not more than 2.912 valid ballots: not qualified.
    # Three of six voting areas are in: the round is incomplete, so nobody is elected and no
    # additional election is proposed (issue #14, CONTRACT §6.1; this test used to expect
    # QH1-1 elected and an additional election for 2 seats). The three with the most votes
    # are within the seats: they are only leading.
    assert [
        (c["code"], c["qualified"], c["elected"], c["leading"], c["rank"])
        for c in body["candidates"]
    ] == [
        ("QH1-1", True, False, True, 1),
        ("QH1-2", False, False, True, 2),
        ("QH1-3", False, False, True, 3),
        ("QH1-4", False, False, False, 4),
        ("QH1-5", False, False, False, 5),
    ]
    assert (body["elected"], body["winners"], body["additional_election"]) == ([], [], False)
    assert (body["re_election"], body["tie_needs_decision"]) == (False, [])
    assert (body["board_decides"], body["next_rounds"], body["still_open"]) == (False, [], 3)


def test_progress_counts_reported_and_verified_per_contest(client, three):
    client.post(
        "/api/v1/tallies/1/verify", json={"expected_version": 1}, headers=three.headers("board")
    )
    body = client.get("/api/v1/progress?area=T1", headers=three.headers("board")).get_json()
    assert [
        (p["contest"], p["voting_areas_total"], p["reported"], p["verified"]) for p in body
    ] == [
        ("QH", 4, 3, 1),
        ("HDND_TINH", 4, 0, 0),
        ("HDND_HUYEN", 4, 0, 0),
        ("HDND_XA", 4, 0, 0),
    ]


def test_a_correction_replaces_the_old_figures_in_every_total(client, three):
    correction = {k: v for k, v in _body("T1A-1").items() if k not in ("voting_area", "contest")}
    correction.update(ballots_valid=872, ballots_invalid=28, reason="Đếm lại", expected_version=1)
    correction["votes"] = {**correction["votes"], "QH1-1": 872}
    response = client.post(
        "/api/v1/tallies/1/corrections", json=correction, headers=three.headers("reviewer")
    )
    assert response.status_code == 201
    body = client.get(
        "/api/v1/results/areas/T?contest=QH", headers=three.headers("board")
    ).get_json()
    assert (body["ballots_valid"], body["ballots_invalid"]) == (2912 - 10, 58 + 10)
    assert body["candidates"][0]["votes"] == 2912 - 10


def test_results_are_read_inside_the_callers_scope(client, three):
    assert (
        client.get(
            "/api/v1/results/areas/T2?contest=QH", headers=three.headers("reviewer")
        ).status_code
        == 403
    )
    assert (
        client.get(
            "/api/v1/results/areas/T1?contest=QH", headers=three.headers("reviewer")
        ).status_code
        == 200
    )
    assert (
        client.get(
            "/api/v1/results/areas/T1A-2?contest=QH", headers=three.headers("officer")
        ).status_code
        == 403
    )
    assert (
        client.get(
            "/api/v1/results/areas/T1A-1?contest=QH", headers=three.headers("officer")
        ).status_code
        == 200
    )


def test_an_unknown_contest_or_area_is_404(client, three):
    assert (
        client.get(
            "/api/v1/results/areas/T1?contest=XX", headers=three.headers("board")
        ).status_code
        == 404
    )
    assert (
        client.get(
            "/api/v1/results/areas/XX?contest=QH", headers=three.headers("board")
        ).status_code
        == 404
    )
    assert client.get("/api/v1/results/units/XX", headers=three.headers("board")).status_code == 404


def test_a_change_shows_at_once_although_workers_keep_built_results(client, three):
    """A correction that moves votes between candidates and leaves every total as it was."""
    first = client.get("/api/v1/results/areas/T1?contest=QH", headers=three.headers("board"))
    assert [c["votes"] for c in first.get_json()["candidates"]] == [2912, 1455, 970, 21, 0]
    again = client.get("/api/v1/results/areas/T1?contest=QH", headers=three.headers("board"))
    assert again.get_json() == first.get_json()
    figures = {k: v for k, v in _body("T1A-1").items() if k not in ("voting_area", "contest")}
    moved = {**figures["votes"], "QH1-4": 0, "QH1-5": 7}  # same valid ballots, same totals
    fixed = client.post(
        "/api/v1/tallies/1/corrections",
        json={**figures, "votes": moved, "reason": "Ghi nhầm cột", "expected_version": 1},
        headers=three.headers("reviewer"),
    )
    assert fixed.status_code == 201, fixed.get_json()
    after = client.get("/api/v1/results/areas/T1?contest=QH", headers=three.headers("board"))
    assert [c["votes"] for c in after.get_json()["candidates"]] == [2912, 1455, 970, 14, 7]
