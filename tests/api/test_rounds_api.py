"""Later rounds: the board opens an additional election or a re-election for a unit;
its voting areas enter records for that round; the unit's result comes from the latest round."""

from __future__ import annotations

import pytest

from election.services.identity import users
from election.services.results import recompute
from tests.api.conftest import tally_body as _body

VOTING_AREAS = ("T1A-1", "T1A-2", "T1B-1", "T1B-2", "T2A-1", "T2A-2")


@pytest.fixture
def teams(app, logins):
    tokens = {}
    with app.extensions["election.sessions"]() as session:
        for va in VOTING_AREAS:
            tokens[va] = users.create_user(
                session, f"to-{va.lower()}", "officer", va, "mat-khau-dai-du", token_label="cli"
            ).token
    return {va: {"Authorization": f"Bearer {t}"} for va, t in tokens.items()}


def _first_round(client, teams):
    # entry_for(): QH1-1 is kept on every valid ballot, QH1-2 on half of them (not more than
    # half: not qualified), so QH1-1 alone is elected: shortfall 2 → additional election.
    for va in VOTING_AREAS:
        assert client.post("/api/v1/tallies", json=_body(va), headers=teams[va]).status_code == 201


def _round_two_body(va: str) -> dict:
    body = _body(va)
    valid = body["ballots_valid"]
    body["votes"] = {"QH1-2": valid * 7 // 10, "QH1-3": valid * 6 // 10, "QH1-4": 10, "QH1-5": 0}
    return body


def test_an_incomplete_unit_cannot_open_a_new_round(client, logins, teams):
    client.post("/api/v1/tallies", json=_body("T1A-1"), headers=teams["T1A-1"])
    response = client.post(
        "/api/v1/units/QH1/rounds", json={"kind": "additional"}, headers=logins.headers("board")
    )
    assert response.status_code == 409
    assert response.get_json()["message"] == "Vòng 1 của đơn vị bầu cử «QH1» chưa đủ biên bản (1/6)"


def test_only_the_board_opens_rounds(client, logins, teams):
    _first_round(client, teams)
    for who in ("officer", "reviewer", "admin"):
        response = client.post(
            "/api/v1/units/QH1/rounds", json={"kind": "additional"}, headers=logins.headers(who)
        )
        assert response.status_code == 403


def test_a_re_election_needs_a_void_round(client, logins, teams):
    _first_round(client, teams)
    response = client.post(
        "/api/v1/units/QH1/rounds", json={"kind": "re_election"}, headers=logins.headers("board")
    )
    assert response.status_code == 409
    assert response.get_json()["message"] == (
        "Kết quả vòng 1 của đơn vị bầu cử «QH1» không đòi hỏi bầu cử lại"
    )


def test_an_additional_election_decides_the_missing_seats(app, client, logins, teams):
    _first_round(client, teams)
    first = client.get("/api/v1/results/units/QH1", headers=logins.headers("board")).get_json()
    assert (first["elected"], first["shortfall"], first["additional_election"]) == (
        ["QH1-1"],
        2,
        True,
    )

    opened = client.post(
        "/api/v1/units/QH1/rounds", json={"kind": "additional"}, headers=logins.headers("board")
    )
    assert opened.status_code == 201
    assert opened.get_json() == {"unit": "QH1", "round": 2, "kind": "additional"}

    # The ballot of the additional election lists the four candidates not elected.
    refused = client.post("/api/v1/tallies", json=_body("T1A-1"), headers=teams["T1A-1"])
    assert refused.status_code == 422
    assert [p["code"] for p in refused.get_json()["problems"]] == ["candidate_unknown"]
    for va in VOTING_AREAS:
        response = client.post("/api/v1/tallies", json=_round_two_body(va), headers=teams[va])
        assert response.status_code == 201, response.get_json()

    body = client.get("/api/v1/results/units/QH1", headers=logins.headers("board")).get_json()
    assert (body["round"], body["round_kind"], body["seats"], body["complete"]) == (
        2,
        "additional",
        2,
        True,
    )
    assert [c["code"] for c in body["candidates"]] == ["QH1-2", "QH1-3", "QH1-4", "QH1-5"]
    assert (body["elected"], body["shortfall"], body["additional_election"]) == (
        ["QH1-2", "QH1-3"],
        0,
        False,
    )
    assert [r["round"] for r in body["rounds"]] == [1, 2]
    assert body["rounds"][0]["elected"] == ["QH1-1"]

    # The first round's totals stay as they were; every running total still adds up.
    city = client.get(
        "/api/v1/results/areas/T?contest=QH", headers=logins.headers("board")
    ).get_json()
    assert city["candidates"][0]["votes"] == first["candidates"][0]["votes"]
    with app.extensions["election.sessions"]() as session:
        assert recompute.compare(session).ok


def test_the_round_opening_is_audited(client, logins, teams):
    _first_round(client, teams)
    client.post(
        "/api/v1/units/QH1/rounds", json={"kind": "additional"}, headers=logins.headers("board")
    )
    events = client.get(
        "/api/v1/audit?after=0&limit=1000", headers=logins.headers("board")
    ).get_json()["events"]
    last = events[-1]
    assert (last["action"], last["object"], last["after"]) == (
        "unit.round_open",
        {"type": "unit", "id": "QH1"},
        {"round": 2, "kind": "additional"},
    )
