"""Rounds end to end (issue #14, CONTRACT §6.1): each round's ballot and seats, the records a
round accepts, the union of winners, the board's choice where the law is silent, and the
forms read back.

Unit QH1: 3 seats, candidates QH1-1 … QH1-5, six voting areas with rolls 1.000 … 1.500
(7.500 in all). A "low" record has 40 % turnout: voted = roll × 2 // 5 (400 … 600, 3.000 in
all), 10 invalid, valid = voted − 10 (390 … 590, 2.940 in all). Otherwise the figures are
those of entry_for() (90 % turnout; T1A-1: 882 valid).
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import openpyxl
import pytest

from election.services.identity import users
from tests.api.conftest import tally_body
from tests.api.test_web_board import _login

VOTING_AREAS = ("T1A-1", "T1A-2", "T1B-1", "T1B-2", "T2A-1", "T2A-2")
UNIT = "/api/v1/results/units/QH1"
OPEN = "/api/v1/units/QH1/rounds"


def first_votes(valid: int) -> dict[str, int]:
    # QH1-1 on every valid ballot, QH1-2 on half (not more than half): QH1-1 alone qualifies.
    return {"QH1-1": valid, "QH1-2": valid // 2, "QH1-3": valid // 3, "QH1-4": 7, "QH1-5": 0}


def later_votes(valid: int) -> dict[str, int]:
    # The four not elected in round 1: QH1-2 (70 %) and QH1-3 (60 %) qualify for 2 seats.
    return {"QH1-2": valid * 7 // 10, "QH1-3": valid * 6 // 10, "QH1-4": 10, "QH1-5": 0}


def record(va: str, votes, low: bool = False, **extra) -> dict:
    body = tally_body(va)
    voted = body["voters_on_roll"] * 2 // 5 if low else body["voters_voted"]
    invalid = 10 if low else body["ballots_invalid"]
    valid = voted - invalid
    return {
        **body,
        "voters_voted": voted,
        "ballots_issued": voted,
        "ballots_received": voted,
        "ballots_valid": valid,
        "ballots_invalid": invalid,
        "votes": votes(valid),
        **extra,
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


def send_all(client, teams, votes, low: bool = False) -> None:
    for va in VOTING_AREAS:
        sent = client.post("/api/v1/tallies", json=record(va, votes, low), headers=teams[va])
        assert sent.status_code == 201, sent.get_json()


def unit(client, logins) -> dict:
    return client.get(UNIT, headers=logins.headers("board")).get_json()


def open_round(client, logins, kind: str, reason: str | None = None):
    body = {"kind": kind} if reason is None else {"kind": kind, "reason": reason}
    return client.post(OPEN, json=body, headers=logins.headers("board"))


def refusal(response) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.get_json()
    return [(p["code"], p["message"]) for p in response.get_json()["problems"]]


def workbook_texts(client, logins, path: str) -> list[str]:
    response = client.get(path, headers=logins.headers("board"))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    ws = openpyxl.load_workbook(io.BytesIO(response.data)).active
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def workbook_rows(client, logins, path: str) -> list[list]:
    response = client.get(path, headers=logins.headers("board"))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    ws = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = ([c.value for c in row if c.value is not None] for row in ws.iter_rows())
    return [r for r in rows if r]


def keep_form(client, logins, path: str, name: str) -> None:
    """With FORMS_OUT set (`make form-images`), keep the workbook for docs/forms/."""
    out = os.environ.get("FORMS_OUT")
    if out:
        Path(out, f"{name}.xlsx").write_bytes(
            client.get(path, headers=logins.headers("board")).data
        )


def winner_lines(texts: list[str]) -> list[str]:
    """Section b) of the unit record: "1. Ông/Bà NAME số phiếu: …" lines."""
    return [t for t in texts if re.match(r"\d+\. Ông/Bà .* số phiếu:", t)]


def verify_everything(client, logins) -> None:
    for record_id in range(1, 19):
        current = client.get(f"/api/v1/tallies/{record_id}", headers=logins.headers("board"))
        version = current.get_json()["version"]
        done = client.post(
            f"/api/v1/tallies/{record_id}/verify",
            json={"expected_version": version},
            headers=logins.headers("board"),
        )
        assert done.status_code == 200, done.get_json()


def test_partial_data_concludes_nothing_until_the_round_is_complete(client, logins, teams):
    # One voting area of six, at 40 %: the unit is not void yet.
    sent = client.post(
        "/api/v1/tallies", json=record("T1A-1", first_votes, True), headers=teams["T1A-1"]
    )
    assert sent.status_code == 201
    body = unit(client, logins)
    assert (body["complete"], body["void"], body["re_election"], body["elected"]) == (
        False,
        False,
        False,
        [],
    )
    assert (body["next_rounds"], body["winners"], body["board_decides"]) == ([], [], False)
    # T1A-1: valid 390; votes 390, 195, 130, 7, 0: the first three lead.
    assert [(c["code"], c["elected"], c["leading"]) for c in body["candidates"]] == [
        ("QH1-1", False, True),
        ("QH1-2", False, True),
        ("QH1-3", False, True),
        ("QH1-4", False, False),
        ("QH1-5", False, False),
    ]
    assert open_round(client, logins, "re_election").status_code == 409

    for va in VOTING_AREAS[1:]:
        sent = client.post("/api/v1/tallies", json=record(va, first_votes, True), headers=teams[va])
        assert sent.status_code == 201
    body = unit(client, logins)
    # 3.000 of 7.500 voted: not more than half, the unit is void.
    assert (body["complete"], body["void"], body["re_election"], body["elected"]) == (
        True,
        True,
        True,
        [],
    )
    assert (body["next_rounds"], body["still_open"]) == (["re_election"], 3)
    assert not any(c["leading"] for c in body["candidates"])


def test_first_then_re_election_then_additional(client, logins, teams):
    send_all(client, teams, first_votes, low=True)
    assert open_round(client, logins, "re_election").status_code == 201

    # The re-election: the original list, every seat (nobody was elected in the void round).
    body = unit(client, logins)
    assert (body["round"], body["round_kind"], body["seats"]) == (2, "re_election", 3)
    assert [c["code"] for c in body["candidates"]] == [f"QH1-{n}" for n in range(1, 6)]
    send_all(client, teams, first_votes)
    body = unit(client, logins)
    assert (body["elected"], body["winners"], body["shortfall"]) == (["QH1-1"], ["QH1-1"], 2)
    assert (body["additional_election"], body["next_rounds"]) == (True, ["additional"])
    assert open_round(client, logins, "additional").status_code == 201

    # The additional election follows the re-election: its ballot is the four candidates
    # not elected in it, for the 2 seats still to fill.
    body = unit(client, logins)
    assert (body["round"], body["round_kind"], body["seats"]) == (3, "additional", 2)
    assert [c["code"] for c in body["candidates"]] == ["QH1-2", "QH1-3", "QH1-4", "QH1-5"]
    headers = teams["T1A-1"]
    off_ballot = record("T1A-1", lambda v: {**later_votes(v), "QH1-1": 5})
    assert refusal(client.post("/api/v1/tallies", json=off_ballot, headers=headers)) == [
        (
            "candidate_unknown",
            "Không có trong danh sách người ứng cử của đơn vị bầu cử: QH1-1",
        )
    ]
    # T1A-1: 882 valid; 882 + 882 + 10 = 1.774 votes for 2 seats is more than 882 × 2.
    too_many = record("T1A-1", lambda v: {"QH1-2": v, "QH1-3": v, "QH1-4": 10, "QH1-5": 0})
    assert refusal(client.post("/api/v1/tallies", json=too_many, headers=headers)) == [
        (
            "votes_above_seats",
            "Tổng số phiếu bầu cho các người ứng cử (1.774) không được lớn hơn số phiếu hợp lệ "
            "× số đại biểu được bầu (882 × 2 = 1.764)",
        )
    ]
    # The names-kept breakdown has one line per seat of this round: two, not three.
    three_lines = record("T1A-1", later_votes, names_kept=[500, 382, 0])
    assert [
        c for c, _m in refusal(client.post("/api/v1/tallies", json=three_lines, headers=headers))
    ] == ["names_kept_length"]
    # 617 + 529 + 10 = 1.156 names on 882 ballots: 608 keep one name, 274 keep two.
    kept = record("T1A-1", later_votes, names_kept=[608, 274])
    sent = client.post("/api/v1/tallies", json=kept, headers=headers)
    assert sent.status_code == 201, sent.get_json()
    for va in VOTING_AREAS[1:]:
        sent = client.post("/api/v1/tallies", json=record(va, later_votes), headers=teams[va])
        assert sent.status_code == 201, sent.get_json()

    body = unit(client, logins)
    assert (body["complete"], body["elected"], body["shortfall"]) == (True, ["QH1-2", "QH1-3"], 0)
    assert (body["winners"], body["still_open"], body["next_rounds"]) == (
        ["QH1-1", "QH1-2", "QH1-3"],
        0,
        [],
    )
    assert [(r["round_kind"], r["seats"], r["elected"]) for r in body["rounds"]] == [
        ("first", 3, []),
        ("re_election", 3, ["QH1-1"]),
        ("additional", 2, ["QH1-2", "QH1-3"]),
    ]

    # The open data: every round's winners, projected until their records are verified.
    nist = client.get("/api/v1/open/nist-results.json", headers=logins.headers("board"))
    status = {
        c["@id"]: c.get("PostElectionStatus") for c in nist.get_json()["Election"][0]["Candidate"]
    }
    assert [status[f"cand-QH1-{n}"] for n in range(1, 6)] == ["projected-winner"] * 3 + [None] * 2

    # The unit record of the additional round lists the three winners once each, with
    # the votes of the round that elected them, and is provisional until all is verified.
    path = "/api/v1/forms/unit-record?contest=QH&scope=QH1"
    texts = workbook_texts(client, logins, path)
    assert "TẠM TÍNH" in texts
    # Re-election: QH1-1 6.617 of 6.617. Additional: QH1-2 Σ valid × 7 // 10 = 4.629
    # (617 + 679 + 741 + 802 + 864 + 926), QH1-3 Σ valid × 6 // 10 = 3.968
    # (529 + 582 + 635 + 688 + 741 + 793); of 6.617 valid ballots: 69,96 % and 59,97 %.
    assert winner_lines(texts) == [
        "1. Ông/Bà Nguyễn Văn An số phiếu: 6.617 đạt: 100,00 % so với tổng số phiếu hợp lệ.",
        "2. Ông/Bà Trần Thị Bình số phiếu: 4.629 đạt: 69,96 % so với tổng số phiếu hợp lệ.",
        "3. Ông/Bà Lê Văn Cường số phiếu: 3.968 đạt: 59,97 % so với tổng số phiếu hợp lệ.",
    ]
    conclusion = next(t for t in texts if t.startswith("c) Theo ấn định"))
    assert conclusion.endswith("là 3 đại biểu, nay đã bầu được 3 đại biểu, còn thiếu 0 đại biểu.")
    # The resolution's lines keep the unit's 3 seats and its list of 5; the round's own
    # sentence says it fills the 2 seats still open from a ballot of 4 (issue #14, item 6).
    assert any(t.endswith("số: 1 được bầu(2) 3 đại biểu Quốc hội.") for t in texts)
    assert any(t.endswith("số 1 có(3) 5 người ứng cử đại biểu Quốc hội.") for t in texts)
    assert (
        "Bầu cử thêm tại đơn vị bầu cử số 1 bầu 2 đại biểu còn thiếu trong số 3 đại biểu được "
        "bầu (1 đại biểu đã trúng cử ở vòng bầu cử trước); phiếu bầu có 4 người ứng cử."
    ) in texts
    verify_everything(client, logins)
    # Final once every round shown is certified (issue #17).
    assert "TẠM TÍNH" in workbook_texts(client, logins, path)
    for number in (1, 2, 3):
        sent = client.post(
            OPEN.replace("rounds", "certify"),
            json={"round": number},
            headers=logins.headers("board"),
        )
        assert sent.status_code == 201, sent.get_json()
    texts = workbook_texts(client, logins, path)
    assert "TẠM TÍNH" not in texts
    assert len(winner_lines(texts)) == 3
    keep_form(client, logins, path, "I-unit-record-qh-additional")
    nist = client.get("/api/v1/open/nist-results.json", headers=logins.headers("board"))
    status = {
        c["@id"]: c.get("PostElectionStatus") for c in nist.get_json()["Election"][0]["Candidate"]
    }
    assert [status[f"cand-QH1-{n}"] for n in range(1, 6)] == ["winner"] * 3 + ["defeated"] * 2


def test_a_failed_additional_election_lets_the_board_open_a_re_election_with_its_reason(
    client, logins, teams
):
    send_all(client, teams, first_votes)
    assert open_round(client, logins, "additional").status_code == 201
    send_all(client, teams, later_votes, low=True)

    # 40 % turnout in the additional election: the law is silent, nobody is elected and
    # QH1-1, elected in round 1, stays elected.
    body = unit(client, logins)
    assert (body["round_kind"], body["complete"], body["elected"], body["board_decides"]) == (
        "additional",
        True,
        [],
        True,
    )
    assert (body["winners"], body["still_open"], body["next_rounds"]) == (
        ["QH1-1"],
        2,
        ["re_election"],
    )
    assert (body["re_election"], body["additional_election"]) == (False, False)
    assert open_round(client, logins, "additional").status_code == 409  # only one additional
    missing = open_round(client, logins, "re_election")
    assert missing.status_code == 422
    assert missing.get_json()["errors"] == {
        "reason": ["Bắt buộc phải có lý do khi Ủy ban bầu cử quyết định"]
    }
    reason = "Cử tri đi bầu thêm dưới một nửa; Ủy ban bầu cử quyết định bầu cử lại 2 ghế"
    opened = open_round(client, logins, "re_election", reason)
    assert opened.get_json() == {"unit": "QH1", "round": 3, "kind": "re_election"}
    events = client.get("/api/v1/audit?after=0&limit=1000", headers=logins.headers("board"))
    assert events.get_json()["events"][-1]["after"] == {
        "round": 3,
        "kind": "re_election",
        "reason": reason,
    }

    # The re-election fills only the 2 seats still open; QH1-1 is not on its ballot.
    body = unit(client, logins)
    assert (body["round"], body["seats"], body["winners"]) == (3, 2, ["QH1-1"])
    assert [c["code"] for c in body["candidates"]] == ["QH1-2", "QH1-3", "QH1-4", "QH1-5"]
    headers = teams["T2A-2"]
    with_winner = record("T2A-2", first_votes, low=True)
    assert [
        c for c, _m in refusal(client.post("/api/v1/tallies", json=with_winner, headers=headers))
    ] == ["candidate_unknown"]
    # T2A-2 low: 590 valid; 590 + 590 + 1 = 1.181 is more than 590 × 2.
    too_many = record("T2A-2", lambda v: {"QH1-2": v, "QH1-3": v, "QH1-4": 1, "QH1-5": 0}, True)
    assert refusal(client.post("/api/v1/tallies", json=too_many, headers=headers))[0][0] == (
        "votes_above_seats"
    )
    # A re-election stands whatever its turnout.
    send_all(client, teams, later_votes, low=True)
    body = unit(client, logins)
    assert (body["elected"], body["winners"], body["still_open"]) == (
        ["QH1-2", "QH1-3"],
        ["QH1-1", "QH1-2", "QH1-3"],
        0,
    )
    texts = workbook_texts(client, logins, "/api/v1/forms/unit-record?contest=QH&scope=QH1")
    names = [line.split(" số phiếu")[0] for line in winner_lines(texts)]
    assert names == ["1. Ông/Bà Nguyễn Văn An", "2. Ông/Bà Trần Thị Bình", "3. Ông/Bà Lê Văn Cường"]

    # The city record's list of winners by unit keeps QH1-1 of round 1 (6.617 of 6.617) with
    # the re-election's two (2.058 and 1.764 of 2.940 valid ballots: Σ valid × 7 // 10 and
    # Σ valid × 6 // 10 over the low records), each once.
    rows = workbook_rows(client, logins, "/api/v1/forms/city-record?contest=QH&scope=T")
    start = next(i for i, r in enumerate(rows) if str(r[0]).startswith("4. Danh sách"))
    assert [r[-3:] for r in rows[start + 2 : start + 5]] == [
        ["1. Nguyễn Văn An", 6617, 100],
        ["2. Trần Thị Bình", 2058, 70],
        ["3. Lê Văn Cường", 1764, 60],
    ]
    assert not str(rows[start + 5][0]).endswith(("Nguyễn Văn An", "Trần Thị Bình"))


def test_the_unit_page_shows_the_boards_choice_and_opens_the_round_with_a_reason(
    client, logins, teams
):
    send_all(client, teams, first_votes)
    assert open_round(client, logins, "additional").status_code == 201
    send_all(client, teams, later_votes, low=True)
    _login(client, "board")
    html = client.get("/results/unit/QH1").get_data(as_text=True)
    assert "data-board-decides" in html
    assert 'Nguyễn Văn An <span class="note">(Bầu cử lần đầu)</span>' in html
    assert 'name="kind" value="re_election" checked' in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    refused = client.post(
        "/results/unit/QH1/rounds", data={"csrf_token": token, "kind": "re_election"}
    )
    assert refused.status_code == 422
    assert "Ủy ban bầu cử phải ghi rõ lý do" in refused.get_data(as_text=True)
    opened = client.post(
        "/results/unit/QH1/rounds",
        data={"csrf_token": token, "kind": "re_election", "reason": "Theo quyết định của Ủy ban"},
    )
    assert (opened.status_code, opened.headers["Location"]) == (302, "/results/unit/QH1")
    assert unit(client, logins)["round_kind"] == "re_election"


def _web_login(client, username: str, password: str) -> None:
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    data = {"username": username, "password": password, "csrf_token": token}
    assert client.post("/login", data=data).status_code == 302


def test_the_officers_entry_page_offers_the_later_rounds_ballot_and_seats(client, logins, teams):
    # Round 1 elects QH1-1 alone; the board opens the additional election for 2 seats.
    send_all(client, teams, first_votes)
    assert open_round(client, logins, "additional").status_code == 201
    _web_login(client, "to-t1a-1", "mat-khau-dai-du")
    home = client.get("/").get_data(as_text=True)
    assert "(bầu cử thêm)" in home
    page = client.get("/tally/T1A-1/QH")
    assert page.status_code == 200  # round 2 has no record yet: the entry form, not round 1's
    html = page.get_data(as_text=True)
    assert "Vòng 2: bầu cử thêm — bầu 2 đại biểu trong 4 người ứng cử." in html
    assert re.findall(r'name="votes\.(QH1-\d)"', html) == ["QH1-2", "QH1-3", "QH1-4", "QH1-5"]
    assert re.findall(r'name="names_kept\.(\d)"', html) == ["1", "2"]


def _qh_statistics_row(client, logins) -> list:
    rows = workbook_rows(client, logins, "/api/v1/forms/statistics?scope=T")
    return next(r for r in rows if r[:2] == ["I", "ĐẠI BIỂU QUỐC HỘI"])


def _reelection_section(client, logins) -> str:
    rows = workbook_rows(client, logins, "/api/v1/forms/city-record?contest=QH&scope=T")
    heading = next(i for i, r in enumerate(rows) if str(r[0]).startswith("2. Các đơn vị bầu cử"))
    return rows[heading + 1][0]


def test_the_reports_upward_count_a_void_unit_before_its_re_election_is_opened(
    client, logins, teams
):
    # Every voting area at 40 %: the unit is void, and nobody has opened the re-election yet.
    send_all(client, teams, first_votes, low=True)
    assert _reelection_section(client, logins) == "Đơn vị bầu cử số 1"
    # 7.500 voters, 3.000 voted (40 %); 1 unit, none with a single area, 1 under half,
    # 1 to re-elect, 0 additional; 6 voting areas, 6 under half, 6 to re-elect, 0 additional.
    assert _qh_statistics_row(client, logins)[2:14] == [7500, 3000, 40, 1, 0, 1, 1, 0, 6, 6, 6, 0]


def test_a_unit_at_exactly_half_turnout_is_re_elected_but_not_under_half(client, logins, teams):
    for va in VOTING_AREAS:
        body = tally_body(va)
        voted = body["voters_on_roll"] // 2  # rolls 1.000 … 1.500: exactly half
        exact = {
            **body,
            "voters_voted": voted,
            "ballots_issued": voted,
            "ballots_received": voted,
            "ballots_valid": voted - 10,
            "ballots_invalid": 10,
            "votes": first_votes(voted - 10),
        }
        sent = client.post("/api/v1/tallies", json=exact, headers=teams[va])
        assert sent.status_code == 201, sent.get_json()
    assert unit(client, logins)["re_election"] is True  # 3.750 × 2 is not more than 7.500
    assert _reelection_section(client, logins) == "Đơn vị bầu cử số 1"
    # 3.750 of 7.500 (50 %): not in "dưới 50%" (0 units, 0 areas), yet 1 unit and 6 areas to
    # re-elect; the form's note says how exactly-half units are counted.
    assert _qh_statistics_row(client, logins)[2:14] == [7500, 3750, 50, 1, 0, 0, 1, 0, 6, 0, 6, 0]
    texts = workbook_texts(client, logins, "/api/v1/forms/statistics?scope=T")
    assert any("đúng một nửa số cử tri đi bầu" in t for t in texts)


def test_a_tie_the_board_decides_keeps_line_c_adding_up(app, client, logins, teams):
    from election.models.contests import Candidate

    # QH1-3 (Lê Văn Cường) and QH1-4 (Phạm Thị Dung) born the same day.
    with app.extensions["election.sessions"]() as session:
        third = session.query(Candidate).filter_by(code="QH1-3").one()
        fourth = session.query(Candidate).filter_by(code="QH1-4").one()
        fourth.date_of_birth = third.date_of_birth
        session.commit()
    # QH1-1 on every ballot, QH1-2 on 80 %, QH1-3 and QH1-4 on 60 % each: four qualify for
    # three seats, and the last two are equal in votes and in age.
    send_all(
        client,
        teams,
        lambda v: {
            "QH1-1": v,
            "QH1-2": v * 8 // 10,
            "QH1-3": v * 6 // 10,
            "QH1-4": v * 6 // 10,
            "QH1-5": 0,
        },
    )
    body = unit(client, logins)
    assert (body["elected"], body["tie_needs_decision"], body["shortfall"]) == (
        ["QH1-1", "QH1-2"],
        ["QH1-3", "QH1-4"],
        0,
    )
    texts = workbook_texts(client, logins, "/api/v1/forms/unit-record?contest=QH&scope=QH1")
    (conclusion,) = [t for t in texts if t.startswith("c) Theo ấn định")]
    # 3 seats = 2 elected + 1 awaiting the decision + 0 missing.
    assert conclusion.endswith(
        "là 3 đại biểu, nay đã bầu được 2 đại biểu, 1 đại biểu chờ quyết định (những người "
        "ứng cử Lê Văn Cường, Phạm Thị Dung có số phiếu bằng nhau và cùng ngày sinh), còn "
        "thiếu 0 đại biểu."
    )
    # No seat is missing: no proposal of an additional election.
    assert not any(t.startswith("(7) Vì số người trúng cử") for t in texts)
