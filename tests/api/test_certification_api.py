"""Certification (issue #17, CONTRACT §6.4): refused while anything is missing or unverified,
a digest over exactly the versions signed, reopened by any change below in the same
transaction, the city's result only over certified units.

Unit QH1: 3 seats, candidates QH1-1 … QH1-5, the six voting areas of tests/factories.py.
"""

from __future__ import annotations

import hashlib
import io
import json

import openpyxl
import pytest

from election.services.identity import users
from tests.api.conftest import tally_body
from tests.factories import small_setup

VOTING_AREAS = ("T1A-1", "T1A-2", "T1B-1", "T1B-2", "T2A-1", "T2A-2")
CERTIFY = "/api/v1/units/QH1/certify"
CITY = "/api/v1/areas/T/certify"


def three_elected(valid: int) -> dict[str, int]:
    # QH1-1, QH1-2 and QH1-3 each on more than half of the valid ballots: 3 of 3 seats.
    return {
        "QH1-1": valid,
        "QH1-2": valid * 7 // 10,
        "QH1-3": valid * 6 // 10,
        "QH1-4": 10,
        "QH1-5": 0,
    }


@pytest.fixture
def teams(app, logins):
    headers = {}
    with app.extensions["election.sessions"]() as session:
        for va in VOTING_AREAS:
            token = users.create_user(
                session, f"to-{va.lower()}", "officer", va, "mat-khau-dai-du", token_label="cli"
            ).token
            headers[va] = {"Authorization": f"Bearer {token}"}
    return headers


def body(va: str) -> dict:
    b = tally_body(va)
    return {**b, "votes": three_elected(b["ballots_valid"])}


def submit_all(client, teams, areas=VOTING_AREAS) -> dict[str, int]:
    ids = {}
    for va in areas:
        sent = client.post("/api/v1/tallies", json=body(va), headers=teams[va])
        assert sent.status_code == 201, sent.get_json()
        ids[va] = sent.get_json()["id"]
    return ids


def verify(client, logins, record_id: int, version: int = 1) -> None:
    done = client.post(
        f"/api/v1/tallies/{record_id}/verify",
        json={"expected_version": version},
        headers=logins.headers("board"),
    )
    assert done.status_code == 200, done.get_json()


def certify(client, logins, who="board", round_no=1, **extra):
    return client.post(CERTIFY, json={"round": round_no, **extra}, headers=logins.headers(who))


def unit(client, logins) -> dict:
    return client.get("/api/v1/results/units/QH1", headers=logins.headers("board")).get_json()


def expected_digest(client, logins, ids: dict[str, int]) -> str:
    """The digest worked out here from the records as the API shows them (domain law §17)."""
    lines = []
    for va, record_id in ids.items():
        r = client.get(f"/api/v1/tallies/{record_id}", headers=logins.headers("board")).get_json()
        content = {
            "voting_area": va,
            "contest": 1,  # QH is the first contest of tests/factories.py
            "round": 1,
            "version": r["version"],
            "figures": {
                k: r[k]
                for k in (
                    "voters_on_roll",
                    "voters_voted",
                    "ballots_issued",
                    "ballots_received",
                    "ballots_valid",
                    "ballots_invalid",
                    "complaints_received",
                    "complaints_settled",
                    "complaints_forwarded",
                )
            },
            # Votes by candidate id: QH1-1 … QH1-5 are candidates 1 … 5.
            "votes": {str(n): r["votes"][f"QH1-{n}"] for n in range(1, 6)},
            "names_kept": r["names_kept"],
            "comment": r["comment"],
            "reason": r["versions"][-1]["reason"],
        }
        text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        lines.append(f"{va}:{hashlib.sha256(text.encode()).hexdigest()}")
    return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()


