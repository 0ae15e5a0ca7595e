"""Turnout progress during election day: reports at set times, summed per area."""

from __future__ import annotations

import pytest


def _report(client, logins, time, voted, va="T1A-1", contest="QH", who="officer"):
    return client.post(
        "/api/v1/turnout",
        json={"voting_area": va, "contest": contest, "time": time, "voters_voted": voted},
        headers=logins.headers(who),
    )


def test_a_report_is_stored_with_its_share_of_the_roll(client, logins):
    response = _report(client, logins, "11:00", 250)
    assert response.status_code == 201
    # T1A-1 has 1.000 voters for QH: 250 is 25,00 %.
    assert response.get_json() == {
        "voting_area": "T1A-1",
        "contest": "QH",
        "time": "11:00",
        "voters_voted": 250,
        "turnout_pct": "25.00",
    }


def test_progress_sums_the_reports_of_an_area_per_time(client, logins):
    _report(client, logins, "11:00", 250)
    _report(client, logins, "14:00", 600)
    body = client.get("/api/v1/turnout?area=T1", headers=logins.headers("board")).get_json()
    assert body["times"] == ["11:00", "14:00", "17:00", "19:00"]
    qh = [p for p in body["progress"] if p["contest"] == "QH"]
    assert [
        (p["time"], p["reported"], p["voting_areas_total"], p["voters_voted"], p["turnout_pct"])
        for p in qh
    ] == [
        ("11:00", 1, 4, 250, "25.00"),
        ("14:00", 1, 4, 600, "60.00"),
        ("17:00", 0, 4, 0, None),
        ("19:00", 0, 4, 0, None),
    ]


def test_a_report_again_replaces_the_first_and_both_are_audited(client, logins):
    _report(client, logins, "11:00", 250)
    _report(client, logins, "11:00", 260)
    body = client.get("/api/v1/turnout?area=T1A", headers=logins.headers("board")).get_json()
    assert body["progress"][0]["voters_voted"] == 260
    events = client.get("/api/v1/audit?limit=1000", headers=logins.headers("board")).get_json()[
        "events"
    ]
    reports = [
        (e["before"], e["after"]["voters_voted"]) for e in events if e["action"] == "turnout.report"
    ]
    assert reports == [(None, 250), ({"voters_voted": 250}, 260)]


@pytest.mark.parametrize(
    ("time", "voted", "message"),
    [
        ("12:00", 10, "Mốc giờ báo cáo phải là một trong: 11:00, 14:00, 17:00, 19:00"),
        ("11:00", 1001, "Số cử tri đã bỏ phiếu (1.001) không được lớn hơn tổng số cử tri (1.000)"),
    ],
)
def test_impossible_reports_are_refused(client, logins, time, voted, message):
    response = _report(client, logins, time, voted)
    assert response.status_code == 422
    assert response.get_json()["message"] == message


def test_turnout_cannot_go_down_between_report_times(client, logins):
    _report(client, logins, "14:00", 600)
    response = _report(client, logins, "17:00", 550)
    assert response.status_code == 422
    assert response.get_json()["message"] == (
        "Số cử tri đã bỏ phiếu lúc 17:00 (550) không khớp với báo cáo lúc 14:00 (600): "
        "số người đã bỏ phiếu không giảm theo thời gian"
    )


def test_only_the_voting_areas_own_team_reports(client, logins):
    assert _report(client, logins, "11:00", 10, va="T1A-2").status_code == 403
    assert _report(client, logins, "11:00", 10, who="board").status_code == 403


def _web_login(client, username):
    import re

    from tests.api.conftest import PASSWORD

    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    html = client.get("/turnout/report").get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return match.group(1) if match else None


def test_the_officer_reports_through_the_web_form_and_the_board_sees_it(client, logins):
    token = _web_login(client, "officer")
    response = client.post(
        "/turnout/report",
        data={"csrf_token": token, "contest": "QH", "time": "11:00", "voters_voted": "1.000"},
    )
    assert response.status_code == 303
    bad = client.post(
        "/turnout/report",
        data={"csrf_token": token, "contest": "QH", "time": "14:00", "voters_voted": "mười"},
    )
    assert bad.status_code == 400
    assert "Chỉ nhập chữ số" in bad.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token})
    _web_login(client, "board")
    html = client.get("/turnout?area=T1A").get_data(as_text=True)
    assert "<h1>Tiến độ cử tri đi bầu — Phường An Biên</h1>" in html
    assert '<td class="num">1/2</td>' in html
    assert '<td class="num">100,00%</td>' in html


def test_more_than_sixty_changes_a_minute_are_refused_with_retry_after(client, logins):
    for n in range(60):
        assert _report(client, logins, "11:00", 100 + n).status_code == 201
    response = _report(client, logins, "11:00", 200)
    assert response.status_code == 429
    assert response.get_json()["code"] == "too_many_requests"
    assert 1 <= int(response.headers["Retry-After"]) <= 61
    # The limit is per user: the board's reads and other officers are not affected.
    assert (
        client.get("/api/v1/turnout?area=T1A", headers=logins.headers("board")).status_code == 200
    )
