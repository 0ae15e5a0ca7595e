"""CONTRACT §5 "Tally records": submit, read, correct, verify, return, with exact answers."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from election.models import AuditEvent, TallyRecord, TallyVersion

# T1A-1 has 1.000 voters for QH (tests/factories.py); QH1 elects 3 of 5 candidates.
QH = {
    "voting_area": "T1A-1",
    "contest": "QH",
    "voters_on_roll": 1000,
    "voters_voted": 900,
    "ballots_issued": 900,
    "ballots_received": 900,
    "ballots_valid": 880,
    "ballots_invalid": 20,
    "votes": {"QH1-1": 800, "QH1-2": 700, "QH1-3": 600, "QH1-4": 300, "QH1-5": 100},
}
FIGURES = {k: v for k, v in QH.items() if k not in ("voting_area", "contest")}


def _submit(client, logins, body=None, who="officer", **headers):
    return client.post(
        "/api/v1/tallies", json=body or QH, headers={**logins.headers(who), **headers}
    )


def _count(app, model):
    with app.extensions["election.sessions"]() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_valid_record_is_stored_as_version_one(client, logins):
    response = _submit(client, logins)
    assert response.status_code == 201
    assert response.get_json() == {"id": 1, "version": 1, "status": "submitted", "warnings": []}


def test_warnings_are_returned_and_stored_with_the_record(client, logins):
    body = {**QH, "ballots_issued": 901, "ballots_received": 900}
    response = _submit(client, logins, body)
    assert response.status_code == 201
    assert response.get_json()["warnings"] == [
        {
            "code": "issued_differs_voted",
            "message": "Số phiếu phát ra (901) khác số cử tri đã tham gia bỏ phiếu (900)",
        },
        {
            "code": "received_below_issued",
            "message": "Số phiếu thu vào (900) ít hơn số phiếu phát ra (901): "
            "1 phiếu không được bỏ vào hòm",
        },
    ]
    record = client.get("/api/v1/tallies/1", headers=logins.headers("reviewer")).get_json()
    assert [w["code"] for w in record["warnings"]] == [
        "issued_differs_voted",
        "received_below_issued",
    ]


def test_a_broken_rule_is_422_naming_every_rule_and_stores_nothing(app, client, logins):
    body = {**QH, "ballots_valid": 1480, "ballots_invalid": 17, "ballots_received": 1498}
    response = _submit(client, logins, body)
    assert response.status_code == 422
    payload = response.get_json()
    assert payload["code"] == "rule_broken"
    assert [p["code"] for p in payload["problems"]] == [
        "received_exceeds_issued",
        "valid_invalid_sum",
    ]
    assert payload["errors"]["ballots_invalid"] == [
        "Số phiếu hợp lệ (1.480) + số phiếu không hợp lệ (17) phải bằng số phiếu thu vào (1.498)"
    ]
    assert _count(app, TallyRecord) == 0
    assert _count(app, AuditEvent) == 6  # the setup and five users


def test_a_voter_count_off_the_roll_needs_a_comment_then_it_is_a_warning(client, logins):
    body = {**QH, "voters_on_roll": 1001}
    refused = _submit(client, logins, body)
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["comment"] == [
        "Tổng số cử tri (1.001) khác số cử tri trong danh sách cử tri (1.000); "
        "nếu đúng như vậy, hãy ghi rõ lý do vào phần ghi chú"
    ]
    accepted = _submit(client, logins, {**body, "comment": "Bổ sung 1 cử tri theo quyết định"})
    assert accepted.status_code == 201
    assert accepted.get_json()["warnings"][0] == {
        "code": "voters_differ_roll",
        "message": "Tổng số cử tri (1.001) khác số cử tri trong danh sách cử tri (1.000); "
        "đã có giải trình trong ghi chú",
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ballots_valid", True, "Phải là số nguyên từ 0 đến 1.000.000"),
        ("ballots_valid", 880.0, "Phải là số nguyên từ 0 đến 1.000.000"),
        ("ballots_valid", 880.5, "Phải là số nguyên từ 0 đến 1.000.000"),
        ("ballots_valid", "880", "Phải là số nguyên từ 0 đến 1.000.000"),
        ("ballots_valid", None, "Không được để trống (null)"),
        ("ballots_valid", -1, "Phải là số nguyên từ 0 đến 1.000.000"),
        ("ballots_valid", 10**12, "Phải là số nguyên từ 0 đến 1.000.000"),
        ("ballots_valid", [880], "Phải là số nguyên từ 0 đến 1.000.000"),
        ("votes", [800, 700], "Phải là đối tượng {mã người ứng cử: số phiếu}"),
        ("voting_area", 5, "Phải là chuỗi ký tự"),
        ("comment", "x" * 2001, "Tối đa 2.000 ký tự"),
    ],
)
def test_values_of_the_wrong_type_are_refused_field_by_field(
    app, client, logins, field, value, message
):
    response = _submit(client, logins, {**QH, field: value})
    assert response.status_code == 400
    body = response.get_json()
    assert body["code"] == "bad_request"
    assert body["errors"] == {field: [message]}
    assert _count(app, TallyRecord) == 0


def test_a_bad_vote_value_is_named_by_candidate(client, logins):
    response = _submit(client, logins, {**QH, "votes": {**QH["votes"], "QH1-2": False}})
    assert response.status_code == 400
    assert response.get_json()["errors"] == {
        "votes.QH1-2": ["Phải là số nguyên từ 0 đến 1.000.000"]
    }


def test_missing_and_unknown_fields_are_refused(client, logins):
    body = {k: v for k, v in QH.items() if k != "ballots_invalid"} | {"extra": 1}
    response = _submit(client, logins, body)
    assert response.get_json()["errors"] == {
        "ballots_invalid": ["Bắt buộc phải có"],
        "extra": ["Trường này không được hỗ trợ"],
    }


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ('{"a": 1, "a": 2}', "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ('{"x": NaN}', "application/json", 400),
        ("[" * 50_000 + "]" * 50_000, "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        ("voting_area=T1A-1", "application/x-www-form-urlencoded", 415),
    ],
)
def test_malformed_bodies_get_the_error_envelope(client, logins, data, content_type, status):
    response = client.post(
        "/api/v1/tallies", data=data, content_type=content_type, headers=logins.headers("officer")
    )
    assert response.status_code == status
    assert set(response.get_json()) <= {"code", "message", "errors"}


def test_a_body_over_one_megabyte_is_413(client, logins):
    body = '{"comment": "' + "x" * (1024 * 1024) + '"}'
    response = client.post(
        "/api/v1/tallies",
        data=body,
        content_type="application/json",
        headers=logins.headers("officer"),
    )
    assert response.status_code == 413
    assert response.get_json()["code"] == "too_large"


def test_a_second_record_for_the_same_voting_area_and_contest_is_409_with_its_id(client, logins):
    _submit(client, logins)
    response = _submit(client, logins)
    assert response.status_code == 409
    assert response.get_json() == {
        "code": "conflict",
        "message": "Khu vực bỏ phiếu đã có biên bản cho cấp bầu cử này; hãy gửi bản sửa (corrections)",
        "id": 1,
    }


def test_the_same_idempotency_key_and_body_replays_the_first_answer(app, client, logins):
    first = _submit(client, logins, **{"Idempotency-Key": "abc"})
    again = _submit(client, logins, **{"Idempotency-Key": "abc"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.get_json() == again.get_json()
    assert _count(app, TallyVersion) == 1
    events = _count(app, AuditEvent)
    _submit(client, logins, **{"Idempotency-Key": "abc"})
    assert _count(app, AuditEvent) == events


def test_the_same_key_with_another_body_is_refused(client, logins):
    _submit(client, logins, **{"Idempotency-Key": "abc"})
    other = {**QH, "ballots_valid": 879, "ballots_invalid": 21}
    response = _submit(client, logins, other, **{"Idempotency-Key": "abc"})
    assert response.status_code == 422
    assert response.get_json()["code"] == "rule_broken"
    assert "Idempotency-Key" in response.get_json()["errors"]


def test_read_returns_the_current_version_and_its_history(client, logins):
    _submit(client, logins)
    correction = {
        **FIGURES,
        "ballots_valid": 881,
        "ballots_invalid": 19,
        "reason": "Đếm lại",
        "expected_version": 1,
    }
    assert (
        client.post(
            "/api/v1/tallies/1/corrections", json=correction, headers=logins.headers("officer")
        ).status_code
        == 201
    )
    body = client.get("/api/v1/tallies/1", headers=logins.headers("officer")).get_json()
    assert (body["version"], body["status"], body["ballots_valid"], body["ballots_invalid"]) == (
        2,
        "submitted",
        881,
        19,
    )
    assert body["votes"] == QH["votes"]
    assert [(v["version"], v["by"], v["reason"], v["ballots_valid"]) for v in body["versions"]] == [
        (1, "officer", None, 880),
        (2, "officer", "Đếm lại", 881),
    ]


def test_a_correction_needs_a_reason_and_the_current_version(client, logins):
    _submit(client, logins)
    no_reason = client.post(
        "/api/v1/tallies/1/corrections",
        json={**FIGURES, "expected_version": 1},
        headers=logins.headers("officer"),
    )
    assert no_reason.status_code == 400
    assert no_reason.get_json()["errors"] == {"reason": ["Bắt buộc phải có"]}
    blank = client.post(
        "/api/v1/tallies/1/corrections",
        json={**FIGURES, "expected_version": 1, "reason": "   "},
        headers=logins.headers("officer"),
    )
    assert blank.get_json()["errors"] == {"reason": ["Không được để trống"]}
    stale = client.post(
        "/api/v1/tallies/1/corrections",
        json={**FIGURES, "expected_version": 7, "reason": "x"},
        headers=logins.headers("officer"),
    )
    assert stale.status_code == 409
    assert stale.get_json()["current_version"] == 1


def test_a_correction_names_the_record_it_corrects(client, logins):
    _submit(client, logins)
    response = client.post(
        "/api/v1/tallies/1/corrections",
        json={**FIGURES, "voting_area": "T1A-2", "reason": "x", "expected_version": 1},
        headers=logins.headers("officer"),
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "voting_area": ["Biên bản số 1 thuộc «T1A-1», không phải «T1A-2»"]
    }


def test_verify_then_the_officer_can_no_longer_correct(client, logins):
    _submit(client, logins)
    verified = client.post(
        "/api/v1/tallies/1/verify", json={"expected_version": 1}, headers=logins.headers("reviewer")
    )
    assert verified.status_code == 200
    assert verified.get_json() == {"id": 1, "version": 1, "status": "verified"}
    again = client.post(
        "/api/v1/tallies/1/corrections",
        json={**FIGURES, "reason": "x", "expected_version": 1},
        headers=logins.headers("officer"),
    )
    assert again.status_code == 403
    assert again.get_json()["message"] == "Biên bản đã được xác nhận; Tổ bầu cử không thể sửa nữa"


def test_a_returned_record_is_corrected_and_verified_again(client, logins):
    _submit(client, logins)
    returned = client.post(
        "/api/v1/tallies/1/return", json={"reason": "Sai số phiếu"}, headers=logins.headers("board")
    )
    assert returned.get_json() == {"id": 1, "version": 1, "status": "returned"}
    corrected = client.post(
        "/api/v1/tallies/1/corrections",
        json={**FIGURES, "reason": "Đã sửa", "expected_version": 1},
        headers=logins.headers("officer"),
    )
    assert corrected.get_json()["status"] == "submitted"
    assert (
        client.post(
            "/api/v1/tallies/1/verify",
            json={"expected_version": 2},
            headers=logins.headers("board"),
        ).status_code
        == 200
    )


def test_verify_with_a_stale_version_is_409(client, logins):
    _submit(client, logins)
    response = client.post(
        "/api/v1/tallies/1/verify", json={"expected_version": 2}, headers=logins.headers("board")
    )
    assert response.status_code == 409


def test_verifying_twice_is_409(client, logins):
    _submit(client, logins)
    client.post(
        "/api/v1/tallies/1/verify", json={"expected_version": 1}, headers=logins.headers("board")
    )
    response = client.post(
        "/api/v1/tallies/1/verify", json={"expected_version": 1}, headers=logins.headers("reviewer")
    )
    assert response.status_code == 409
    # Who verified it, and when (issue #20).
    assert re.fullmatch(
        r"Không thể xác nhận biên bản đang ở trạng thái «đã xác nhận»: board đã xác nhận "
        r"lúc \d\d:\d\d:\d\d ngày \d\d/\d\d/\d{4}",
        response.get_json()["message"],
    )


def test_nobody_verifies_a_record_they_last_corrected(client, logins):
    _submit(client, logins)
    client.post(
        "/api/v1/tallies/1/corrections",
        json={**FIGURES, "reason": "Kiểm tra lại", "expected_version": 1},
        headers=logins.headers("reviewer"),
    )
    response = client.post(
        "/api/v1/tallies/1/verify", json={"expected_version": 2}, headers=logins.headers("reviewer")
    )
    assert response.status_code == 403
    assert (
        response.get_json()["message"]
        == "Không ai được xác nhận biên bản do chính mình nhập hoặc sửa lần cuối"
    )


def test_unknown_record_voting_area_and_contest_are_404(client, logins):
    assert client.get("/api/v1/tallies/99", headers=logins.headers("board")).status_code == 404
    assert _submit(client, logins, {**QH, "voting_area": "NOPE"}).status_code == 404
    assert _submit(client, logins, {**QH, "contest": "NOPE"}).status_code == 404


def test_racing_api_submissions_of_one_record_give_one_201_and_409s(app, logins):
    import threading

    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def post():
        client = app.test_client()
        barrier.wait()
        statuses.append(_submit(client, logins).status_code)

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) == [201, 409, 409, 409, 409, 409]
    assert _count(app, TallyRecord) == 1


def test_idempotency_keys_belong_to_their_user(app, client, logins):
    from election.services.identity import users

    with app.extensions["election.sessions"]() as session:
        other = users.create_user(
            session, "to-t1a-2", "officer", "T1A-2", "mat-khau-dai-du", token_label="cli"
        ).token
    first = _submit(client, logins, **{"Idempotency-Key": "same-key"})
    body = {**QH, "voting_area": "T1A-2", "voters_on_roll": 1100}
    second = client.post(
        "/api/v1/tallies",
        json=body,
        headers={"Authorization": f"Bearer {other}", "Idempotency-Key": "same-key"},
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.get_json()["id"] != first.get_json()["id"]