def test_certification_is_refused_until_every_record_is_in_and_verified(client, logins, teams):
    ids = submit_all(client, teams, VOTING_AREAS[:5])
    refused = certify(client, logins)
    assert refused.status_code == 409
    assert refused.get_json()["message"] == (
        "Chưa thể xác nhận vòng 1 của Đơn vị bầu cử số 1: 1 khu vực bỏ phiếu chưa có biên "
        "bản; 5 biên bản chưa được kiểm tra xác nhận"
    )
    ids.update(submit_all(client, teams, VOTING_AREAS[5:]))
    for record_id in list(ids.values())[:4]:
        verify(client, logins, record_id)
    assert (
        certify(client, logins)
        .get_json()["message"]
        .endswith("2 biên bản chưa được kiểm tra xác nhận")
    )
    for record_id in list(ids.values())[4:]:
        verify(client, logins, record_id)
    for who in ("officer", "reviewer", "admin"):
        assert certify(client, logins, who).status_code == 403
    assert certify(client, logins, round_no=2).status_code == 404
    done = certify(client, logins, signers="Nguyễn Văn A (Trưởng ban), Trần Thị B")
    assert done.status_code == 201, done.get_json()
    reply = done.get_json()
    assert (reply["unit"], reply["round"], reply["by"]) == ("QH1", 1, "board")
    assert reply["digest"] == expected_digest(client, logins, ids)
    assert reply["signers"] == "Nguyễn Văn A (Trưởng ban), Trần Thị B"
    # The anchor is the chain's head when it was signed: an event that exists with that hash.
    events = client.get("/api/v1/audit?after=0&limit=1000", headers=logins.headers("board"))
    by_seq = {e["seq"]: e["hash"] for e in events.get_json()["events"]}
    assert by_seq[reply["audit_seq"]] == reply["audit_hash"]
    assert certify(client, logins).status_code == 409  # already certified
    cert = unit(client, logins)["certification"]
    assert (cert["round"], cert["digest"], cert["valid"], cert["reopened"]) == (
        1,
        reply["digest"],
        True,
        None,
    )


def _certified(client, logins, teams) -> dict[str, int]:
    ids = submit_all(client, teams)
    for record_id in ids.values():
        verify(client, logins, record_id)
    assert certify(client, logins).status_code == 201
    return ids


def test_a_correction_reopens_the_unit_and_the_city_in_its_own_transaction(client, logins, teams):
    ids = _certified(client, logins, teams)
    city = client.post(CITY, json={"contest": "QH"}, headers=logins.headers("board"))
    assert city.status_code == 201, city.get_json()
    first_digest = unit(client, logins)["certification"]["digest"]

    correction = {
        **{k: v for k, v in body("T1A-1").items() if k not in ("voting_area", "contest")},
        "comment": "Ghi chú bổ sung",
        "reason": "Bổ sung ghi chú",
        "expected_version": 1,
    }
    sent = client.post(
        f"/api/v1/tallies/{ids['T1A-1']}/corrections",
        json=correction,
        headers=logins.headers("reviewer"),
    )
    assert sent.status_code == 201
    cert = unit(client, logins)["certification"]
    assert cert["valid"] is False
    reason = "đính chính biên bản Khu vực bỏ phiếu số 1 (T1A-1), phiên bản 2"
    assert cert["reopened"]["reason"] == reason
    listing = client.get("/api/v1/certifications", headers=logins.headers("board")).get_json()
    assert [(c["level"], c["valid"], c["reopened"]["reason"]) for c in listing] == [
        ("city", False, f"Đơn vị bầu cử số 1 được mở lại: {reason}"),
        ("unit", False, reason),
    ]
    events = client.get("/api/v1/audit?after=0&limit=1000", headers=logins.headers("board"))
    events = events.get_json()["events"]
    correct_seq = next(e["seq"] for e in events if e["action"] == "tally.correct")
    reopens = [e for e in events if e["action"] == "certification.reopen"]
    # Right after the correction, in the same transaction: the unit's, then the city's.
    assert [e["seq"] for e in reopens] == [correct_seq + 1, correct_seq + 2]
    assert cert["reopened"]["seq"] == correct_seq + 1  # its own event; the city's is next
    # Verified again, the unit is certified again over the new version: another digest.
    verify(client, logins, ids["T1A-1"], version=2)
    again = certify(client, logins)
    assert again.status_code == 201
    assert again.get_json()["digest"] != first_digest


def test_a_return_and_a_new_round_reopen_too(client, logins, teams):
    ids = _certified(client, logins, teams)
    returned = client.post(
        f"/api/v1/tallies/{ids['T2A-2']}/return",
        json={"reason": "Thiếu chữ ký", "expected_version": 1},
        headers=logins.headers("board"),
    )
    assert returned.status_code == 200
    assert unit(client, logins)["certification"]["reopened"]["reason"] == (
        "trả lại biên bản Khu vực bỏ phiếu số 2 (T2A-2): Thiếu chữ ký"
    )


def test_the_city_is_certified_only_over_certified_units(client, logins, teams):
    submit_all(client, teams)
    refused = client.post(CITY, json={"contest": "QH"}, headers=logins.headers("board"))
    assert refused.status_code == 409
    assert refused.get_json()["message"] == (
        "Chưa thể xác nhận: 1 đơn vị bầu cử chưa được xác nhận kết quả cuối cùng "
        "(Đơn vị bầu cử số 1)"
    )
    bad = client.post(CITY, json={"contest": 5}, headers=logins.headers("board"))
    assert bad.status_code == 400
    assert (
        client.post(CITY, json={"contest": "QH"}, headers=logins.headers("reviewer")).status_code
        == 403
    )


