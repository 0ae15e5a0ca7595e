"""The admin's users page (issue #20, CONTRACT §6.6): list, search, create one, the teams of an
area with their credential slips, reset, unlock, deactivate, reactivate, change scope."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from election import demo as generator
from election.models import AuditEvent, User
from election.services.identity import users
from election.services.setup import demo
from tests.api.conftest import PASSWORD
from tests.api.test_web import _csrf, _login

ACTIONS = ("reset", "unlock", "deactivate", "reactivate", "scope")
SLIP_PASSWORD = re.compile(r"([a-z2-9]{4}-){3}[a-z2-9]{4}")


def _admin(client) -> str:
    """Sign the admin in; a CSRF token of the users page."""
    _login(client, "admin")
    return _csrf(client, "/admin/users")


def _user_id(app, username: str) -> int:
    with app.extensions["election.sessions"]() as session:
        return session.scalar(select(User.id).where(User.username == username))


def _counts(app) -> tuple[int, int]:
    with app.extensions["election.sessions"]() as session:
        return (
            session.scalar(select(func.count()).select_from(User)),
            session.scalar(select(func.count()).select_from(AuditEvent)),
        )


def _refused(app, client, path: str, form: dict, status: int) -> str:
    """Post ``form`` as the admin; the page answering ``status``, having written nothing."""
    token = _admin(client)
    before = _counts(app)
    response = client.post(path, data={"csrf_token": token, **form})
    assert response.status_code == status
    assert _counts(app) == before
    return response.get_data(as_text=True)


def _field_errors(html: str) -> list[str]:
    return re.findall(r'<p class="field-error"[^>]*>([^<]+)</p>', html)


def _slips(data: bytes) -> list[dict[str, str]]:
    """Each slip of a slips workbook as {label: value}, read back with openpyxl."""
    ws = load_workbook(io.BytesIO(data)).active
    slips, current = [], {}
    for label, value in ws.iter_rows(values_only=True):
        if label and label.startswith("PHIẾU TÀI KHOẢN"):
            current = {}
            slips.append(current)
        elif label and value is not None:
            current[label] = value
    return slips


def test_the_users_page_lists_every_account_with_its_role_scope_and_state(client, logins):
    _login(client, "admin")
    html = client.get("/admin/users").get_data(as_text=True)
    assert "<h1>Quản lý người dùng</h1>" in html
    assert '<caption id="users-caption">5 người dùng · trang 1/1</caption>' in html
    assert re.findall(r"<td><code>([^<]+)</code></td>", html) == [
        "admin",
        "board",
        "officer",
        "reviewer",
        "ward_reviewer",
    ]
    assert html.count('<span class="state state-active">Đang hoạt động</span>') == 5
    assert 'Khu vực bỏ phiếu số 1 <span class="muted">(T1A-1)</span>' in html
    assert 'Xã Đồng Thái <span class="muted">(T2A)</span>' in html


def test_the_admin_home_and_the_menu_lead_to_the_users_page(client, logins):
    _login(client, "admin")
    html = client.get("/").get_data(as_text=True)
    assert '<a href="/admin/users">quản lý người dùng</a>' in html
    assert '<a href="/admin/users">Người dùng</a>' in html
    _login(client, "board")
    assert "/admin/users" not in client.get("/").get_data(as_text=True)


def test_search_role_and_area_filters_keep_the_true_count(client, logins):
    _login(client, "admin")

    def listed(query: str) -> tuple[str, list[str]]:
        html = client.get(f"/admin/users?{query}").get_data(as_text=True)
        caption = re.search(r'<caption id="users-caption">([^<]+)</caption>', html)[1]
        return caption, re.findall(r"<td><code>([^<]+)</code></td>", html)

    assert listed("q=review") == ("2 người dùng · trang 1/1", ["reviewer", "ward_reviewer"])
    assert listed("role=reviewer&area=T2A") == ("1 người dùng · trang 1/1", ["ward_reviewer"])
    assert listed("area=T1") == ("2 người dùng · trang 1/1", ["officer", "reviewer"])
    assert listed("q=nobody") == ("0 người dùng", [])


@pytest.mark.parametrize(
    ("query", "status", "error"),
    [
        ("role=vua", 400, "Vai trò «vua» không hợp lệ"),
        ("page=-1", 400, "Phải là số nguyên dương"),
        ("page=9999999", 400, "Phải là số nguyên dương"),
        ("area=T9", 404, "Mã không tồn tại"),
        ("q=" + "x" * 101, 400, "Từ khóa tìm kiếm tối đa 100 ký tự"),
    ],
)
def test_a_bad_filter_is_a_4xx_with_its_vietnamese_message(client, logins, query, status, error):
    _login(client, "admin")
    response = client.get(f"/admin/users?{query}")
    assert response.status_code == status
    assert error in response.get_data(as_text=True)


def test_more_than_fifty_users_are_paged_with_every_one_reachable(app, client, logins):
    with app.extensions["election.sessions"]() as session:
        for n in range(60):
            users.create_user(session, f"kt.{n:02d}", "reviewer", "T1A", PASSWORD)
    _login(client, "admin")
    first = client.get("/admin/users?role=reviewer").get_data(as_text=True)
    assert "62 người dùng · trang 1/2" in first
    assert '<a href="/admin/users?role=reviewer&amp;page=2" rel="next">' in first
    second = client.get("/admin/users?role=reviewer&page=2").get_data(as_text=True)
    names = re.findall(r"<td><code>([^<]+)</code></td>", first + second)
    assert names == [f"kt.{n:02d}" for n in range(60)] + ["reviewer", "ward_reviewer"]


def test_every_role_but_the_admin_is_refused_the_page_and_its_actions(app, client, logins):
    officer = _user_id(app, "officer")
    for who in ("officer", "reviewer", "board"):
        _login(client, who)
        token = _csrf(client, "/password")
        assert client.get("/admin/users").status_code == 403, who
        posts = ["/admin/users", "/admin/users/teams"]
        posts += [f"/admin/users/{officer}/{action}" for action in ACTIONS]
        for path in posts:
            response = client.post(path, data={"csrf_token": token, "team_area": "T1A"})
            assert response.status_code == 403, (who, path)
    assert _counts(app)[0] == 5


def test_every_form_needs_its_csrf_token(app, client, logins):
    _admin(client)
    officer = _user_id(app, "officer")
    before = _counts(app)
    posts = ["/admin/users", "/admin/users/teams"] + [
        f"/admin/users/{officer}/{a}" for a in ACTIONS
    ]
    for path in posts:
        response = client.post(path, data={"username": "x", "team_area": "T1A"})
        assert response.status_code == 400, path
        assert "mã CSRF" in response.get_data(as_text=True)
    assert _counts(app) == before


def test_a_created_user_sees_the_password_once_and_must_change_it(app, client, logins):
    token = _admin(client)
    response = client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "username": "kt.anbien",
            "full_name": "Lê Thị Kiểm",
            "role": "reviewer",
            "area": "T1A",
        },
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    password = re.search(r'<code id="new-password" class="password">([^<]+)</code>', html)[1]
    assert SLIP_PASSWORD.fullmatch(password)
    assert "Mật khẩu tạm thời của «kt.anbien»" in html
    assert password not in client.get("/admin/users").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": _csrf(client, "/")})
    signed = _login(client, "kt.anbien", password)
    assert signed.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/password"
    with app.extensions["election.sessions"]() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.create")).all()
    assert event[-1].after == {
        "username": "kt.anbien",
        "role": "reviewer",
        "area": "T1A",
        "full_name": "Lê Thị Kiểm",
    }


@pytest.mark.parametrize(
    ("form", "status", "errors"),
    [
        (
            {"username": "có dấu", "role": "officer", "area": ""},
            400,
            [
                "Tên đăng nhập gồm 3–80 ký tự: chữ không dấu, số, dấu chấm, gạch",
                "Tổ bầu cử cần mã khu vực bỏ phiếu",
            ],
        ),
        (
            {"username": "ab.cd", "role": ""},
            400,
            ["Người dùng phải có vai trò; chỉ tài khoản dịch vụ mới không có"],
        ),
        (
            {"username": "ab.cd", "role": "board", "area": "T1"},
            400,
            ["Vai trò này có phạm vi toàn thành phố; để trống mã khu vực"],
        ),
        ({"username": "ab.cd", "role": "officer", "area": "T9-9"}, 404, ["Mã không tồn tại"]),
        ({"username": "officer", "role": "board"}, 409, ["Đã tồn tại"]),
        (
            {"username": "ab.cd", "role": "board", "full_name": "x" * 201},
            400,
            ["Họ và tên tối đa 200 ký tự, không có ký tự điều khiển"],
        ),
    ],
)
def test_bad_input_for_a_new_user_is_a_4xx_naming_each_field(
    app, client, logins, form, status, errors
):
    html = _refused(app, client, "/admin/users", form, status)
    assert _field_errors(html) == errors
    assert 'id="new-password"' not in html


def test_the_teams_of_a_ward_come_as_slips_downloaded_once(app, client, logins):
    token = _admin(client)
    response = client.post("/admin/users/teams", data={"csrf_token": token, "team_area": "T1A"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=phieu-tai-khoan-t1a.xlsx"
    )
    assert response.headers["Cache-Control"] == "no-store"
    slips = _slips(response.data)
    assert [s["Tên đăng nhập"] for s in slips] == ["to.t1a-1", "to.t1a-2"]
    assert [s["Tổ bầu cử – khu vực bỏ phiếu"] for s in slips] == [
        "T1A-1 — Khu vực bỏ phiếu số 1",
        "T1A-2 — Khu vực bỏ phiếu số 2",
    ]
    assert {s["Địa chỉ đăng nhập"] for s in slips} == {"http://localhost/login"}
    assert all(SLIP_PASSWORD.fullmatch(s["Mật khẩu tạm thời"]) for s in slips)
    flash = client.get("/admin/users").get_data(as_text=True)
    assert (
        "Phường An Biên: đã cấp 2 tài khoản (0 tài khoản đã có trước); "
        "tệp phiếu tài khoản chỉ tải một lần." in flash
    )
    # The second time nothing is created and no workbook comes: the passwords are gone.
    again = client.post("/admin/users/teams", data={"csrf_token": token, "team_area": "T1A"})
    assert again.status_code == 302
    assert "Phường An Biên: cả 2 tài khoản đã có" in client.get("/admin/users").get_data(
        as_text=True
    )
    # A team signs in with its slip and must choose its own password first.
    client.post("/logout", data={"csrf_token": _csrf(client, "/")})
    _login(client, "to.t1a-2", slips[1]["Mật khẩu tạm thời"])
    assert client.get("/").headers["Location"] == "/password"


def test_the_sign_in_address_on_the_slips_is_the_public_url_when_set(app, client, logins):
    app.config["PUBLIC_URL"] = "https://bau-cu.haiphong.gov.vn"
    token = _admin(client)
    response = client.post("/admin/users/teams", data={"csrf_token": token, "team_area": "T2A"})
    assert {s["Địa chỉ đăng nhập"] for s in _slips(response.data)} == {
        "https://bau-cu.haiphong.gov.vn/login"
    }


def test_reviewers_of_an_uploaded_sheet_get_slips_with_the_teams(client, logins):
    token = _admin(client)
    sheet = "username,full_name,role,area\nkt.caidai,Đỗ Văn Soát,reviewer,T1B\n".encode()
    response = client.post(
        "/admin/users/teams",
        data={"csrf_token": token, "team_area": "T1B", "sheet": (io.BytesIO(sheet), "kt.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    slips = _slips(response.data)
    assert [s["Tên đăng nhập"] for s in slips] == ["to.t1b-1", "to.t1b-2", "kt.caidai"]
    assert slips[2]["Người kiểm tra – khu vực"] == "T1B — Phường Cát Dài"
    assert slips[2]["Người dùng"] == "Đỗ Văn Soát"


def test_a_bad_sheet_lists_every_problem_by_cell_and_creates_nothing(app, client, logins):
    token = _admin(client)
    before = _counts(app)
    sheet = "username,full_name,role,area\nkt.x,,board,T1B\nofficer,Trùng,reviewer,T1B\n"
    response = client.post(
        "/admin/users/teams",
        data={
            "csrf_token": token,
            "team_area": "T1B",
            "sheet": (io.BytesIO(sheet.encode()), "danh-sach.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Tệp danh sách có 3 lỗi; chưa tạo tài khoản nào" in html
    assert re.findall(r"<li>([^<]+)</li>", html) == [
        "danh-sach.csv!B2: Thiếu họ và tên",
        "danh-sach.csv!C2: Vai trò «board» không hợp lệ; ghi reviewer (người kiểm tra) hoặc "
        "officer (tổ bầu cử)",
        "danh-sach.csv!A3: Tên đăng nhập «officer» đã có người dùng khác vai trò/phạm vi",
    ]
    assert _counts(app) == before


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"team_area": ""}, 404, "Không có khu vực hành chính mã «»"),
        ({"team_area": "T9"}, 404, "Không có khu vực hành chính mã «T9»"),
        ({"team_area": "T"}, 400, "Lô này cần tạo 6 tài khoản, quá giới hạn 5 tài khoản mỗi lần"),
    ],
)
def test_a_bad_area_or_too_large_a_batch_is_refused_whole(
    app, client, logins, form, status, message
):
    app.config["USER_BATCH_LIMIT"] = 5
    assert message in _refused(app, client, "/admin/users/teams", form, status)


def test_a_reset_password_is_shown_once_and_ends_the_users_sessions(app, client, logins):
    other = app.test_client()
    _login(other, "officer")
    assert other.get("/").status_code == 200
    token = _admin(client)
    response = client.post(
        f"/admin/users/{_user_id(app, 'officer')}/reset", data={"csrf_token": token}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    password = re.search(r'<code id="new-password" class="password">([^<]+)</code>', html)[1]
    assert '<span class="state state-warn">Phải đổi mật khẩu</span>' in html
    assert other.get("/").status_code == 302
    assert _login(other, "officer").status_code == 401
    _login(other, "officer", password)
    assert other.get("/").headers["Location"] == "/password"


def test_a_throttled_account_is_marked_and_the_admin_unlocks_it(app, client, logins):
    for _ in range(5):
        assert _login(client, "officer", "sai-mat-khau").status_code == 401
    assert _login(client, "officer").status_code == 429
    token = _admin(client)
    html = client.get("/admin/users?q=officer").get_data(as_text=True)
    assert "Bị khóa tạm do đăng nhập sai (còn 15 phút)" in html
    officer = _user_id(app, "officer")
    response = client.post(f"/admin/users/{officer}/unlock?q=officer", data={"csrf_token": token})
    assert response.headers["Location"] == "/admin/users?q=officer"
    page = client.get("/admin/users?q=officer").get_data(as_text=True)
    assert "Đã mở khóa tài khoản «officer»; người dùng đăng nhập lại được ngay." in page
    assert "Bị khóa tạm" not in page
    client.post("/logout", data={"csrf_token": _csrf(client, "/")})
    assert _login(client, "officer").status_code == 302


def test_a_deactivated_user_is_signed_out_and_kept_out_until_reactivated(app, client, logins):
    other = app.test_client()
    _login(other, "board")
    token = _admin(client)
    board = _user_id(app, "board")
    assert (
        client.post(f"/admin/users/{board}/deactivate", data={"csrf_token": token}).status_code
        == 302
    )
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Đã vô hiệu hóa tài khoản «board»." in page
    assert '<span class="state state-off">Đã vô hiệu hóa</span>' in page
    assert other.get("/").status_code == 302
    assert _login(other, "board").status_code == 401
    api = other.get("/api/v1/areas", headers=logins.headers("board"))
    assert api.status_code == 401
    again = client.post(f"/admin/users/{board}/deactivate", data={"csrf_token": token})
    assert again.status_code == 409
    assert (
        client.post(f"/admin/users/{board}/reactivate", data={"csrf_token": token}).status_code
        == 302
    )
    assert _login(other, "board").status_code == 302
    assert other.get("/api/v1/areas", headers=logins.headers("board")).status_code == 200


def test_the_admin_cannot_deactivate_or_demote_themselves(app, client, logins):
    token = _admin(client)
    me = _user_id(app, "admin")
    before = _counts(app)
    response = client.post(f"/admin/users/{me}/deactivate", data={"csrf_token": token})
    assert response.status_code == 409
    assert "Bạn không thể tự vô hiệu hóa tài khoản của mình" in response.get_data(as_text=True)
    demote = client.post(f"/admin/users/{me}/scope", data={"csrf_token": token, "role": "board"})
    assert demote.status_code == 409
    assert _counts(app) == before


def test_a_scope_change_applies_at_once(app, client, logins):
    other = app.test_client()
    _login(other, "ward_reviewer")
    assert other.get("/results/T1?contest=QH").status_code == 403
    token = _admin(client)
    user = _user_id(app, "ward_reviewer")
    response = client.post(
        f"/admin/users/{user}/scope", data={"csrf_token": token, "role": "reviewer", "area": "T1"}
    )
    assert response.status_code == 302
    assert "Đã đổi vai trò, phạm vi của «ward_reviewer»." in client.get("/admin/users").get_data(
        as_text=True
    )
    assert other.get("/").status_code == 302  # its session ended with the change
    _login(other, "ward_reviewer")
    assert other.get("/results/T1?contest=QH").status_code == 200


@pytest.mark.parametrize(
    ("form", "status", "errors"),
    [
        (
            {"role": "reviewer", "area": ""},
            400,
            ["Người kiểm tra cần mã khu vực hành chính (phường/xã, quận/huyện)"],
        ),
        (
            {"role": "vua", "area": ""},
            400,
            ["Vai trò «vua» không hợp lệ; chọn một trong: officer, reviewer, board, admin"],
        ),
        ({"role": "officer", "area": "T9-9"}, 404, ["Mã không tồn tại"]),
    ],
)
def test_a_bad_scope_is_a_4xx_beside_its_field(app, client, logins, form, status, errors):
    user = _user_id(app, "reviewer")
    html = _refused(app, client, f"/admin/users/{user}/scope", form, status)
    assert _field_errors(html) == errors
    assert "<details open>" in html


def test_an_unknown_user_is_404(client, logins):
    token = _admin(client)
    for action in ACTIONS:
        form = {"csrf_token": token, "role": "board"}
        response = client.post(f"/admin/users/99999/{action}", data=form)
        assert response.status_code == 404, action
        assert "Không có người dùng số 99999" in response.get_data(as_text=True)


@pytest.fixture
def city(app):
    """The city demo (its logins), without per-voter rolls."""
    with app.extensions["election.sessions"]() as session:
        demo.load(session, "city", roll_voting_areas=[])


def test_the_slips_of_a_demo_ward_name_every_voting_area_of_it(app, client, city):
    # Counted from the generator, not the database: the voting areas of phường HP01-02.
    setup = generator.generate("city").setup
    codes = sorted(va.code for va in setup.voting_areas if va.area == "HP01-02")
    ward = next(a for a in setup.areas if a.code == "HP01-02")
    assert len(codes) >= 2
    with app.extensions["election.sessions"]() as session:
        users.create_user(session, "quantri2", "admin", None, PASSWORD)
    # The demo admin gives a one-time code; a second admin without one does the work here.
    _login(client, "quantri2")
    token = _csrf(client, "/admin/users")
    response = client.post("/admin/users/teams", data={"csrf_token": token, "team_area": "HP01-02"})
    assert response.status_code == 200
    slips = _slips(response.data)
    assert [s["Tên đăng nhập"] for s in slips] == [f"to.{c.lower()}" for c in codes]
    names = {va.code: va.name for va in setup.voting_areas}
    assert [s["Tổ bầu cử – khu vực bỏ phiếu"] for s in slips] == [
        f"{c} — {names[c]}" for c in codes
    ]
    assert len({s["Mật khẩu tạm thời"] for s in slips}) == len(codes)
    assert ward.name in load_workbook(io.BytesIO(response.data)).active.oddHeader.center.text
