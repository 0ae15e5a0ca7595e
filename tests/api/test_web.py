"""The web shell: the Vietnamese login form with CSRF, sessions, each role's home page."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from election.models import AuditEvent
from tests.api.conftest import PASSWORD


def _csrf(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _login(client, username, password=PASSWORD, **extra):
    data = {"username": username, "password": password, "csrf_token": _csrf(client)}
    return client.post("/login", data=data, **extra)


def test_login_page_is_a_vietnamese_form_with_the_contract_fields(client, logins):
    response = client.get("/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="vi">' in html
    assert "<h1>Đăng nhập</h1>" in html
    for field in ("username", "password", "csrf_token"):
        assert f'name="{field}"' in html
    assert '<label for="username">Tên đăng nhập</label>' in html
    assert '<label for="password">Mật khẩu</label>' in html


def test_a_post_without_a_csrf_token_is_refused_with_400(client, logins):
    response = client.post("/login", data={"username": "board", "password": PASSWORD})
    assert response.status_code == 400
    assert "mã CSRF" in response.get_data(as_text=True)


def test_a_wrong_password_is_refused_and_audited(app, client, logins):
    response = _login(client, "board", "sai-mat-khau")
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.get_data(as_text=True)
    with app.extensions["election.sessions"]() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert (event.action, event.object_id, event.actor_id) == ("login.failed", "board", None)


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(client, logins):
    response = _login(client, "khong-co-ai", "sai-mat-khau")
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("who", "heading", "says"),
    [
        (
            "officer",
            "<h1>Tổ bầu cử — Khu vực bỏ phiếu số 1</h1>",
            "nhập biên bản kết quả kiểm phiếu",
        ),
        ("reviewer", "<h1>Kiểm tra biên bản — Quận Một</h1>", "4 khu vực bỏ phiếu"),
        ("board", "<h1>Ủy ban bầu cử thành phố</h1>", "xác nhận kết quả bầu cử"),
        ("admin", "<h1>Quản trị hệ thống</h1>", "không nhập hay sửa biên bản"),
    ],
)
def test_each_role_lands_on_its_own_home_page(client, logins, who, heading, says):
    response = _login(client, who)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    html = client.get("/").get_data(as_text=True)
    assert heading in html
    assert says in html


def test_the_officer_home_lists_the_contests_with_voters_in_vietnamese_format(client, logins):
    _login(client, "officer")
    html = client.get("/").get_data(as_text=True)
    assert html.count("Chưa nhập") == 4
    assert "<dt>Cử tri trong danh sách</dt><dd>1.000</dd>" in html
    assert "<dt>Cử tri trong danh sách</dt><dd>993</dd>" in html


def test_pages_need_a_signed_in_user(client, logins):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_never_redirects_to_another_site(client, logins):
    response = _login(client, "board", query_string={"next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    response = _login(client, "board", query_string={"next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_logout_ends_the_session(client, logins):
    _login(client, "board")
    token = _csrf(client, "/")
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/").status_code == 302


def test_the_admin_downloads_a_blank_setup_template(client, logins):
    _login(client, "admin")
    response = client.get("/setup/template.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert {
        "election",
        "areas",
        "contests",
        "units",
        "candidates",
        "voting_areas",
        "voters",
    } <= set(workbook.sheetnames)
    assert [c.value for c in workbook["units"][1]] == ["code", "contest", "name", "seats"]


def test_other_roles_cannot_download_the_template(client, logins):
    _login(client, "officer")
    response = client.get("/setup/template.xlsx")
    assert response.status_code == 403
    assert "Vai trò của bạn không được mở trang này" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/login", "/api/v1/openapi.json", "/api/v1/areas"])
def test_every_answer_carries_the_security_headers(client, logins, path):
    headers = client.get(path).headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_repeated_failed_logins_lock_the_account_for_a_while_and_are_audited(app, client, logins):
    for _ in range(5):
        assert _login(client, "board", "sai-mat-khau").status_code == 401
    refused = _login(client, "board")  # even the right password waits now
    assert refused.status_code == 429
    retry = int(refused.headers["Retry-After"])
    assert 14 * 60 < retry <= 15 * 60 + 1
    assert "Đăng nhập sai quá 5 lần; hãy thử lại sau 15 phút" in refused.get_data(as_text=True)
    with app.extensions["election.sessions"]() as session:
        actions = session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_id == "board")
            .order_by(AuditEvent.seq)
        ).all()
    assert actions[-6:] == ["login.failed"] * 5 + ["login.throttled"]
    # Another account is not affected.
    assert _login(client, "admin").status_code == 302


def test_a_successful_login_clears_the_failures(client, logins):
    for _ in range(4):
        _login(client, "board", "sai-mat-khau")
    assert _login(client, "board").status_code == 302
    for _ in range(4):
        _login(client, "board", "sai-mat-khau")
    assert _login(client, "board").status_code == 302


def test_a_session_idle_for_more_than_thirty_minutes_ends(client, logins):
    _login(client, "board")
    assert client.get("/").status_code == 200
    with client.session_transaction() as cookie:
        cookie["seen"] -= 30 * 60 + 1
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_session_in_use_stays_open(client, logins):
    _login(client, "board")
    with client.session_transaction() as cookie:
        cookie["seen"] -= 29 * 60
    assert client.get("/").status_code == 200
