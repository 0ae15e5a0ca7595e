"""The admin sets up an election from the browser (issue 20, item 2): a workbook with one
error shows its cell; the corrected one is previewed, applied, and its job watched to the end;
then a voter roll the same way. Its own server: a setup loads into an empty database only."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator

import pytest

from election import migrate
from election.db import make_engine, make_sessionmaker
from election.services.identity import secretbox, users
from election.services.setup.setup_writer import write_setup
from tests.e2e.conftest import (
    GUNICORN,
    PASSWORD,
    ROOT,
    TOTP_SECRET,
    Browsing,
    Server,
    _free_port,
    _wait_until_up,
    expect,
)
from tests.factories import small_setup

ROLL = "voting_area,seq,full_name,date_of_birth,gender,residence,residence_type,note\n" + "".join(
    f"T1A-1,{n},Cử tri số {n},1980-01-01,Nam,Tổ 1,thuong_tru,\n" for n in range(1, 201)
)


@pytest.fixture(scope="module")
def empty_server(chromium, tmp_path_factory) -> Iterator[Server]:
    """gunicorn over an empty database holding one admin (with the second factor)."""
    home = tmp_path_factory.mktemp("e2e-setup")
    url = f"sqlite:///{home / 'election.db'}"
    migrate.upgrade(url)
    secret_key = secrets.token_hex(32)
    engine = make_engine(url)
    info = {secretbox.INFO_KEY: secretbox.derive_key(secret_key)}
    with make_sessionmaker(engine, info)() as session:
        users.create_user(session, "admin", "admin", None, PASSWORD)
        users.enroll_totp(session, "admin", TOTP_SECRET)
    engine.dispose()
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": secret_key,
        "ELECTION_FAST_PASSWORD_HASH": "1",
        "IMPORT_DIR": str(home / "imports"),
    }
    log_path = home / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*GUNICORN, "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, log_path)
        yield Server(base, {}, url)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def setting_up(chromium, empty_server) -> Iterator[Browsing]:
    session = Browsing(chromium, empty_server)
    yield session
    session.close()
    if session.problems:
        pytest.fail("The browser saw problems:\n" + "\n".join(session.problems), pytrace=False)


def test_admin_fixes_a_setup_error_by_its_cell_then_applies_setup_and_roll(setting_up, tmp_path):
    setting_up.allow("422")  # the refused workbook's page is the answer the test asks for
    page = setting_up.open("admin")
    page.get_by_role("link", name="Nạp thiết lập và danh sách cử tri").click()
    expect(page.locator("h1")).to_have_text("Thiết lập cuộc bầu cử và danh sách cử tri")

    bad = small_setup()
    bad.candidates[6].date_of_birth = None  # TP1-2, candidates row 8, column E
    (tmp_path / "thiet-lap.xlsx").write_bytes(write_setup(bad))
    page.get_by_label("Chọn tệp thiết lập").set_input_files(str(tmp_path / "thiet-lap.xlsx"))
    page.get_by_role("button", name="Tải lên và kiểm tra thiết lập").click()
    problems = page.locator("table.file-problems tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.locator("td").nth(0)).to_have_text("candidates")
    expect(problems.locator("td").nth(1)).to_have_text("candidates!E8")
    expect(page.locator("#problems-title")).to_contain_text(
        "Tệp «thiet-lap.xlsx» có 1 lỗi; không có dữ liệu nào được lưu"
    )
    problems.get_by_role("link", name="candidates!E8").click()
    assert page.url.endswith("#o-candidates-E8")
    setting_up.shoot(page, "setup-upload-errors")

    (tmp_path / "thiet-lap.xlsx").write_bytes(write_setup(small_setup()))
    page.get_by_label("Chọn tệp thiết lập").set_input_files(str(tmp_path / "thiet-lap.xlsx"))
    page.get_by_role("button", name="Tải lên và kiểm tra thiết lập").click()
    expect(page.locator("#import-label")).to_have_text("Đã kiểm tra, chờ áp dụng")
    expect(page.locator("tr", has_text="Người ứng cử").locator("td").nth(2)).to_have_text("35")
    page.get_by_role("button", name="Áp dụng").click()
    expect(page.locator("#import-label")).to_have_text("Đã áp dụng xong", timeout=30_000)
    expect(page.locator("#import-count")).to_have_text("80 / 80 dòng (100,00%)")

    page.get_by_role("link", name="Quay lại trang thiết lập").click()
    (tmp_path / "danh-sach.csv").write_text(ROLL, encoding="utf-8")
    page.get_by_label("Chọn tệp danh sách cử tri").set_input_files(str(tmp_path / "danh-sach.csv"))
    page.get_by_role("button", name="Tải lên và kiểm tra danh sách").click()
    expect(page.get_by_text("200 cử tri của 1 khu vực bỏ phiếu")).to_be_visible()
    page.get_by_role("button", name="Áp dụng").click()
    expect(page.locator("#import-label")).to_have_text("Đã áp dụng xong", timeout=30_000)
    expect(page.locator("#import-count")).to_have_text("200 / 200 dòng (100,00%)")
    expect(page.locator("#import-progress")).to_have_attribute("value", "200")
    setting_up.shoot(page, "setup-import-done")
