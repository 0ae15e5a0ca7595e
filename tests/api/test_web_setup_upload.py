"""/admin/setup: upload a setup workbook or a voter roll, see its problems by cell or its
preview, apply it as a background job and follow its progress (issue 20, item 2)."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from election.models import Area, AuditEvent, ImportJob, Voter
from election.services.identity import users
from election.services.setup.setup_writer import write_setup
from tests.api.conftest import PASSWORD
from tests.api.test_hostile_corpus import BOUNDARY, multipart
from tests.api.test_web_board import _login
from tests.factories import small_setup

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROLL = (
    "voting_area,seq,full_name,date_of_birth,gender,residence,residence_type,note\n"
    "T1A-1,1,Nguyễn Văn An,1980-01-01,Nam,Tổ 1,thuong_tru,\n"
    "T1A-1,2,Trần Thị Bình,1981-02-03,Nữ,Tổ 1,tam_tru_duoi_12,\n"
    "T2A-1,1,Lê Văn Cường,1979-12-31,Nam,Tổ 2,thuong_tru,\n"
)


@pytest.fixture
def empty_admin(app, client):
    """An empty database with one admin, signed in."""
    with app.extensions["election.sessions"]() as session:
        users.create_user(session, "admin", "admin", None, PASSWORD)
    _login(client, "admin")
    return client


@pytest.fixture
def admin(client, logins):
    """The small election loaded, its admin signed in."""
    _login(client, "admin")
    return client


def _csrf(client) -> str:
    html = client.get("/admin/setup").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _upload(client, path: str, name: str, data: bytes):
    form = {"csrf_token": _csrf(client), "file": (io.BytesIO(data), name)}
    return client.post(path, data=form, content_type="multipart/form-data")


def _count(app, model, *where) -> int:
    with app.extensions["election.sessions"]() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def _finish(client, job_id: int) -> dict:
    for _ in range(300):
        state = client.get(f"/admin/imports/{job_id}").get_json()
        if state["finished"]:
            return state
        time.sleep(0.1)
    raise AssertionError(f"import {job_id} did not finish: {state}")


def test_the_admin_home_and_menu_link_the_setup_page(admin):
    html = admin.get("/").get_data(as_text=True)
    assert html.count('href="/admin/setup"') == 2  # the menu and the home page's button
    page = admin.get("/admin/setup")
    assert page.status_code == 200
    assert "Tệp thiết lập cuộc bầu cử (.xlsx)" in page.get_data(as_text=True)


def test_a_setup_with_errors_is_a_table_of_cells_and_nothing_is_kept(app, empty_admin):
    bad = small_setup()
    bad.units[1].seats = 9  # TP1 on row 3, column D
    response = _upload(empty_admin, "/admin/setup/workbook", "thiet-lap.xlsx", write_setup(bad))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    problems = re.findall(
        r'<tr id="(o-[^"]+)">\s*<td>([^<]+)</td>\s*<td><a href="#\1">([^<]+)</a></td>\s*<td>([^<]+)</td>',
        html,
    )
    assert problems == [
        (
            "o-units-A3",
            "units",
            "units!A3",
            "Đơn vị bầu cử «TP1» bầu 9 đại biểu nên cần ít nhất 12 người ứng cử (đang có 5)",
        ),
        (
            "o-units-D3",
            "units",
            "units!D3",
            "Số đại biểu được bầu của đơn vị «TP1» phải từ 1 đến 5 (đang là 9)",
        ),
    ]
    assert "Tệp «thiet-lap.xlsx» có 2 lỗi; không có dữ liệu nào được lưu" in html
    assert _count(app, ImportJob) == 0
    assert _count(app, Area) == 0
    assert list(Path(app.config["IMPORT_DIR"]).iterdir()) == []  # the upload is not kept


def test_a_clean_setup_is_previewed_then_applied_by_a_job(app, empty_admin):
    response = _upload(
        empty_admin, "/admin/setup/workbook", "thiet-lap.xlsx", write_setup(small_setup())
    )
    assert response.status_code == 302
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = empty_admin.get(f"/admin/setup/jobs/{job_id}").get_data(as_text=True)
    assert "Đã kiểm tra, chờ áp dụng" in page
    assert 'Người ứng cử</td><td class="num">0</td><td class="num">35</td>' in page
    assert ">Áp dụng</button>" in page
    assert _count(app, Area) == 0  # nothing stored before «Áp dụng»
    token = _csrf(empty_admin)
    applied = empty_admin.post(f"/admin/setup/jobs/{job_id}/apply", data={"csrf_token": token})
    assert applied.status_code == 302
    state = _finish(empty_admin, job_id)
    assert state == {
        "id": job_id,
        "kind": "setup",
        "status": "done",
        "label": "Đã áp dụng xong",
        "rows_done": 80,
        "rows_total": 80,
        "percent": "100,00%",
        "finished": True,
        "message": None,
    }
    assert _count(app, Area) == 6
    again = empty_admin.post(f"/admin/setup/jobs/{job_id}/apply", data={"csrf_token": token})
    assert again.status_code == 409
    assert "Không thể áp dụng: đã áp dụng xong" in again.get_data(as_text=True)


def test_a_setup_into_a_loaded_database_is_refused(app, admin):
    response = _upload(admin, "/admin/setup/workbook", "tl.xlsx", write_setup(small_setup()))
    assert response.status_code == 409
    assert "Cơ sở dữ liệu đã có một cuộc bầu cử" in response.get_data(as_text=True)
    assert _count(app, ImportJob) == 0


def test_a_roll_is_previewed_against_today_then_applied(app, admin):
    response = _upload(admin, "/admin/setup/rolls", "danh-sach.csv", ROLL.encode())
    assert response.status_code == 302
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = admin.get(f"/admin/setup/jobs/{job_id}").get_data(as_text=True)
    assert "3 cử tri của 2 khu vực bỏ phiếu" in page
    assert "T1A-1 · " in page and "T2A-1 · " in page  # counts that change are listed
    # T1A-1: a full voter and a short-term resident (no commune council): QH 2, HĐND xã 1.
    assert 'Quốc hội</td><td class="num">0</td><td class="num">3</td>' in page
    assert 'HĐND cấp xã</td><td class="num">0</td><td class="num">2</td>' in page
    token = _csrf(admin)
    assert (
        admin.post(f"/admin/setup/jobs/{job_id}/apply", data={"csrf_token": token}).status_code
        == 302
    )
    assert _finish(admin, job_id)["status"] == "done"
    assert _count(app, Voter) == 3
    assert _count(app, AuditEvent, AuditEvent.action == "roll.import") == 1
    # The same file again changes no count: no area listed, the two counted in a note.
    again = _upload(admin, "/admin/setup/rolls", "danh-sach.csv", ROLL.encode())
    page = admin.get(again.headers["Location"]).get_data(as_text=True)
    assert "T1A-1 · " not in page and "T2A-1 · " not in page
    assert "2 khu vực bỏ phiếu có số cử tri trong tệp bằng số hiện nay" in page


@pytest.mark.parametrize(
    ("path", "name", "data", "status", "message"),
    [
        (
            "/admin/setup/rolls",
            "ds.pdf",
            b"%PDF-1.4",
            415,
            "Chỉ nhận danh sách cử tri dạng .csv hoặc .xlsx",
        ),
        (
            "/admin/setup/rolls",
            "ds.xlsx",
            b"PK\x03\x04 broken",
            415,
            "Tệp không phải là sổ tính Excel (.xlsx) hợp lệ",
        ),
        (
            "/admin/setup/rolls",
            "ds.csv",
            b"\xff\xfe\x00bad",
            415,
            "Không đọc được tệp CSV mã UTF-8",
        ),
        (
            "/admin/setup/rolls",
            "ds.csv",
            b"voting_area,seq\nT1A-1,1\n",
            422,
            "Thiếu cột: full_name",
        ),
        (
            "/admin/setup/rolls",
            "ds.csv",
            ROLL.replace("T2A-1", "T9Z-9").encode(),
            422,
            "Không có khu vực bỏ phiếu mã «T9Z-9»",
        ),
        ("/admin/setup/rolls", "ds.csv", b"", 422, "Tệp không có dữ liệu"),
    ],
)
def test_bad_roll_files_get_vietnamese_errors_and_nothing_is_kept(
    app, admin, path, name, data, status, message
):
    events = _count(app, AuditEvent)
    response = _upload(admin, path, name, data)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert (_count(app, ImportJob), _count(app, Voter), _count(app, AuditEvent)) == (0, 0, events)


def test_a_setup_that_is_not_a_workbook_gets_415(app, empty_admin):
    response = _upload(empty_admin, "/admin/setup/workbook", "tl.xlsx", b"not a workbook")
    assert response.status_code == 415
    assert "Tệp không phải là sổ tính Excel (.xlsx) hợp lệ" in response.get_data(as_text=True)
    assert _count(app, ImportJob) == 0


def test_an_upload_without_a_file_is_refused_by_field(admin):
    response = admin.post(
        "/admin/setup/rolls", data={"csrf_token": _csrf(admin)}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "Chưa chọn tệp để tải lên" in response.get_data(as_text=True)


def test_uploads_over_their_limit_get_413(app, admin):
    app.config.update(ROLL_UPLOAD_MAX_MB=1, SETUP_UPLOAD_MAX_MB=1)
    big = ROLL.encode() + b"T1A-1,3,X,1980-01-01,Nam,x,thuong_tru,\n" * 40_000  # 1,6 MB
    body = multipart([("csrf_token", None, _csrf(admin).encode()), ("file", "ds.csv", big)])
    for path in ("/admin/setup/rolls", "/admin/setup/workbook"):
        # Raw bytes: the test client would spool a dict's file to a temporary file it never
        # closes when the body is refused unread.
        response = admin.post(
            path, data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}"
        )
        assert response.status_code == 413
        assert "Tệp quá lớn: tối đa 1 MB" in response.get_data(as_text=True)
    assert _count(app, ImportJob) == 0


def test_the_status_of_an_unknown_job_is_a_json_404(admin):
    response = admin.get("/admin/imports/999")
    assert response.status_code == 404
    assert response.get_json()["message"] == "Không có lần tải lên số 999"
    assert admin.get("/admin/setup/jobs/999").status_code == 404
