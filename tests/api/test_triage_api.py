"""GET /api/v1/triage (CONTRACT §6.5), figures worked out by hand from tests/factories.py.

Rolls (QH and HDND_TINH): T1A-1 1.000, T1A-2 1.100, T1B-1 1.200, T1B-2 1.300, T2A-1 1.400,
T2A-2 1.500. A record (entry_for) has voted = 90 % of the roll, invalid = voted // 50 and
votes (valid, valid // 2, valid // 3, 7, 0).
"""

from __future__ import annotations

import pytest

from election.services.identity import users
from tests.api.conftest import tally_body


def _triage(client, logins, who: str, contest: str = "QH"):
    return client.get(f"/api/v1/triage?contest={contest}", headers=logins.headers(who))


def test_three_of_six_areas_leave_the_turnout_open(client, three):
    # Reported: roll 3.300, voted 2.970; outstanding 1.300 + 1.400 + 1.500 = 4.200, so the
    # unit's roll is 7.500 and it is valid with 3.751 voters: 781 more, which any one can bring.
    (qh1,) = _triage(client, three, "board").get_json()
    assert qh1 == {
        "unit": "QH1",
        "complete": False,
        "decided": False,
        "outstanding_voters": 4200,
        "reasons": [
            "KV T1B-2, KV T2A-1 và KV T2A-2 (4.200 cử tri) có thể đưa số cử tri đi bầu lên "
            "quá một nửa (3.751/7.500 cử tri; hiện có 2.970)."
        ],
        "pending_voting_areas": [
            {"code": "T1B-2", "voters_on_roll": 1300, "can_change_outcome": True},
            {"code": "T2A-1", "voters_on_roll": 1400, "can_change_outcome": True},
            {"code": "T2A-2", "voters_on_roll": 1500, "can_change_outcome": True},
        ],
        "elected_so_far": [],
        "void_so_far": True,
        "need": 781,
    }


def _submit(app, client, va: str) -> None:
    with app.extensions["election.sessions"]() as session:
        token = users.create_user(
            session, f"to-{va.lower()}", "officer", va, "mat-khau-dai-du", token_label="cli"
        )
    response = client.post(
        "/api/v1/tallies",
        json=tally_body(va),
        headers={"Authorization": f"Bearer {token.token}"},
    )
    assert response.status_code == 201, response.get_json()


def test_five_of_six_areas_could_still_seat_a_second_candidate(app, client, three):
    # With T1B-2 (roll 1.300) and T2A-1 (1.400): voted 5.400 of 8.000 (valid whatever comes),
    # valid 5.294; An 5.294 (elected), Bình 441 + 485 + 529 + 573 + 617 = 2.645: 5.290 is not
    # above 5.294, but 5 more votes would be; Cường 1.763 needs 5.294 − 3.526 + 1 = 1.769 > 1.500.
    for va in ("T1B-2", "T2A-1"):
        _submit(app, client, va)
    (qh1,) = _triage(client, three, "board").get_json()
    assert (qh1["decided"], qh1["need"], qh1["elected_so_far"]) == (False, 5, ["QH1-1"])
    assert qh1["reasons"] == [
        "KV T2A-2 (1.500 cử tri) có thể đưa ứng cử viên Trần Thị Bình đạt quá một nửa "
        "số phiếu hợp lệ và trúng cử (ghế thứ 2)."
    ]
    assert qh1["pending_voting_areas"] == [
        {"code": "T2A-2", "voters_on_roll": 1500, "can_change_outcome": True}
    ]
    _submit(app, client, "T2A-2")
    (qh1,) = _triage(client, three, "board").get_json()
    assert (qh1["complete"], qh1["decided"], qh1["reasons"], qh1["need"]) == (True, True, [], None)


def test_units_with_nothing_reported_list_the_closest_first(client, logins):
    # TP1: roll 4.600, valid with 2.301 voters, no area alone (at most 1.300): 2.301/4.600.
    # TP2: roll 2.900, valid with 1.451; T2A-2 (1.500) alone could: 1.451/2.900 is further.
    body = _triage(client, logins, "board", "HDND_TINH").get_json()
    assert [(u["unit"], u["need"], u["outstanding_voters"]) for u in body] == [
        ("TP1", 2301, 4600),
        ("TP2", 1451, 2900),
    ]
    assert body[0]["reasons"] == [
        "KV T1A-1, KV T1A-2, KV T1B-1 và KV T1B-2 (4.600 cử tri) nếu cùng gửi biên bản có thể "
        "đưa số cử tri đi bầu lên quá một nửa (2.301/4.600 cử tri; hiện có 0)."
    ]
    assert [p["can_change_outcome"] for p in body[1]["pending_voting_areas"]] == [False, True]


def test_a_reviewer_sees_the_units_of_their_scope(client, logins):
    body = _triage(client, logins, "ward_reviewer", "HDND_TINH").get_json()
    assert [u["unit"] for u in body] == ["TP2"]


@pytest.mark.parametrize("who", ["officer", "admin"])
def test_officers_and_admins_are_refused(client, logins, who):
    response = _triage(client, logins, who)
    assert response.status_code == 403
    assert response.get_json()["code"] == "forbidden"


def test_an_unknown_or_missing_contest_names_the_field(client, logins):
    unknown = client.get("/api/v1/triage?contest=XX", headers=logins.headers("board"))
    missing = client.get("/api/v1/triage", headers=logins.headers("board"))
    assert (unknown.status_code, missing.status_code) == (404, 404)
    assert unknown.get_json()["errors"] == {"contest": ["Mã không tồn tại"]}
    assert missing.get_json()["errors"] == {"contest": ["Bắt buộc phải có"]}