PUBLIC = "/api/v1/public/results?contest=QH"


def test_the_public_answer_holds_no_uncertified_figure_and_says_what_changed(client, logins, teams):
    ids = submit_all(client, teams)
    before = client.get(PUBLIC)
    assert before.status_code == 200
    assert before.headers["Cache-Control"] == "public, max-age=15"
    body = before.get_json()
    assert (body["status"], body["snapshot"], body["changes"]) == ("unofficial-complete", 0, [])
    assert body["units"] == [
        {
            "unit": "QH1",
            "name": "Đơn vị bầu cử số 1",
            "seats": 3,
            "status": "pending",
            "voting_areas": 6,
            "voting_areas_reported": 6,
        }
    ]
    # The same answer again: 304 for whoever holds it.
    etag = before.headers["ETag"]
    again = client.get(PUBLIC, headers={"If-None-Match": etag})
    assert (again.status_code, again.data) == (304, b"")

    for record_id in ids.values():
        verify(client, logins, record_id)
    certified = certify(client, logins).get_json()
    after = client.get(PUBLIC, headers={"If-None-Match": etag})
    assert after.status_code == 200
    body = after.get_json()
    assert body["status"] == "certified"
    (unit_,) = body["units"]
    # 6 areas: roll 7.500, voted 6.750 (90,00 %), valid 6.617, invalid 133 (tests/factories).
    assert (unit_["status"], unit_["voters_on_roll"], unit_["voters_voted"]) == (
        "certified",
        7500,
        6750,
    )
    assert (unit_["turnout_pct"], unit_["ballots_valid"], unit_["ballots_invalid"]) == (
        "90.00",
        6617,
        133,
    )
    assert unit_["digest"] == certified["digest"]
    # QH1-1 on every valid ballot, QH1-2 on Σ valid × 7 // 10, QH1-3 on Σ valid × 6 // 10.
    assert [(w["name"], w["votes"], w["pct_of_valid"]) for w in unit_["winners"]] == [
        ("Nguyễn Văn An", 6617, "100.00"),
        ("Trần Thị Bình", 4629, "69.96"),
        ("Lê Văn Cường", 3968, "59.97"),
    ]
    (change,) = body["changes"]
    assert change["snapshot"] == body["snapshot"]
    assert change["changes"][0].startswith("Đơn vị bầu cử số 1: xác nhận kết quả lúc ")

    # A correction reopens it: the public sees it pending again, and why.
    correction = {
        **{k: v for k, v in body_of("T1B-1").items()},
        "reason": "Sửa số phiếu",
        "expected_version": 1,
    }
    sent = client.post(
        f"/api/v1/tallies/{ids['T1B-1']}/corrections",
        json=correction,
        headers=logins.headers("reviewer"),
    )
    assert sent.status_code == 201
    body = client.get(PUBLIC).get_json()
    assert body["units"][0]["status"] == "pending"
    assert "voters_voted" not in body["units"][0]
    assert body["changes"][0]["changes"] == [
        "Đơn vị bầu cử số 1: mở lại do đính chính biên bản Khu vực bỏ phiếu số 1 (T1B-1), "
        "phiên bản 2"
    ]
    page = client.get("/public?contest=QH")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Đang tổng hợp" in html and "6/6 khu vực bỏ phiếu đã báo cáo" in html
    assert "mở lại do đính chính biên bản Khu vực bỏ phiếu số 1 (T1B-1)" in html
    assert (
        client.get(
            "/public?contest=QH", headers={"If-None-Match": page.headers["ETag"]}
        ).status_code
        == 304
    )


def body_of(va: str) -> dict:
    return {k: v for k, v in body(va).items() if k not in ("voting_area", "contest")}


def test_the_public_answer_refuses_an_unknown_contest(client, logins):
    bad = client.get("/api/v1/public/results?contest=XX")
    assert bad.status_code == 400
    assert bad.get_json()["errors"] == {
        "contest": ["Một trong: QH, HDND_TINH, HDND_HUYEN, HDND_XA"]
    }


