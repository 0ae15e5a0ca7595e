"""CONTRACT §5 "Structure": shapes, Bearer tokens, 401/403/404 with the error envelope."""

from __future__ import annotations

import pytest


def test_root_area_is_the_city_with_its_districts(client, logins):
    response = client.get("/api/v1/areas", headers=logins.headers("board"))
    assert response.status_code == 200
    assert response.get_json() == {
        "code": "T",
        "name": "Thành phố Thử",
        "level": "city",
        "parent": None,
        "children": [
            {"code": "T1", "name": "Quận Một", "level": "district"},
            {"code": "T2", "name": "Huyện Hai", "level": "district"},
        ],
        "voting_areas": 6,
    }


def test_a_wards_children_are_its_voting_areas(client, logins):
    body = client.get("/api/v1/areas/T1A", headers=logins.headers("board")).get_json()
    assert body["parent"] == "T1"
    assert body["voting_areas"] == 2
    assert body["children"] == [
        {"code": "T1A-1", "name": "Khu vực bỏ phiếu số 1", "level": "voting_area"},
        {"code": "T1A-2", "name": "Khu vực bỏ phiếu số 2", "level": "voting_area"},
    ]


def test_contests_list_units_with_candidate_counts(client, logins):
    body = client.get("/api/v1/contests", headers=logins.headers("officer")).get_json()
    assert [c["code"] for c in body] == ["QH", "HDND_TINH", "HDND_HUYEN", "HDND_XA"]
    assert body[1]["units"] == [
        {"code": "TP1", "name": "Đơn vị bầu cử số 1", "seats": 3, "candidates": 5},
        {"code": "TP2", "name": "Đơn vị bầu cử số 2", "seats": 3, "candidates": 5},
    ]


def test_a_unit_lists_candidates_in_ballot_order_and_its_voting_areas(client, logins):
    body = client.get("/api/v1/units/Q1", headers=logins.headers("board")).get_json()
    assert body["contest"] == "HDND_HUYEN"
    assert body["seats"] == 3
    assert [c["order"] for c in body["candidates"]] == [1, 2, 3, 4, 5]
    assert body["candidates"][1] == {
        "code": "Q1-2",
        "name": "Trần Thị Bình",
        "date_of_birth": "1962-02-12",
        "order": 2,
    }
    assert body["voting_areas"] == ["T1A-1", "T1A-2", "T1B-1", "T1B-2"]


def test_a_voting_area_shows_each_contest_with_voters_and_no_tally_yet(client, logins):
    body = client.get("/api/v1/voting-areas/T1A-1", headers=logins.headers("officer")).get_json()
    assert body["code"] == "T1A-1"
    assert body["area"] == "T1A"
    assert [
        (c["contest"], c["unit"]["code"], c["voters_on_roll"], c["tally"]) for c in body["contests"]
    ] == [
        ("QH", "QH1", 1000, None),
        ("HDND_TINH", "TP1", 1000, None),
        ("HDND_HUYEN", "Q1", 993, None),
        ("HDND_XA", "XA1", 993, None),
    ]
    assert len(body["contests"][0]["candidates"]) == 5


@pytest.mark.parametrize(
    ("who", "code", "status"),
    [
        ("officer", "T1A-1", 200),
        ("officer", "T1A-2", 403),
        ("reviewer", "T1B-2", 200),  # inside district T1
        ("reviewer", "T2A-1", 403),
        ("ward_reviewer", "T2A-2", 200),
        ("ward_reviewer", "T1A-1", 403),
        ("board", "T2A-1", 200),
        ("admin", "T1B-1", 200),
    ],
)
def test_voting_areas_are_read_only_inside_the_callers_scope(client, logins, who, code, status):
    response = client.get(f"/api/v1/voting-areas/{code}", headers=logins.headers(who))
    assert response.status_code == status
    if status == 403:
        assert response.get_json() == {
            "code": "forbidden",
            "message": "Khu vực bỏ phiếu này nằm ngoài phạm vi của bạn",
        }


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/areas",
        "/api/v1/areas/T1",
        "/api/v1/contests",
        "/api/v1/units/QH1",
        "/api/v1/voting-areas/T1A-1",
    ],
)
@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic abc"])
def test_no_or_bad_token_is_401_with_the_envelope(client, logins, path, header):
    headers = {"Authorization": header} if header else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    body = response.get_json()
    assert body["code"] == "unauthorized"
    assert set(body) == {"code", "message"}


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/v1/areas/XX", "Không có khu vực hành chính mã «XX»"),
        ("/api/v1/units/XX", "Không có đơn vị bầu cử mã «XX»"),
        ("/api/v1/voting-areas/XX", "Không có khu vực bỏ phiếu mã «XX»"),
        ("/api/v1/nothing-here", "Không tìm thấy"),
    ],
)
def test_unknown_codes_are_404_with_a_vietnamese_message(client, logins, path, message):
    response = client.get(path, headers=logins.headers("board"))
    assert response.status_code == 404
    assert response.get_json() == {"code": "not_found", "message": message}


def test_a_revoked_token_no_longer_works(app, client, logins):
    from sqlalchemy import update

    from election.domain.clock import utcnow
    from election.models import ApiToken

    with app.extensions["election.sessions"]() as session:
        session.execute(update(ApiToken).values(revoked_at=utcnow()))
        session.commit()
    assert client.get("/api/v1/areas", headers=logins.headers("board")).status_code == 401


def test_tokens_are_stored_hashed(app, logins):
    from sqlalchemy import select

    from election.models import ApiToken

    with app.extensions["election.sessions"]() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
    assert len(stored) == 5
    assert not set(logins.tokens.values()) & set(stored)


def test_wrong_method_is_405_with_the_envelope(client, logins):
    response = client.delete("/api/v1/areas", headers=logins.headers("board"))
    assert response.status_code == 405
    assert response.get_json()["code"] == "method_not_allowed"


def test_openapi_document_lists_every_api_path(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.0.3"
    assert set(spec["paths"]) == {
        "/areas",
        "/areas/{code}",
        "/contests",
        "/units/{code}",
        "/voting-areas/{code}",
        "/tallies",
        "/tallies/{record_id}",
        "/tallies/{record_id}/corrections",
        "/tallies/{record_id}/verify",
        "/tallies/{record_id}/return",
        "/tallies/{record_id}/evidence",
        "/tallies/{record_id}/keyings",
        "/units/{code}/certify",
        "/areas/{code}/certify",
        "/certifications",
        "/public/results",
        "/evidence/{sha256}",
        "/results/areas/{code}",
        "/results/units/{code}",
        "/units/{code}/rounds",
        "/progress",
        "/turnout",
        "/audit",
        "/audit/verify",
        "/whoami",
        "/triage",
        "/flags",
        "/open/records.csv",
        "/open/votes.csv",
        "/open/nist-results.json",
        "/forms/{kind}",
        "/forms/ward/{code}",
        "/verify/{code}",
    }
    tally = spec["components"]["schemas"]["TallyIn"]
    assert {"voting_area", "contest", "ballots_valid", "votes"} <= set(tally["required"])
    assert set(spec["components"]["schemas"]["Area"]["properties"]) == {
        "code",
        "name",
        "level",
        "parent",
        "children",
        "voting_areas",
    }
