"""CONTRACT §2 commands through Flask's CLI runner."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from election.models import ApiToken
from election.services.identity.passwords import hash_token
from election.services.setup import setup_io, setup_writer
from election.services.setup.roll_io import write_roll_csv
from tests.factories import small_setup


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def _setup_file(tmp_path):
    path = tmp_path / "setup.xlsx"
    path.write_bytes(setup_writer.write_setup(small_setup()))
    return path


def test_db_upgrade_is_safe_to_run_again(app):
    result = _run(app, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "phiên bản mới nhất" in result.output


def test_import_setup_then_export_setup_round_trips(app, tmp_path):
    result = _run(app, "import-setup", str(_setup_file(tmp_path)))
    assert result.exit_code == 0, result.output
    assert "6 khu vực bỏ phiếu" in result.output
    out = tmp_path / "out.xlsx"
    assert _run(app, "export-setup", str(out)).exit_code == 0
    assert setup_io.read_setup(out).setup == small_setup()


def test_import_setup_refuses_a_bad_file_naming_cells(app, tmp_path):
    bad = small_setup()
    bad.units[0].seats = 4
    path = tmp_path / "bad.xlsx"
    path.write_bytes(setup_writer.write_setup(bad))
    result = _run(app, "import-setup", str(path))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Lỗi: Thiết lập có 2 lỗi; không có dữ liệu nào được lưu",
        "units!A2: Đơn vị bầu cử «QH1» bầu 4 đại biểu nên cần ít nhất 6 người ứng cử (đang có 5)",
        "units!D2: Số đại biểu được bầu của đơn vị «QH1» phải từ 1 đến 3 (đang là 4)",
    ]


def test_create_user_issues_no_token_unless_asked(app, tmp_path):
    # Issue 20: a new user used to get an API token labelled "cli" whether wanted or not.
    _run(app, "import-setup", str(_setup_file(tmp_path)))
    args = ("create-user", "to1", "--role", "officer", "--area", "T1A-1")
    result = _run(app, *args, "--password", "mat-khau-dai-du")
    assert result.exit_code == 0, result.output
    assert result.output == "Đã tạo người dùng to1 (officer).\n"
    with app.extensions["election.sessions"]() as session:
        assert session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_create_user_with_token_prints_it_last_and_stores_only_its_hash(app, tmp_path):
    _run(app, "import-setup", str(_setup_file(tmp_path)))
    result = _run(
        app,
        "create-user",
        "to1",
        "--role",
        "officer",
        "--area",
        "T1A-1",
        "--password",
        "mat-khau-dai-du",
        "--token",
        "máy nhập liệu",
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    with app.extensions["election.sessions"]() as session:
        stored = session.execute(select(ApiToken.token_hash, ApiToken.label)).one()
        assert tuple(stored) == (hash_token(token), "máy nhập liệu")
    client = app.test_client()
    response = client.get(
        "/api/v1/voting-areas/T1A-1", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200


def test_create_user_refuses_an_officer_without_a_voting_area(app, tmp_path):
    _run(app, "import-setup", str(_setup_file(tmp_path)))
    result = _run(app, "create-user", "to1", "--role", "officer", "--password", "mat-khau-dai-du")
    assert result.exit_code == 1
    assert "area: Tổ bầu cử cần mã khu vực bỏ phiếu" in result.output


def test_create_user_refuses_a_short_password_and_a_duplicate_name(app, tmp_path):
    _run(app, "import-setup", str(_setup_file(tmp_path)))
    short = _run(app, "create-user", "bb", "--role", "board", "--password", "ngan")
    assert short.exit_code == 1
    assert "Mật khẩu phải có ít nhất 10 ký tự" in short.output
    assert _run(app, "create-user", "bb1", "--role", "board").exit_code == 0
    again = _run(app, "create-user", "bb1", "--role", "board")
    assert again.exit_code == 1
    assert "Tên đăng nhập «bb1» đã có người dùng" in again.output


def test_a_generated_password_is_printed_once(app, tmp_path):
    result = _run(app, "create-user", "ubbc", "--role", "board")
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r"Mật khẩu tạm thời: ([a-z2-9]{4}-){3}[a-z2-9]{4}", lines[1])


def test_import_roll_prints_the_counts_per_contest(app, tmp_path):
    _run(app, "import-setup", str(_setup_file(tmp_path)))
    path = tmp_path / "roll.csv"
    born = dt.date(1990, 1, 1)
    write_roll_csv(
        [
            ("T1A-1", 1, "Lê Văn Một", born, "Nam", "Tổ 1", "thuong_tru", ""),
            ("T1A-1", 2, "Lê Thị Hai", born, "Nữ", "Tổ 1", "tam_tru_duoi_12", ""),
        ],
        path,
    )
    result = _run(app, "import-roll", str(path))
    assert result.exit_code == 0, result.output
    assert "Đã nạp 2 cử tri của 1 khu vực bỏ phiếu." in result.output
    assert "T1A-1: QH 2, HDND_TINH 2, HDND_HUYEN 2, HDND_XA 1" in result.output
    # The duration as Vietnamese write it: a decimal comma, one decimal (issue #20 item 7).
    assert re.search(r"^Thời gian: [0-9]+,[0-9] giây$", result.output, re.MULTILINE), result.output


def test_verify_audit_reports_ok_with_the_number_of_events(app, tmp_path):
    _run(app, "import-setup", str(_setup_file(tmp_path)))
    _run(app, "create-user", "ubbc", "--role", "board")
    result = _run(app, "verify-audit")
    assert result.exit_code == 0
    assert result.output.strip() == "OK 2 events"


def test_demo_fill_submits_checked_audited_records_through_the_service(app):
    from sqlalchemy import func

    from election.models import AuditEvent, TallyRecord, VotingArea
    from election.services.setup import demo

    with app.extensions["election.sessions"]() as session:
        demo.load(session, "city", roll_voting_areas=[])
        message = demo.fill_tallies(session, 2021, 5)
        voting_areas = session.scalar(select(func.count()).select_from(VotingArea))
        chosen = round(voting_areas * 5 / 100)
        records = session.scalar(select(func.count()).select_from(TallyRecord))
        filled = session.scalar(select(func.count(func.distinct(TallyRecord.voting_area_id))))
        submits = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "tally.submit")
        )
    assert filled == chosen
    assert records == submits
    assert message == f"Đã nộp {records} biên bản của {chosen} khu vực bỏ phiếu (5%)."
    assert _run(app, "verify-audit").output.startswith("OK ")


def test_the_nation_demo_exists_for_2021_only(app):
    result = _run(app, "demo", "--scale", "nation", "--year", "2026")
    assert result.exit_code == 1
    assert result.output.strip() == "Lỗi: Dữ liệu mẫu cả nước chỉ có cho năm 2021 (--year 2021)"


def test_backup_and_restore_carry_the_evidence_files(app, tmp_path):
    import io

    from PIL import Image

    from election.models import User
    from election.services import evidence, tallies
    from election.services.audit.chain import Actor
    from election.services.identity import users
    from election.services.setup.setup import store_setup
    from tests.integration.test_tally_rules_stored import entry_for

    if not app.config["DATABASE_URL"].startswith("sqlite"):
        return  # the PostgreSQL path needs pg_dump: tests/integration/test_backup_restore.py
    store = app.extensions["election.evidence"]
    with app.extensions["election.sessions"]() as session:
        store_setup(session, small_setup(), Actor(None, "system"))
        officer = users.create_user(session, "to-t1a-1", "officer", "T1A-1", "mat-khau-dai-du").user
        tallies.submit(session, officer, "T1A-1", "QH", entry_for("T1A-1"))
        image = io.BytesIO()
        Image.new("RGB", (20, 10), (1, 2, 3)).save(image, "PNG")
        user = session.get(User, officer.id)
        sha = evidence.attach(session, store, user, 1, image).sha256
    target = tmp_path / "sao-luu.db"
    made = _run(app, "backup", str(target))
    assert made.exit_code == 0, made.output
    assert made.output.splitlines()[-1] == (
        f"Đã sao lưu 1 tệp ảnh biên bản vào {target}.evidence.tar"
    )
    store.path(sha).unlink()
    back = _run(app, "restore", str(target))
    assert back.exit_code == 0, back.output
    assert back.output.splitlines()[-1] == (
        f"Đã khôi phục 1 tệp ảnh biên bản từ {target}.evidence.tar"
    )
    assert store.path(sha).is_file()