def test_a_form_printed_under_a_reopened_certification_says_so_at_verification(
    client, logins, teams
):
    ids = _certified(client, logins, teams)
    form = client.get(
        "/api/v1/forms/unit-record?contest=QH&scope=QH1", headers=logins.headers("board")
    )
    (code,) = form.headers["X-Verification-Codes"].split(",")
    checked = client.get(f"/api/v1/verify/{code}").get_json()
    assert (checked["matches"], checked["reason"]) == (True, None)
    returned = client.post(
        f"/api/v1/tallies/{ids['T1A-2']}/return",
        json={"reason": "Ảnh mờ"},
        headers=logins.headers("board"),
    )
    assert returned.status_code == 200
    checked = client.get(f"/api/v1/verify/{code}").get_json()
    assert (checked["matches"], checked["reason"]) == (False, "đã có thay đổi sau khi xác nhận")
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "Biểu mẫu này lập từ kết quả đã xác nhận, nhưng đã có thay đổi sau khi xác nhận." in page


UNITS = {
    "QH": {"T1A": "QH1", "T1B": "QH1", "T2A": "QH1"},
    "HDND_TINH": {"T1A": "TP1", "T1B": "TP1", "T2A": "TP2"},
    "HDND_HUYEN": {"T1A": "Q1", "T1B": "Q1"},
    "HDND_XA": {"T1A": "XA1", "T1B": "XB1", "T2A": "XC1"},
}
# Where each contest's result is certified: the city, district T1, each ward.
AREAS = {"QH": ["T"], "HDND_TINH": ["T"], "HDND_HUYEN": ["T1"], "HDND_XA": ["T1A", "T1B", "T2A"]}


def test_the_statistics_become_official_only_once_every_contest_is_certified(client, logins, teams):
    ids = []
    for contest, units in UNITS.items():
        for va in VOTING_AREAS:
            unit_code = units.get(va[:3])
            if unit_code is None:
                continue
            sent = client.post(
                "/api/v1/tallies", json=any_body(va, contest, unit_code), headers=teams[va]
            )
            assert sent.status_code == 201, sent.get_json()
            ids.append(sent.get_json()["id"])
    for record_id in ids:
        verify(client, logins, record_id)
    for code in ("QH1", "TP1", "TP2", "Q1", "XA1", "XB1", "XC1"):
        done = client.post(
            f"/api/v1/units/{code}/certify", json={"round": 1}, headers=logins.headers("board")
        )
        assert done.status_code == 201, (code, done.get_json())
    stats = "/api/v1/forms/statistics?scope=T"

    def texts() -> list[str]:
        got = client.get(stats, headers=logins.headers("board"))
        ws = openpyxl.load_workbook(io.BytesIO(got.data)).active
        return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]

    pending = [(c, a) for c, areas in AREAS.items() for a in areas]
    for contest, area in pending:
        assert "TẠM TÍNH" in texts()  # every unit certified, not yet every council
        done = client.post(
            f"/api/v1/areas/{area}/certify",
            json={"contest": contest},
            headers=logins.headers("board"),
        )
        assert done.status_code == 201, (contest, area, done.get_json())
    final = texts()
    assert "TẠM TÍNH" not in final
    assert "Mẫu số 32/HĐBC" in final  # the official statistics of the 2021 form set


def any_body(va: str, contest: str, unit_code: str) -> dict:
    """A record of any contest electing its unit's first three: 90 % turnout, 2 % invalid."""
    roll = next(
        v.voters for v in small_setup().voters if (v.voting_area, v.contest) == (va, contest)
    )
    voted = roll * 9 // 10
    invalid = voted // 50
    valid = voted - invalid
    return {
        "voting_area": va,
        "contest": contest,
        "voters_on_roll": roll,
        "voters_voted": voted,
        "ballots_issued": voted,
        "ballots_received": voted,
        "ballots_valid": valid,
        "ballots_invalid": invalid,
        "votes": {
            f"{unit_code}-1": valid,
            f"{unit_code}-2": valid * 7 // 10,
            f"{unit_code}-3": valid * 6 // 10,
            f"{unit_code}-4": 10,
            f"{unit_code}-5": 0,
        },
    }


def test_opening_a_new_round_reopens_the_certified_round_before_it(client, logins, teams):
    ids = {}
    for va in VOTING_AREAS:
        b = tally_body(va)  # QH1-1 on every ballot, QH1-2 on half: one elected of three
        sent = client.post("/api/v1/tallies", json=b, headers=teams[va])
        ids[va] = sent.get_json()["id"]
    for record_id in ids.values():
        verify(client, logins, record_id)
    assert certify(client, logins).status_code == 201
    opened = client.post(
        "/api/v1/units/QH1/rounds", json={"kind": "additional"}, headers=logins.headers("board")
    )
    assert opened.status_code == 201
    cert = unit(client, logins)["certification"]
    assert (cert["round"], cert["valid"]) == (1, False)
    assert cert["reopened"]["reason"] == "mở vòng 2 (bầu cử thêm)"
