"""The admin staffs a ward from the users page (issue #20): the teams of phường Cát Dài (T1B) in
one step, their credential slips downloaded and read, a team signing in with its slip and made
to choose its own password; a throttled account unlocked with one button."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import openpyxl

from tests.e2e.conftest import expect, texts

NEW_PASSWORD = "mat-khau-cua-to-bau-cu"


def _slips(path: Path) -> dict[str, dict[str, str]]:
    """Each slip of the workbook by username: {label: value}."""
    slips: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for label, value in openpyxl.load_workbook(path).active.iter_rows(values_only=True):
        if label and label.startswith("PHIẾU TÀI KHOẢN"):
            current = {}
        elif label and value is not None:
            current[label] = value
            if label == "Tên đăng nhập":
                slips[value] = current
    return slips


def _render_first_page(workbook: Path, png: Path) -> None:
    """docs/screenshots/credential-slips.png: the workbook as LibreOffice prints it, page 1."""
    if not (shutil.which("soffice") and shutil.which("pdftoppm")):
        return
    out = workbook.parent
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(out), str(workbook)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pdf = out / (workbook.stem + ".pdf")
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(png.with_suffix("")),
        ],
        check=True,
        timeout=60,
    )


def _fail_sign_in(page, username: str, times: int) -> None:
    for _ in range(times):
        page.goto("/login")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill("sai-mat-khau-roi")
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page.locator("p.error")).to_be_visible()


def test_the_admin_creates_a_wards_teams_and_a_team_signs_in_with_its_slip(
    browsing, server, tmp_path
):
    browsing.allow(r"status of 40[19]")  # the failed sign-ins the test makes on purpose
    admin = browsing.open("admin")
    admin.get_by_role("navigation", name="Tài khoản và trang").get_by_role(
        "link", name="Người dùng"
    ).click()
    expect(admin.locator("h1")).to_have_text("Quản lý người dùng")

    admin.get_by_label("Khu vực (quận/huyện, phường/xã hoặc toàn thành phố)").select_option("T1B")
    with admin.expect_download() as info:
        admin.get_by_role("button", name="Tạo tài khoản và tải phiếu").click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename == "phieu-tai-khoan-t1b.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    slips = _slips(path)
    assert list(slips) == ["to.t1b-1", "to.t1b-2"]
    assert slips["to.t1b-1"]["Tổ bầu cử – khu vực bỏ phiếu"] == "T1B-1 — Khu vực bỏ phiếu số 1"
    assert slips["to.t1b-1"]["Địa chỉ đăng nhập"] == f"{server.url}/login"
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        _render_first_page(path, Path(folder) / "credential-slips.png")

    # The team of T1B-2 mistypes its password five times: the page shows it locked.
    team = browsing.open()
    _fail_sign_in(team, "to.t1b-2", 5)
    admin.goto("/admin/users?area=T1B&q=to.t1b")
    expect(admin.locator("#users-caption")).to_have_text("2 người dùng · trang 1/1")
    assert texts(admin.locator("table.users tbody td:first-child")) == ["to.t1b-1", "to.t1b-2"]
    row = admin.locator("tr", has=admin.get_by_text("to.t1b-2", exact=True))
    expect(row.locator(".state-locked")).to_contain_text("Bị khóa tạm do đăng nhập sai")
    admin.goto("/admin/users")
    browsing.shoot(admin, "users")
    admin.goto("/admin/users?area=T1B&q=to.t1b")
    admin.get_by_role("button", name="Mở khóa to.t1b-2").click()
    expect(admin.locator("p.flash")).to_have_text(
        "Đã mở khóa tài khoản «to.t1b-2»; người dùng đăng nhập lại được ngay."
    )
    expect(row.locator(".state-locked")).to_have_count(0)

    # The team of T1B-1 signs in with the password of its slip and must choose its own.
    team.goto("/login")
    team.get_by_label("Tên đăng nhập").fill("to.t1b-1")
    team.get_by_label("Mật khẩu").fill(slips["to.t1b-1"]["Mật khẩu tạm thời"])
    team.get_by_role("button", name="Đăng nhập").click()
    team.wait_for_url("**/password")
    expect(team.locator("p.flash")).to_have_text("Hãy đặt mật khẩu mới trước khi làm việc.")
    team.get_by_label("Mật khẩu hiện tại").fill(slips["to.t1b-1"]["Mật khẩu tạm thời"])
    team.get_by_label("Mật khẩu mới", exact=True).fill(NEW_PASSWORD)
    team.get_by_label("Nhập lại mật khẩu mới").fill(NEW_PASSWORD)
    team.get_by_role("button", name="Đổi mật khẩu").click()
    team.wait_for_url("/")
    expect(team.locator("h1")).to_contain_text("Tổ bầu cử")
