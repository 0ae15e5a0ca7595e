"""Blind second keying (CONTRACT §6.3), with the election's second_keying "required".

T1A-1's QH record as its officer submits it (tests/factories.py): roll 1.000, voted 900,
issued 900, received 900, valid 882, invalid 18; votes QH1-1 882, QH1-2 441, QH1-3 294,
QH1-4 7, QH1-5 0.
"""

from __future__ import annotations

import pytest
from sqlalchemy import update

from election.models import Election
from tests.api.conftest import tally_body

FIGURES = (
    "voters_on_roll",
    "voters_voted",
    "ballots_issued",
    "ballots_received",
    "ballots_valid",
    "ballots_invalid",
)


def _require_keying(app, value: str = "required") -> None:
    with app.extensions["election.sessions"]() as session:
        session.execute(update(Election).values(second_keying=value))
        session.commit()


@pytest.fixture
def record(app, client, logins) -> int:
    _require_keying(app)
    sent = client.post(
        "/api/v1/tallies", json=tally_body("T1A-1"), headers=logins.headers("officer")
    )
    assert sent.status_code == 201
    return sent.get_json()["id"]


def keyed(**changes) -> dict:
    body = {k: v for k, v in tally_body("T1A-1").items() if k not in ("voting_area", "contest")}
    votes = {**body["votes"], **changes.pop("votes", {})}
    return {**body, **changes, "votes": votes}


def key(client, logins, who: str, record_id: int, body: dict):
    return client.post(
        f"/api/v1/tallies/{record_id}/keyings", json=body, headers=logins.headers(who)
    )


def read(client, logins, who: str, record_id: int) -> dict:
    got = client.get(f"/api/v1/tallies/{record_id}", headers=logins.headers(who))
    assert got.status_code == 200
    return got.get_json()


def verify(client, logins, who: str, record_id: int, version: int = 1):
    return client.post(
        f"/api/v1/tallies/{record_id}/verify",
        json={"expected_version": version},
        headers=logins.headers(who),
    )


def test_a_reviewer_sees_no_figure_until_the_version_is_keyed_its_submitter_does(
    client, logins, record
):
    blind = read(client, logins, "reviewer", record)
    assert blind["awaiting_keying"] is True
    assert [blind[name] for name in FIGURES] == [None] * 6
    assert (blind["votes"], blind["names_kept"], blind["comment"], blind["warnings"]) == (
        None,
        None,
        None,
        None,
    )
    assert blind["versions"][0]["ballots_valid"] is None
    assert blind["versions"][0]["votes"] is None
    own = read(client, logins, "officer", record)
    assert own["awaiting_keying"] is True
    assert [own[name] for name in FIGURES] == [1000, 900, 900, 900, 882, 18]
    assert own["votes"] == {"QH1-1": 882, "QH1-2": 441, "QH1-3": 294, "QH1-4": 7, "QH1-5": 0}


def test_a_mismatch_names_the_fields_and_blocks_verification_a_match_allows_it(
    client, logins, record
):
    refused = verify(client, logins, "board", record)
    assert refused.status_code == 409
    assert refused.get_json()["message"] == (
        "Phiên bản 1 chưa được nhập lại đối chiếu khớp từ ảnh biên bản giấy; chưa thể xác nhận"
    )
    # The reviewer misreads two numbers on the photo.
    wrong = key(client, logins, "reviewer", record, keyed(ballots_valid=881, votes={"QH1-2": 414}))
    assert wrong.status_code == 201
    assert wrong.get_json() == {"match": False, "differences": ["ballots_valid", "votes.QH1-2"]}
    after = read(client, logins, "reviewer", record)
    assert (after["awaiting_keying"], after["ballots_valid"]) == (True, 882)
    assert verify(client, logins, "board", record).status_code == 409
    # The board keys it right: the version can be verified.
    right = key(client, logins, "board", record, keyed())
    assert right.get_json() == {"match": True, "differences": []}
    assert read(client, logins, "board", record)["awaiting_keying"] is False
    assert verify(client, logins, "board", record).status_code == 200
    events = client.get("/api/v1/audit?after=0&limit=1000", headers=logins.headers("board"))
    keyings = [e["after"] for e in events.get_json()["events"] if e["action"] == "tally.key"]
    assert keyings == [
        {"version": 1, "match": False, "differences": ["ballots_valid", "votes.QH1-2"]},
        {"version": 1, "match": True, "differences": []},
    ]


