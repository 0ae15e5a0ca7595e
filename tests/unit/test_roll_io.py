"""Voter roll files: streamed rows, every problem of a bad row, located like the setup's."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zipfile
from pathlib import Path

from openpyxl import Workbook

from election.domain.problems import Problem
from election.services.setup.roll_io import (
    ROLL_COLUMNS,
    RollFile,
    RollRow,
    iter_roll_file,
    write_roll_csv,
)

HEADER = ",".join(ROLL_COLUMNS)
GOOD = 'KV1,1,Nguyễn Văn An,1980-01-02,Nam,"Tổ 1, phường Dư Hàng",thuong_tru,'
GOOD_2 = "KV1,2,Trần Thị Bình,1999-12-31,Nữ,Tổ 2,tam_tru_12,bo_phieu_noi_khac"


def csv_file(tmp_path: Path, *lines: str, name: str = "roll.csv", bom: bool = False) -> Path:
    path = tmp_path / name
    text = "\r\n".join(lines) + "\r\n"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    return path


def xlsx_file(tmp_path: Path, rows: list[list], guide_first: bool = False) -> Path:
    book = Workbook()
    if guide_first:
        book.active.title = "hướng dẫn"
        book.active.append(["Trang", "Cột", "Ý nghĩa"])
        ws = book.create_sheet("danh sách")
    else:
        ws = book.active
    for row in rows:
        ws.append(row)
    path = tmp_path / "roll.xlsx"
    book.save(path)
    return path


def test_reads_a_csv_with_a_byte_order_mark(tmp_path: Path):
    roll = RollFile(csv_file(tmp_path, HEADER, GOOD, GOOD_2, bom=True))
    assert list(roll) == [
        RollRow(
            "KV1",
            1,
            "Nguyễn Văn An",
            dt.date(1980, 1, 2),
            "Nam",
            "Tổ 1, phường Dư Hàng",
            "thuong_tru",
            None,
            2,
        ),
        RollRow(
            "KV1",
            2,
            "Trần Thị Bình",
            dt.date(1999, 12, 31),
            "Nữ",
            "Tổ 2",
            "tam_tru_12",
            "bo_phieu_noi_khac",
            3,
        ),
    ]
    assert roll.columns["voting_area"] == "A"


def test_a_bad_row_lists_all_its_problems_and_good_rows_go_on(tmp_path: Path):
    bad = "KV1,abc,,31/02/1990,nam giới,Tổ 3,tam tru,di_cho"
    path = csv_file(tmp_path, HEADER, GOOD, bad, ",0,Lê Văn Cường,,,Tổ 4,,", GOOD_2)
    roll = RollFile(path)
    items = list(roll)
    assert [type(i) for i in items] == [RollRow, list, list, RollRow]
    assert items[3].row == 5
    assert [roll.describe(p) for p in items[1]] == [
        "roll.csv!B3: Số thứ tự «abc» không hợp lệ; cần một số nguyên dương",
        "roll.csv!C3: Thiếu họ và tên",
        "roll.csv!D3: Ngày sinh «31/02/1990» không hợp lệ; dùng dạng YYYY-MM-DD hoặc DD/MM/YYYY",
        "roll.csv!E3: Giới tính «nam giới» không hợp lệ; dùng Nam hoặc Nữ",
        "roll.csv!G3: Loại cư trú «tam tru» không hợp lệ; dùng một trong: thuong_tru, "
        "tam_tru_12, tam_tru_duoi_12, tam_giam, quan_nhan",
        "roll.csv!H3: Ghi chú «di_cho» không hợp lệ; để trống hoặc dùng bo_phieu_noi_khac, "
        "den_bo_phieu",
    ]
    assert [roll.describe(p) for p in items[2]] == [
        "roll.csv!A4: Thiếu mã khu vực bỏ phiếu",
        "roll.csv!B4: Số thứ tự «0» không hợp lệ; cần một số nguyên dương",
        "roll.csv!D4: Thiếu ngày sinh",
        "roll.csv!E4: Thiếu giới tính",
        "roll.csv!G4: Thiếu loại cư trú",
    ]
    assert items[2][0] == Problem(
        "required", "Thiếu mã khu vực bỏ phiếu", "roll.csv", 4, "voting_area"
    )
    assert [p.code for p in items[1]] == [
        "seq_invalid",
        "required",
        "date_of_birth_invalid",
        "gender_invalid",
        "residence_type_invalid",
        "note_invalid",
    ]


def test_a_negative_sequence_number_is_refused(tmp_path: Path):
    path = csv_file(tmp_path, HEADER, GOOD.replace("KV1,1,", "KV1,-1,"))
    [problems] = list(iter_roll_file(path))
    assert [p.message for p in problems] == ["Số thứ tự «-1» không hợp lệ; cần một số nguyên dương"]


def test_unusual_but_clear_values_are_accepted(tmp_path: Path):
    nu = unicodedata.normalize("NFD", "nữ")  # some keyboards type decomposed Vietnamese
    line = f" KV1 , 7 , Đỗ Thị Hoa , 02/01/1980 ,{nu}, Tổ 5 , THUONG_TRU , Den_Bo_Phieu "
    [row] = list(iter_roll_file(csv_file(tmp_path, HEADER, line)))
    assert row == RollRow(
        "KV1", 7, "Đỗ Thị Hoa", dt.date(1980, 1, 2), "Nữ", "Tổ 5", "thuong_tru", "den_bo_phieu", 2
    )


def test_header_keys_may_come_in_any_order_and_case_and_problems_follow_them(tmp_path: Path):
    header = "Full_Name, SEQ ,voting_area,gender,date_of_birth,residence_type,residence,note,cccd"
    line = "Ngô Văn Dũng,x,KV2,Nam,1970-05-06,quan_nhan,Đơn vị 1,,001070000001"
    roll = RollFile(csv_file(tmp_path, header, line))
    [problems] = list(roll)
    assert [roll.locate(p) for p in problems] == ["roll.csv!B2"]
    assert roll.columns == {
        "voting_area": "C",
        "seq": "B",
        "full_name": "A",
        "date_of_birth": "E",
        "gender": "D",
        "residence": "G",
        "residence_type": "F",
        "note": "H",
    }


def test_the_note_column_may_be_left_out(tmp_path: Path):
    header = ",".join(ROLL_COLUMNS[:-1])
    [row] = list(
        iter_roll_file(csv_file(tmp_path, header, "KV1,1,An,1980-01-02,Nam,Tổ 1,tam_giam"))
    )
    assert row.note is None and row.residence_type == "tam_giam"


def test_missing_columns_are_one_problem_on_the_header(tmp_path: Path):
    roll = RollFile(csv_file(tmp_path, "voting_area,full_name,date_of_birth,residence", GOOD))
    items = list(roll)
    assert len(items) == 1
    assert [roll.describe(p) for p in items[0]] == [
        "roll.csv!A1: Thiếu cột: seq, gender, residence_type"
    ]


def test_empty_lines_are_skipped_but_counted(tmp_path: Path):
    path = csv_file(tmp_path, HEADER, GOOD, "", ",,,,,,,", "  ,", GOOD_2)
    assert [row.row for row in iter_roll_file(path)] == [2, 6]


def test_a_semicolon_separated_csv_is_read(tmp_path: Path):
    lines = [HEADER.replace(",", ";"), "KV1;1;An;1980-01-02;Nam;Tổ 1, khu 2;thuong_tru;"]
    [row] = list(iter_roll_file(csv_file(tmp_path, *lines)))
    assert row.residence == "Tổ 1, khu 2"


def test_a_file_that_is_not_utf8_is_a_problem(tmp_path: Path):
    path = tmp_path / "roll.csv"
    path.write_bytes((HEADER + "\r\n" + GOOD + "\r\n").encode("cp1258", errors="replace"))
    items = list(iter_roll_file(path))
    assert [p.code for p in items[-1]] == ["file_invalid"]
    assert items[-1][0].message.startswith("Không đọc được tệp CSV mã UTF-8")


def test_other_file_types_and_empty_files_are_problems(tmp_path: Path):
    path = tmp_path / "roll.txt"
    path.write_text(HEADER)
    [[problem]] = list(iter_roll_file(path))
    assert problem.message == "Chỉ nhận danh sách cử tri dạng .csv hoặc .xlsx"
    empty = tmp_path / "roll.csv"
    empty.write_bytes(b"")
    [[problem]] = list(iter_roll_file(empty))
    assert problem == Problem("file_empty", "Tệp không có dữ liệu", "roll.csv", 1)
    not_a_workbook = csv_file(tmp_path, HEADER, name="roll.xlsx")
    [[problem]] = list(iter_roll_file(not_a_workbook))
    assert problem.message == "Tệp không phải là sổ tính Excel (.xlsx) hợp lệ"


def test_the_name_hint_names_the_file_and_chooses_its_type(tmp_path: Path):
    path = csv_file(tmp_path, HEADER, GOOD.replace(",1,", ",x,"), name="upload.tmp")
    roll = RollFile(path, "danh_sach.csv")
    [[problem]] = list(roll)
    assert roll.describe(problem).startswith("danh_sach.csv!B2: ")


def test_reads_an_xlsx_roll_with_typed_cells(tmp_path: Path):
    rows = [
        list(ROLL_COLUMNS),
        ["KV1", 1, "Nguyễn Văn An", dt.datetime(1980, 1, 2), "Nam", "Tổ 1", "thuong_tru", None],
        [101, 2.0, "Bùi Thị Lan", "1990-03-04", "Nữ", "Tổ 2", "tam_tru_duoi_12", "den_bo_phieu"],
        [None] * 8,
        ["KV1", 3.5, "Hà Văn Tú", "4/3/90", "Nam", "Tổ 3", "thuong_tru", None],
    ]
    roll = RollFile(xlsx_file(tmp_path, rows, guide_first=True))
    items = list(roll)
    assert items[:2] == [
        RollRow(
            "KV1", 1, "Nguyễn Văn An", dt.date(1980, 1, 2), "Nam", "Tổ 1", "thuong_tru", None, 2
        ),
        RollRow(
            "101",
            2,
            "Bùi Thị Lan",
            dt.date(1990, 3, 4),
            "Nữ",
            "Tổ 2",
            "tam_tru_duoi_12",
            "den_bo_phieu",
            3,
        ),
    ]
    assert [roll.describe(p) for p in items[2]] == [
        "roll.xlsx!B5: Số thứ tự «3.5» không hợp lệ; cần một số nguyên dương",
        "roll.xlsx!D5: Ngày sinh «4/3/90» không hợp lệ; dùng dạng YYYY-MM-DD hoặc DD/MM/YYYY",
    ]
    assert len(items) == 3


def test_rows_stream_one_at_a_time(tmp_path: Path):
    path = tmp_path / "big.csv"
    write_roll_csv(
        (
            ("KV1", i, f"Cử tri {i}", dt.date(1980, 1, 1), "Nam", "Tổ 1", "thuong_tru", None)
            for i in range(1, 5001)
        ),
        path,
    )
    rows = iter_roll_file(path)
    first = next(rows)
    assert first == RollRow(
        "KV1", 1, "Cử tri 1", dt.date(1980, 1, 1), "Nam", "Tổ 1", "thuong_tru", None, 2
    )
    rows.close()  # stopping early closes the file
    assert sum(1 for _ in iter_roll_file(path)) == 5000


def test_a_stale_sheet_dimension_does_not_cut_rows_off(tmp_path: Path):
    good = ["KV1", 1, "An", "1980-01-02", "Nam", "Tổ 1", "thuong_tru", None]
    path = xlsx_file(tmp_path, [list(ROLL_COLUMNS), good, [*good[:1], 2, *good[2:]]])
    # Some writers leave a wrong <dimension>; openpyxl's read-only mode would trust it.
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:H2"', parts[sheet])
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert [row.seq for row in iter_roll_file(path)] == [1, 2]
