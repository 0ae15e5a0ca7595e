"""CONTRACT §3: every role × action × scope answer, and the audit API's own access."""

from __future__ import annotations

import pytest

from tests.api.test_tallies_api import FIGURES, QH

T2A = {**QH, "voting_area": "T2A-1", "voters_on_roll": 1400}  # outside district T1


def _post(client, logins, who, path, body):
    return client.post(path, json=body, headers=logins.headers(who))


ACTIONS = {
    "submit": lambda c, lg, who: _post(c, lg, who, "/api/v1/tallies", QH),
    "read": lambda c, lg, who: c.get("/api/v1/tallies/1", headers=lg.headers(who)),
    "correct": lambda c, lg, who: _post(
        c,
        lg,
        who,
        "/api/v1/tallies/1/corrections",
        {**FIGURES, "reason": "Sửa", "expected_version": 1},
    ),
    "verify": lambda c, lg, who: _post(
        c, lg, who, "/api/v1/tallies/1/verify", {"expected_version": 1}
    ),
    "return": lambda c, lg, who: _post(
        c, lg, who, "/api/v1/tallies/1/return", {"reason": "Xem lại"}
    ),
}
# The record is T1A-1's, submitted by its officer. reviewer: district T1; ward_reviewer: ward T2A.
EXPECTED = {
    "submit": {"officer": 201, "reviewer": 403, "ward_reviewer": 403, "board": 403, "admin": 403},
    "read": {"officer": 200, "reviewer": 200, "ward_reviewer": 403, "board": 200, "admin": 200},
    "correct": {"officer": 201, "reviewer": 201, "ward_reviewer": 403, "board": 403, "admin": 403},
    "verify": {"officer": 403, "reviewer": 200, "ward_reviewer": 403, "board": 200, "admin": 403},
    "return": {"officer": 403, "reviewer": 200, "ward_reviewer": 403, "board": 200, "admin": 403},
}
MATRIX = [(action, who, status) for action, row in EXPECTED.items() for who, status in row.items()]


@pytest.mark.parametrize(("action", "who", "status"), MATRIX)
def test_role_action_scope_matrix(client, logins, action, who, status):
    if action != "submit":
        assert _post(client, logins, "officer", "/api/v1/tallies", QH).status_code == 201
    response = ACTIONS[action](client, logins, who)
    assert response.status_code == status, response.get_json()
    if status == 403:
        assert response.get_json()["code"] == "forbidden"


def test_an_officer_cannot_submit_for_another_voting_area(client, logins):
    response = _post(client, logins, "officer", "/api/v1/tallies", T2A)
    assert response.status_code == 403
    assert response.get_json()["message"] == "Khu vực bỏ phiếu này nằm ngoài phạm vi của bạn"


def test_admins_cannot_alter_records(client, logins):
    response = _post(client, logins, "admin", "/api/v1/tallies", QH)
    assert response.get_json()["message"] == "Vai trò của bạn không được nộp biên bản kiểm phiếu"


@pytest.mark.parametrize(
    ("who", "status"), [("board", 200), ("admin", 200), ("reviewer", 403), ("officer", 403)]
)
def test_the_audit_log_is_for_the_board_and_admins(client, logins, who, status):
    assert client.get("/api/v1/audit", headers=logins.headers(who)).status_code == status
    assert client.get("/api/v1/audit/verify", headers=logins.headers(who)).status_code == status


def test_audit_pages_through_events_in_order(client, logins):
    _post(client, logins, "officer", "/api/v1/tallies", QH)
    first = client.get("/api/v1/audit?limit=2", headers=logins.headers("board")).get_json()[
        "events"
    ]
    assert [e["seq"] for e in first] == [1, 2]
    assert first[0]["action"] == "setup.import"
    assert first[1]["prev_hash"] == first[0]["hash"]
    rest = client.get(
        "/api/v1/audit?after=2&limit=100", headers=logins.headers("board")
    ).get_json()["events"]
    assert [e["seq"] for e in rest] == [3, 4, 5, 6, 7]
    submit = rest[-1]
    assert (submit["actor"], submit["action"], submit["object"]) == (
        "officer",
        "tally.submit",
        {"type": "tally", "id": "1"},
    )
    assert submit["after"]["figures"]["ballots_valid"] == 880
    assert submit["after"]["votes"] == QH["votes"]


@pytest.mark.parametrize("query", ["limit=0", "limit=5000", "after=-1", "after=abc", "limit=١٢"])
def test_audit_paging_parameters_are_checked(client, logins, query):
    response = client.get(f"/api/v1/audit?{query}", headers=logins.headers("board"))
    assert response.status_code == 400
    assert response.get_json()["code"] == "bad_request"


def test_audit_verify_reports_an_intact_chain(client, logins):
    _post(client, logins, "officer", "/api/v1/tallies", QH)
    body = client.get("/api/v1/audit/verify", headers=logins.headers("board")).get_json()
    assert body == {"ok": True, "events": 7, "first_bad_seq": None, "reason": None}
