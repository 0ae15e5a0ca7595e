"""The admin's user operations (issue #20): listing, teams in one step, reset, unlock,
deactivate, scope; each audited, none leaving half a change behind."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from election.domain.errors import Conflict, InvalidInput, NotFound, TooManyRequests, Unauthorized
from election.models import ApiToken, AuditEvent, User
from election.services.audit.chain import Actor
from election.services.identity import accounts, signin, team_sheet, teams, users
from election.services.setup.setup import store_setup
from tests.factories import small_setup

PASSWORD = "mat-khau-dai-du"
ADDRESS = "10.0.0.9"


@pytest.fixture
def admin(session) -> User:
    store_setup(session, small_setup(), Actor(None, "system"))
    return users.create_user(session, "quantri", "admin", None, PASSWORD).user


def _events(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _sheet(text: str, name: str = "nguoi-kiem-tra.csv") -> team_sheet.Sheet:
    return team_sheet.read_sheet(name, text.encode("utf-8"))


def test_a_new_user_gets_no_token_unless_one_is_asked_for(session, admin):
    plain = users.create_user(session, "ubbc", "board", None, PASSWORD)
    assert plain.token is None
    assert _count(session, ApiToken) == 0
    scripted = users.create_user(session, "may-nhap", "board", None, PASSWORD, token_label="máy")
    assert scripted.token.startswith("hp_")
    label = session.scalar(select(ApiToken.label).where(ApiToken.user_id == scripted.user.id))
    assert label == "máy"
    assert _events(session, "user.create")[-1].after["token"] == "máy"


def test_the_teams_of_a_ward_are_one_officer_per_voting_area_with_slip_passwords(session, admin):
    batch = teams.create_teams(session, admin, "T1A")
    assert (batch.area_code, batch.area_name, batch.voting_areas, batch.existing) == (
        "T1A",
        "Phường An Biên",
        2,
        0,
    )
    assert [(c.username, c.role, c.scope_code, c.scope_name) for c in batch.credentials] == [
        ("to.t1a-1", "officer", "T1A-1", "Khu vực bỏ phiếu số 1"),
        ("to.t1a-2", "officer", "T1A-2", "Khu vực bỏ phiếu số 2"),
    ]
    for c in batch.credentials:
        assert len(c.password) == 19
        user = signin.authenticate(session, c.username, c.password, ADDRESS, ())
        assert (user.must_change_password, user.full_name) == (
            True,
            "Tổ bầu cử Khu vực bỏ phiếu số " + c.scope_code[-1],
        )
    event = _events(session, "user.batch_create")[0]
    assert (event.object_type, event.object_id, event.actor) == ("area", "T1A", "quantri")
    assert event.after == {
        "area": "T1A",
        "created": 2,
        "passwords_given": 0,
        "existing": 0,
        "officers": ["to.t1a-1", "to.t1a-2"],
        "staff": [],
        "first_passwords": [],
    }
    chain = json.dumps([e.after for e in session.scalars(select(AuditEvent))])
    assert not any(c.password in chain for c in batch.credentials)


def test_running_the_teams_again_creates_only_what_is_missing(session, admin):
    teams.create_teams(session, admin, "T1A")
    events = _count(session, AuditEvent)
    again = teams.create_teams(session, admin, "T1")
    assert [c.username for c in again.credentials] == ["to.t1b-1", "to.t1b-2"]
    assert again.existing == 2
    nothing = teams.create_teams(session, admin, "T1")
    assert (nothing.credentials, nothing.existing) == ([], 4)
    # One batch event for the second run, none for the third.
    assert _count(session, AuditEvent) == events + 1


def test_team_accounts_made_without_a_password_get_their_first_one(session, admin):
    users.ensure_team_accounts(session, ["T2A-1"], Actor(None, "system"))
    batch = teams.create_teams(session, admin, "T2A")
    assert [c.username for c in batch.credentials] == ["to.t2a-1", "to.t2a-2"]
    first = batch.credentials[0]
    assert signin.authenticate(session, first.username, first.password, ADDRESS, ()).active
    after = _events(session, "user.batch_create")[0].after
    assert (after["created"], after["passwords_given"], after["first_passwords"]) == (
        1,
        1,
        ["to.t2a-1"],
    )


def test_reviewers_come_from_the_sheet_with_the_teams(session, admin):
    sheet = _sheet(
        "username,full_name,role,area\n"
        "kt.anbien,Lê Thị Kiểm,reviewer,T1A\n"
        "kt.quanmot,Phạm Văn Tra,Reviewer,T1\n"
    )
    batch = teams.create_teams(session, admin, "T1", sheet)
    assert [(c.username, c.role, c.scope_code) for c in batch.credentials] == [
        ("to.t1a-1", "officer", "T1A-1"),
        ("to.t1a-2", "officer", "T1A-2"),
        ("to.t1b-1", "officer", "T1B-1"),
        ("to.t1b-2", "officer", "T1B-2"),
        ("kt.quanmot", "reviewer", "T1"),
        ("kt.anbien", "reviewer", "T1A"),
    ]
    reviewer = session.scalar(select(User).where(User.username == "kt.anbien"))
    assert (reviewer.role, reviewer.area.code, reviewer.full_name) == (
        "reviewer",
        "T1A",
        "Lê Thị Kiểm",
    )
    # The same sheet again: nothing new, and no complaint about the rows already made.
    again = teams.create_teams(session, admin, "T1", sheet)
    assert (again.credentials, again.existing) == ([], 6)


def test_a_sheet_with_any_bad_row_creates_nothing_and_names_every_cell(session, admin):
    users.create_user(session, "kt.cu", "reviewer", "T2A", PASSWORD)
    users_before, events_before = _count(session, User), _count(session, AuditEvent)
    sheet = _sheet(
        "username;full_name;role;area\n"
        "kt.tot;Người Tốt;reviewer;T1A\n"
        "có dấu;;admin;\n"
        "kt.tot;Trùng Tên;reviewer;T1B\n"
        "kt.xa;Ngoài Phạm Vi;reviewer;T2A\n"
        "kt.cu;Đã Có;reviewer;T1A\n"
        "kt.ma;Không Có Mã;officer;T9-1\n",
        "danh-sach.csv",
    )
    with pytest.raises(InvalidInput) as refused:
        teams.create_teams(session, admin, "T1", sheet)
    assert refused.value.message == "Tệp danh sách có 8 lỗi; chưa tạo tài khoản nào"
    assert refused.value.errors["sheet"] == [
        "danh-sach.csv!A3: Tên đăng nhập «có dấu» không hợp lệ: 3–80 ký tự, chữ không dấu, "
        "số, dấu chấm, gạch",
        "danh-sach.csv!B3: Thiếu họ và tên",
        "danh-sach.csv!C3: Vai trò «admin» không hợp lệ; ghi reviewer (người kiểm tra) hoặc "
        "officer (tổ bầu cử)",
        "danh-sach.csv!D3: Thiếu mã khu vực",
        "danh-sach.csv!A4: Tên đăng nhập «kt.tot» trùng trong lô này",
        "danh-sach.csv!D5: «T2A» nằm ngoài Quận Một (T1)",
        "danh-sach.csv!A6: Tên đăng nhập «kt.cu» đã có người dùng khác vai trò/phạm vi",
        "danh-sach.csv!D7: Không có khu vực bỏ phiếu mã «T9-1»",
    ]
    assert (_count(session, User), _count(session, AuditEvent)) == (users_before, events_before)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "a.csv",
            b"username,full_name\nx,y\n",
            "a.csv!A1: Thiếu cột: role, area (dòng đầu ghi tên các cột)",
        ),
        ("a.csv", b"\xff\xfe\x00", "a.csv!A1: Không đọc được tệp CSV: cần mã UTF-8"),
        (
            "a.xlsx",
            b"PK not a workbook",
            "a.xlsx!A1: Tệp không phải là sổ tính Excel (.xlsx) hợp lệ",
        ),
        ("a.pdf", b"%PDF-1.4", "a.pdf!A1: Chỉ nhận danh sách người dùng dạng .csv hoặc .xlsx"),
        ("a.csv", b"", "a.csv!A1: Tệp không có dữ liệu"),
    ],
)
def test_an_unreadable_sheet_is_one_problem_at_its_first_cell(session, admin, name, data, message):
    sheet = team_sheet.read_sheet(name, data)
    with pytest.raises(InvalidInput) as refused:
        teams.create_teams(session, admin, "T1A", sheet)
    assert refused.value.errors == {"sheet": [message]}
    assert _count(session, User) == 1


def test_a_batch_over_the_limit_is_refused_whole(session, admin):
    with pytest.raises(InvalidInput) as refused:
        teams.create_teams(session, admin, "T", limit=5)
    assert refused.value.message == (
        "Lô này cần tạo 6 tài khoản, quá giới hạn 5 tài khoản mỗi lần; "
        "hãy chọn từng quận/huyện hoặc phường/xã"
    )
    assert _count(session, User) == 1
    assert len(teams.create_teams(session, admin, "T", limit=6).credentials) == 6


def test_only_an_admin_creates_teams_and_the_area_must_exist(session, admin):
    board = users.create_user(session, "ubbc", "board", None, PASSWORD).user
    with pytest.raises(Exception) as refused:
        teams.create_teams(session, board, "T1A")
    assert refused.value.code == "forbidden"
    with pytest.raises(NotFound) as unknown:
        teams.create_teams(session, admin, "T9")
    assert unknown.value.errors == {"area": ["Chọn một khu vực có thật"]}


def test_the_listing_counts_every_user_and_pages_fifty(session, admin):
    teams.create_teams(session, admin, "T")
    for n in range(50):
        users.create_user(session, f"kt.{n:02d}", "reviewer", "T1A", PASSWORD, f"Người {n:02d}")
    first = accounts.listing(session, admin)
    assert (first.total, first.pages, first.page, len(first.rows)) == (57, 2, 1, 50)
    assert [r.username for r in first.rows] == [f"kt.{n:02d}" for n in range(50)]
    second = accounts.listing(session, admin, page=2)
    assert [r.username for r in second.rows] == [
        "quantri",
        "to.t1a-1",
        "to.t1a-2",
        "to.t1b-1",
        "to.t1b-2",
        "to.t2a-1",
        "to.t2a-2",
    ]
    # A page past the last shows the last.
    assert accounts.listing(session, admin, page=9).page == 2


def test_the_listing_filters_by_search_role_and_area(session, admin):
    teams.create_teams(session, admin, "T")
    users.create_user(session, "kt.t1", "reviewer", "T1", PASSWORD, "Nguyễn Thị Kiểm")
    users.create_user(session, "kt.t2a", "reviewer", "T2A", PASSWORD, "Trần Văn Soát")

    def names(**filters) -> list[str]:
        return [r.username for r in accounts.listing(session, admin, **filters).rows]

    assert names(search="kiểm") == ["kt.t1"]
    assert names(search="t2a") == ["kt.t2a", "to.t2a-1", "to.t2a-2"]
    assert names(search="%") == []  # a wildcard is a character like any other
    assert names(role="reviewer") == ["kt.t1", "kt.t2a"]
    assert names(role="admin") == ["quantri"]
    assert names(area_code="T1") == ["kt.t1", "to.t1a-1", "to.t1a-2", "to.t1b-1", "to.t1b-2"]
    assert names(area_code="T2A", role="officer") == ["to.t2a-1", "to.t2a-2"]
    row = accounts.listing(session, admin, search="kt.t2a").rows[0]
    assert (row.scope_code, row.scope_name, row.active, row.must_change_password) == (
        "T2A",
        "Xã Đồng Thái",
        True,
        False,
    )
    with pytest.raises(InvalidInput) as bad:
        accounts.listing(session, admin, role="vua", page=0)
    assert bad.value.errors == {
        "role": ["Vai trò «vua» không hợp lệ"],
        "page": ["Số trang phải là số nguyên dương"],
    }
    with pytest.raises(NotFound):
        accounts.listing(session, admin, area_code="T9")


def test_a_throttled_account_is_shown_locked_and_the_admin_unlocks_it(session, admin):
    officer = users.create_user(session, "to.t1a-1", "officer", "T1A-1", PASSWORD).user
    for _ in range(5):
        with pytest.raises(Unauthorized):
            signin.authenticate(session, "to.t1a-1", "sai-mat-khau", ADDRESS, ())
    with pytest.raises(TooManyRequests):
        signin.authenticate(session, "to.t1a-1", PASSWORD, ADDRESS, ())
    row = accounts.listing(session, admin, search="to.t1a-1").rows[0]
    assert 14 * 60 < row.locked_seconds <= 15 * 60 + 1
    accounts.unlock(session, admin, officer.id)
    assert accounts.listing(session, admin, search="to.t1a-1").rows[0].locked_seconds == 0
    assert signin.authenticate(session, "to.t1a-1", PASSWORD, ADDRESS, ()).username == "to.t1a-1"
    event = _events(session, "user.unlock")[0]
    assert (event.object_id, event.actor, event.after) == (
        "to.t1a-1",
        "quantri",
        {"locked_seconds": 0},
    )
    assert event.before["locked_seconds"] > 14 * 60


def test_a_reset_password_works_once_shown_and_must_be_changed(session, admin):
    officer = users.create_user(session, "to.t1a-1", "officer", "T1A-1", PASSWORD).user
    epoch = officer.session_epoch
    user, password = accounts.reset_password(session, admin, officer.id)
    assert (user.must_change_password, user.session_epoch) == (True, epoch + 1)
    with pytest.raises(Unauthorized):
        signin.authenticate(session, "to.t1a-1", PASSWORD, ADDRESS, ())
    assert signin.authenticate(session, "to.t1a-1", password, ADDRESS, ()).id == officer.id
    event = _events(session, "user.password_reset")[0]
    assert (event.object_id, event.actor) == ("to.t1a-1", "quantri")
    assert password not in json.dumps(event.after)


def test_a_deactivated_user_cannot_sign_in_or_use_a_token_until_reactivated(session, admin):
    new = users.create_user(session, "ubbc", "board", None, PASSWORD, token_label="cli")
    accounts.set_active(session, admin, new.user.id, False)
    with pytest.raises(Unauthorized):
        signin.authenticate(session, "ubbc", PASSWORD, ADDRESS, ())
    assert users.user_for_token(session, new.token) is None
    with pytest.raises(Conflict):
        accounts.set_active(session, admin, new.user.id, False)
    accounts.set_active(session, admin, new.user.id, True)
    assert signin.authenticate(session, "ubbc", PASSWORD, ADDRESS, ()).active
    assert users.user_for_token(session, new.token)[0].username == "ubbc"
    assert [(e.before, e.after["active"]) for e in _events(session, "user.deactivate")] == [
        ({"active": True}, False)
    ]
    assert len(_events(session, "user.reactivate")) == 1


def test_an_admin_never_removes_themselves_or_the_last_admin(session, admin):
    with pytest.raises(Conflict) as own:
        accounts.set_active(session, admin, admin.id, False)
    assert own.value.message == (
        "Bạn không thể tự vô hiệu hóa tài khoản của mình; hãy nhờ quản trị khác"
    )
    with pytest.raises(Conflict):
        accounts.change_scope(session, admin, admin.id, "board", "")
    other = users.create_user(session, "quantri2", "admin", None, PASSWORD).user
    accounts.set_active(session, admin, other.id, False)
    # The other admin's page, opened before: they are no longer an active admin, and taking
    # away the one left would leave none (two admins removing each other at once).
    with pytest.raises(Conflict) as last:
        accounts.set_active(session, other, admin.id, False)
    assert last.value.message == (
        "Đây là quản trị hệ thống cuối cùng đang hoạt động; không thể vô hiệu hóa"
    )
    assert session.get(User, admin.id).active


def test_a_changed_scope_applies_at_once_and_is_audited(session, admin):
    officer = users.create_user(session, "nguoi.a", "officer", "T1A-1", PASSWORD).user
    epoch = officer.session_epoch
    user = accounts.change_scope(session, admin, officer.id, "reviewer", "T1")
    assert (user.role, user.voting_area_id, user.area.code, user.session_epoch) == (
        "reviewer",
        None,
        "T1",
        epoch + 1,
    )
    event = _events(session, "user.scope_change")[0]
    assert (event.before, event.after) == (
        {"role": "officer", "area": "T1A-1"},
        {"role": "reviewer", "area": "T1", "epoch": epoch + 1},
    )
    with pytest.raises(Conflict):
        accounts.change_scope(session, admin, officer.id, "reviewer", "T1")
    with pytest.raises(InvalidInput) as bad:
        accounts.change_scope(session, admin, officer.id, "reviewer", "")
    assert bad.value.errors == {
        "area": ["Người kiểm tra cần mã khu vực hành chính (phường/xã, quận/huyện)"]
    }
    with pytest.raises(NotFound):
        accounts.change_scope(session, admin, officer.id, "officer", "T9-9")
    with pytest.raises(NotFound):
        accounts.change_scope(session, admin, 999, "board", "")
    assert len(_events(session, "user.scope_change")) == 1


def test_a_team_account_made_while_the_batch_hashed_its_passwords_stops_the_batch(
    session, sessions, admin, monkeypatch
):
    # The passwords are hashed before the write lock; someone else may create one meanwhile.
    made = []

    def meanwhile():
        if not made:
            with sessions() as other:
                made.append(users.create_user(other, "to.t1a-2", "officer", "T1A-2", PASSWORD))
        return "mat-khau-tam-thoi", "!"

    monkeypatch.setattr(teams, "_secret", meanwhile)
    with pytest.raises(Conflict) as refused:
        teams.create_teams(session, admin, "T1A")
    assert refused.value.message == (
        "Tài khoản của khu vực này vừa được người khác tạo hoặc cấp mật khẩu; hãy thử lại"
    )
    session.rollback()
    assert session.scalar(select(User).where(User.username == "to.t1a-1")) is None
    assert _events(session, "user.batch_create") == []


def test_a_team_name_or_sheet_name_held_by_another_account_is_refused(session, admin):
    users.create_user(session, "to.t1a-2", "reviewer", "T1", PASSWORD)
    users.create_user(session, "bao-chi", None, service=True)
    with pytest.raises(Conflict) as taken:
        teams.create_teams(session, admin, "T1A")
    assert taken.value.message == "Tên đăng nhập của tổ bầu cử đã thuộc người dùng khác: to.t1a-2"
    sheet = _sheet("username,full_name,role,area\nbao-chi,Báo Chí,reviewer,T1B\n")
    with pytest.raises(InvalidInput) as refused:
        teams.create_teams(session, admin, "T1B", sheet)
    assert refused.value.errors["sheet"] == [
        "nguoi-kiem-tra.csv!A2: Tên đăng nhập «bao-chi» đã có người dùng khác vai trò/phạm vi"
    ]
    assert session.scalar(select(func.count()).select_from(User)) == 3