def test_who_may_key(client, logins, record):
    assert key(client, logins, "officer", record, keyed()).status_code == 403
    assert key(client, logins, "admin", record, keyed()).status_code == 403
    assert key(client, logins, "ward_reviewer", record, keyed()).status_code == 403
    # Whoever wrote the current version may not key it: the reviewer corrects it (version 2).
    fixed = client.post(
        f"/api/v1/tallies/{record}/corrections",
        json={
            **tally_body("T1A-1"),
            "comment": "Ghi chú",
            "reason": "Sửa ghi chú",
            "expected_version": 1,
        },
        headers=logins.headers("reviewer"),
    )
    assert fixed.status_code == 201
    own = key(client, logins, "reviewer", record, keyed())
    assert own.status_code == 403
    assert own.get_json()["message"] == (
        "Người đã nộp hoặc sửa lần cuối biên bản không được nhập lại để đối chiếu"
    )
    # Version 2 needs its own matching keying; the board gives it.
    assert verify(client, logins, "board", record, 2).status_code == 409
    assert (
        key(client, logins, "board", record, {**keyed(), "expected_version": 1}).status_code == 409
    )
    assert key(client, logins, "board", record, {**keyed(), "expected_version": 2}).get_json() == {
        "match": True,
        "differences": [],
    }
    assert verify(client, logins, "board", record, 2).status_code == 200
    # A verified record is not keyed again.
    assert key(client, logins, "board", record, keyed()).status_code == 409


def test_keying_is_refused_where_the_election_does_not_require_it(app, client, logins, record):
    _require_keying(app, "off")
    off = key(client, logins, "reviewer", record, keyed())
    assert off.status_code == 409
    assert read(client, logins, "reviewer", record)["awaiting_keying"] is False
    assert read(client, logins, "reviewer", record)["ballots_valid"] == 882
    assert verify(client, logins, "reviewer", record).status_code == 200


def test_a_malformed_keying_gets_field_errors(client, logins, record):
    body = keyed()
    del body["ballots_valid"]
    sent = key(client, logins, "reviewer", record, {**body, "votes": {"QH1-1": -1}})
    assert sent.status_code == 400
    assert sent.get_json()["errors"] == {
        "ballots_valid": ["Bắt buộc phải có"],
        "votes.QH1-1": ["Phải là số nguyên từ 0 đến 1.000.000"],
    }


def test_progress_counts_records_with_a_photo_keyed_and_matched(client, logins, record):
    import io

    from PIL import Image

    image = io.BytesIO()
    Image.new("RGB", (10, 10)).save(image, "PNG")
    attached = client.post(
        f"/api/v1/tallies/{record}/evidence",
        data={"file": (io.BytesIO(image.getvalue()), "a.png")},
        headers=logins.headers("officer"),
        content_type="multipart/form-data",
    )
    assert attached.status_code == 201

    def counts():
        body = client.get("/api/v1/progress?area=T1", headers=logins.headers("board")).get_json()
        qh = next(p for p in body if p["contest"] == "QH")
        return qh["reported"], qh["with_photo"], qh["keyed"], qh["matched"]

    assert counts() == (1, 1, 0, 0)
    key(client, logins, "reviewer", record, keyed(ballots_valid=1))
    assert counts() == (1, 1, 1, 0)
    key(client, logins, "board", record, keyed())
    assert counts() == (1, 1, 1, 1)
