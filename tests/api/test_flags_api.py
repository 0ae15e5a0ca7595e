"""GET /api/v1/flags (CONTRACT §6.5): flags that explain themselves and never block."""

from __future__ import annotations

from sqlalchemy import select

from election.models import TallyRecord
from election.services.identity import users
from election.services.tallies.flags import flags_below, flags_of_records, root_area_id


def _full_turnout(app, client) -> int:
    """T1B-2 (roll 1.300) reports that every voter voted; the record is accepted (201)."""
    with app.extensions["election.sessions"]() as session:
        token = users.create_user(
            session, "to-t1b-2", "officer", "T1B-2", "mat-khau-dai-du", token_label="cli"
        ).token
    body = {
        "voting_area": "T1B-2",
        "contest": "QH",
        "voters_on_roll": 1300,
        "voters_voted": 1300,
        "ballots_issued": 1300,
        "ballots_received": 1300,
        "ballots_valid": 1287,
        "ballots_invalid": 13,
        "votes": {"QH1-1": 1287, "QH1-2": 643, "QH1-3": 429, "QH1-4": 7, "QH1-5": 0},
    }
    response = client.post(
        "/api/v1/tallies", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201
    return response.get_json()["id"]


def test_a_full_turnout_is_flagged_with_a_sentence_and_a_link(app, client, three):
    record = _full_turnout(app, client)
    body = client.get("/api/v1/flags?area=T1", headers=three.headers("board")).get_json()
    assert body == [
        {
            "voting_area": "T1B-2",
            "contest": "QH",
            "kind": "full_turnout",
            "score": 1.0,
            "explanation": "KV T1B-2: 100% cử tri đi bầu (1.300/1.300); có thể đúng, "
            "nên đối chiếu danh sách cử tri.",
            "area": "T1B-2",
            "record": record,
            "record_url": f"/tally/record/{record}",
        }
    ]
    # The same flag for the voting area itself, and for a reviewer of the district.
    own = client.get("/api/v1/flags?area=T1B-2", headers=three.headers("reviewer")).get_json()
    assert own == body


def test_the_three_plausible_records_raise_no_flag(client, three):
    # Three records of T1: too few neighbours for outliers, 12 figures for the digit test.
    assert client.get("/api/v1/flags?area=T", headers=three.headers("board")).get_json() == []


def test_flags_are_refused_out_of_scope_and_to_other_roles(client, three):
    headers = three.headers
    assert client.get("/api/v1/flags?area=T1", headers=headers("ward_reviewer")).status_code == 403
    assert client.get("/api/v1/flags?area=T1", headers=headers("officer")).status_code == 403
    missing = client.get("/api/v1/flags", headers=headers("board"))
    unknown = client.get("/api/v1/flags?area=ZZ", headers=headers("board"))
    assert (missing.status_code, unknown.status_code) == (404, 404)
    assert missing.get_json()["errors"] == {"area": ["Bắt buộc phải có"]}
    assert unknown.get_json()["errors"] == {"area": ["Mã không tồn tại"]}


def test_reviewers_see_the_flags_in_their_queue(app, client, three):
    from tests.api.test_web_board import _login

    _full_turnout(app, client)
    _login(client, "reviewer")
    page = client.get("/review").get_data(as_text=True)
    assert (
        "Dấu hiệu thống kê (không chặn): KV T1B-2: 100% cử tri đi bầu (1.300/1.300); "
        "có thể đúng, nên đối chiếu danh sách cử tri." in page
    )


def test_a_page_of_the_queue_gets_the_flags_the_whole_city_gives_its_records(app, client, three):
    flagged = _full_turnout(app, client)
    with app.extensions["election.sessions"]() as session:
        board = users.require_user(session, "board")
        ids = list(session.scalars(select(TallyRecord.id).order_by(TallyRecord.id)))
        city = flags_below(session, root_area_id(session))
        assert [f.record_id for f in city] == [flagged]
        for page in ([flagged], ids, [i for i in ids if i != flagged], ids[:1]):
            expected = {i: [f for f in city if f.record_id == i] for i in page}
            found = flags_of_records(session, board, page)
            assert {i: found.get(i, []) for i in page} == expected
            assert set(found) <= set(page)
        officer = users.require_user(session, "officer")
        assert flags_of_records(session, officer, ids) == {}
