"""The sheet of reviewers (and other staff) uploaded with a batch of team accounts.

A ``.csv`` (UTF-8) or ``.xlsx`` file whose first row holds the keys ``username``,
``full_name``, ``role``, ``area``. Every row is checked before anything is created; each
problem names its cell, ``nguoi-kiem-tra.xlsx!C4: message``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from zipfile import BadZipFile, ZipFile

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from election.domain.problems import Problem
from election.services.identity.users import USERNAME, has_control

COLUMNS = ("username", "full_name", "role", "area")
# Roles a sheet may give: the city-wide ones (board, admin) are created one by one.
SHEET_ROLES = ("reviewer", "officer")
MAX_ROWS = 2000
MAX_UNZIPPED = 20 * 1024 * 1024  # bytes a sheet's .xlsx may unpack to


@dataclass(frozen=True)
class StaffRow:
    username: str
    full_name: str
    role: str
    area: str
    row: int  # 1-based, the header being row 1


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[StaffRow]
    problems: list[Problem]
    letters: dict[str, str]  # column key → its letter in the file

    def describe(self, problem: Problem) -> str:
        """``file!C4: message`` (``file!A1`` for the file as a whole)."""
        letter = self.letters.get(problem.field or "", "A")
        return f"{self.name}!{letter}{problem.row or 1}: {problem.message}"


def read_sheet(name: str, data: bytes) -> Sheet:
    """The rows of an uploaded staff sheet and every problem of its form (not the database's)."""
    try:
        records = _records(name, data)
    except ValueError as error:
        return Sheet(name, [], [Problem("file_invalid", str(error), name, 1)], {})
    if not records:
        return Sheet(name, [], [Problem("file_empty", "Tệp không có dữ liệu", name, 1)], {})
    header = [h.strip().lower() for h in records[0]]
    index = {key: header.index(key) for key in COLUMNS if key in header}
    letters = {key: get_column_letter(i + 1) for key, i in index.items()}
    missing = [key for key in COLUMNS if key not in index]
    if missing:
        message = "Thiếu cột: " + ", ".join(missing) + " (dòng đầu ghi tên các cột)"
        return Sheet(name, [], [Problem("column_missing", message, name, 1)], letters)
    if len(records) - 1 > MAX_ROWS:
        message = f"Tệp có {len(records) - 1} dòng; mỗi lần tối đa {MAX_ROWS} dòng"
        return Sheet(name, [], [Problem("too_many_rows", message, name, 1)], letters)
    rows: list[StaffRow] = []
    problems: list[Problem] = []
    for number, record in enumerate(records[1:], 2):
        value = {k: (record[i] if i < len(record) else "").strip() for k, i in index.items()}
        if not any(value.values()):
            continue
        found = _row_problems(value, name, number)
        problems += found
        if not found:
            rows.append(StaffRow(value["username"], value["full_name"], *_role_area(value), number))
    return Sheet(name, rows, problems, letters)


def _role_area(value: dict[str, str]) -> tuple[str, str]:
    return value["role"].lower(), value["area"]


def _row_problems(value: dict[str, str], name: str, number: int) -> list[Problem]:
    problems = []

    def bad(field: str, message: str) -> None:
        problems.append(Problem(f"{field}_invalid", message, name, number, field))

    if not USERNAME.fullmatch(value["username"]):
        bad(
            "username",
            f"Tên đăng nhập «{value['username']}» không hợp lệ: 3–80 ký tự, "
            "chữ không dấu, số, dấu chấm, gạch",
        )
    if not value["full_name"]:
        bad("full_name", "Thiếu họ và tên")
    elif len(value["full_name"]) > 200 or has_control(value["full_name"]):
        bad("full_name", "Họ và tên tối đa 200 ký tự, không có ký tự điều khiển")
    role, area = _role_area(value)
    if role not in SHEET_ROLES:
        bad(
            "role",
            f"Vai trò «{value['role']}» không hợp lệ; ghi reviewer (người kiểm tra) "
            "hoặc officer (tổ bầu cử)",
        )
    if not area:
        bad("area", "Thiếu mã khu vực")
    elif len(area) > 40 or has_control(area):
        bad("area", f"Mã khu vực «{area[:40]}» không hợp lệ")
    return problems


def _records(name: str, data: bytes) -> list[list[str]]:
    kind = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if kind == "csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValueError("Không đọc được tệp CSV: cần mã UTF-8") from None
        first = text.split("\n", 1)[0]
        delimiter = max((",", ";", "\t"), key=first.count)
        try:
            return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
        except csv.Error as error:
            raise ValueError(f"Không đọc được tệp CSV ({error})") from None
    if kind == "xlsx":
        try:
            with ZipFile(io.BytesIO(data)) as archive:
                unzipped = sum(member.file_size for member in archive.infolist())
            workbook = None
            if unzipped <= MAX_UNZIPPED:
                workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
            raise ValueError("Tệp không phải là sổ tính Excel (.xlsx) hợp lệ") from None
        if workbook is None:
            # A small file that unpacks to gigabytes (a "zip bomb") is refused unread.
            raise ValueError(
                "Tệp Excel giải nén ra quá lớn; danh sách người dùng chỉ cần vài trang"
            )
        try:
            ws = workbook.worksheets[0]
            ws.reset_dimensions()
            return [
                ["" if v is None else str(v) for v in row]
                for _, row in zip(range(MAX_ROWS + 2), ws.iter_rows(values_only=True))
            ]
        finally:
            workbook.close()
    raise ValueError("Chỉ nhận danh sách người dùng dạng .csv hoặc .xlsx")
