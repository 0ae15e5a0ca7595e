"""The setup workbook: reading, located problems, writing and the round trip."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from election.domain.problems import Problem
from election.domain.setup import (
    AreaDef,
    CandidateDef,
    ContestDef,
    ElectionDef,
    Setup,
    UnitDef,
    VoterCountDef,
    VotingAreaDef,
)
from election.services.setup.setup_io import INSTRUCTIONS_SHEET, SHEETS, SetupFile, read_setup
from election.services.setup.setup_writer import blank_template, write_setup


def valid_setup() -> Setup:
    """A small valid 2026 election; KV2 takes no part in the city council contest."""
    return Setup(
        ElectionDef("Bầu cử đại biểu Quốc hội khóa XVI", dt.date(2026, 3, 15), "2026"),
        [
            AreaDef("HP", "Thành phố Hải Phòng", "city", None, 2),
            AreaDef("LC", "Quận Lê Chân", "district", "HP", 3),
            AreaDef("101", "Phường Dư Hàng Kênh", "ward", "LC", 4),
        ],
        [
            ContestDef("QH", "Đại biểu Quốc hội khóa XVI", 2),
            ContestDef("HDND_TINH", "Đại biểu HĐND thành phố", 3),
        ],
        [
            UnitDef("QH-1", "QH", "Đơn vị bầu cử số 1", 1, 2),
            UnitDef("T-1", "HDND_TINH", "Đơn vị bầu cử số 1", 1, 3),
        ],
        [
            CandidateDef("C1", "QH-1", 1, "Nguyễn Thị Ánh", dt.date(1980, 5, 1), "Nữ", 2),
            CandidateDef("C2", "QH-1", 2, "Trần Văn Đức", dt.date(1975, 12, 31), "Nam", 3),
            CandidateDef("C3", "QH-1", 3, "Lê Hoàng Yến", dt.date(1990, 1, 2), "Nữ", 4),
            CandidateDef("C4", "T-1", 1, "Phạm Quốc Việt", dt.date(1968, 7, 8), "Nam", 5),
            CandidateDef("C5", "T-1", 2, "Vũ Thị Hường", dt.date(1985, 2, 28), "Nữ", 6),
        ],
        [
            VotingAreaDef("KV1", "Khu vực số 1", "101", {"QH": "QH-1", "HDND_TINH": "T-1"}, 2),
            VotingAreaDef("KV2", "Khu vực số 2", "101", {"QH": "QH-1"}, 3),
        ],
        [VoterCountDef("KV1", "QH", 1234, 2), VoterCountDef("KV2", "QH", 0, 3)],
    )


def setup_2021() -> Setup:
    """A 2021 election with a district council contest."""
    setup = valid_setup()
    setup.election = ElectionDef("Bầu cử năm 2021", dt.date(2021, 5, 23), "2021")
    setup.contests.append(ContestDef("HDND_HUYEN", "Đại biểu HĐND quận Lê Chân", 4))
    setup.units.append(UnitDef("H-1", "HDND_HUYEN", "Đơn vị số 1", 2, 4))
    setup.voting_areas[1].units["HDND_HUYEN"] = "H-1"
    return setup


def tables() -> dict[str, list[list]]:
    """The sheets of ``valid_setup()`` as rows, header first, to edit in a test."""
    book = load_workbook(io.BytesIO(write_setup(valid_setup())))
    return {name: [list(r) for r in book[name].iter_rows(values_only=True)] for name in SHEETS}


def workbook(sheets: dict[str, list[list]]) -> bytes:
    """An .xlsx file holding ``sheets``, as a person might type it."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_edited(sheet: str, row: int, column: str, value) -> SetupFile:
    """Read the valid workbook with one cell (1-based row, column key) changed."""
    sheets = tables()
    sheets[sheet][row - 1][sheets[sheet][0].index(column)] = value
    return read_setup(workbook(sheets))


# -- the round trip


def test_round_trip_gives_back_the_same_setup():
    setup = valid_setup()
    read = read_setup(write_setup(setup))
    assert read.problems == []
    assert read.setup == setup
    assert read.check() == []


def test_round_trip_of_a_2021_election():
    setup = setup_2021()
    read = read_setup(write_setup(setup))
    assert read.setup == setup
    assert read.setup.election.form_set == "2021"
    assert read.setup.voting_areas[1].units == {"QH": "QH-1", "HDND_HUYEN": "H-1"}


def test_round_trip_reads_from_a_path_and_a_file(tmp_path: Path):
    path = tmp_path / "setup.xlsx"
    path.write_bytes(write_setup(valid_setup()))
    assert read_setup(path).setup == valid_setup()
    assert read_setup(str(path)).setup == valid_setup()
    with open(path, "rb") as f:
        assert read_setup(f).setup == valid_setup()


def test_formula_looking_text_stays_text():
    setup = valid_setup()
    names = ['=HYPERLINK("x")', "+84 912 345 678", "-Khu vực", "@Tổ 3"]
    for area, name in zip(setup.voting_areas + setup.units, names, strict=True):
        area.name = name
    data = write_setup(setup)
    book = load_workbook(io.BytesIO(data))
    cells = [book["voting_areas"]["B2"], book["voting_areas"]["B3"]]
    cells += [book["units"]["C2"], book["units"]["C3"]]
    assert [c.value for c in cells] == names
    assert all(c.data_type == "s" for c in cells)
    assert all(c.quotePrefix for c in cells)
    assert read_setup(data).setup == setup


# -- the written workbook


def test_written_workbook_has_the_contract_layout():
    book = load_workbook(io.BytesIO(write_setup(setup_2021())))
    assert book.sheetnames == [INSTRUCTIONS_SHEET, *SHEETS]
    for name, keys in SHEETS.items():
        ws = book[name]
        header = [c.value for c in ws[1]]
        if name == "voting_areas":
            assert header == [*keys, "QH", "HDND_TINH", "HDND_HUYEN"]
        else:
            assert header == list(keys)
        assert all(c.font.bold for c in ws[1])
        assert ws.freeze_panes == "A2"
        assert all(ws.column_dimensions[c.column_letter].width >= 10 for c in ws[1])
    assert book["election"]["B2"].value == "2021-05-23"
    assert book["election"]["C2"].value == "2021"
    assert book["candidates"]["E2"].value == "1980-05-01"
    assert book["units"]["D2"].value == 1
    assert book["voting_areas"]["E3"].value is None


def test_blank_template_has_headers_only_and_explains_every_column():
    data = blank_template()
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == [INSTRUCTIONS_SHEET, *SHEETS]
    assert all(book[name].max_row == 1 for name in SHEETS)
    assert [c.value for c in book["voting_areas"][1]] == [
        "code",
        "name",
        "area",
        "QH",
        "HDND_TINH",
        "HDND_HUYEN",
        "HDND_XA",
    ]
    guide = [tuple(r) for r in book[INSTRUCTIONS_SHEET].iter_rows(values_only=True)]
    assert guide[0] == ("Trang", "Cột", "Ý nghĩa")
    explained = {(sheet, column) for sheet, column, _ in guide}
    for name, keys in SHEETS.items():
        assert all((name, key) in explained for key in keys)
    seats = "Số đại biểu được bầu (Quốc hội: 1 đến 3; Hội đồng nhân dân: 1 đến 5)"
    assert ("units", "seats", seats) in guide
    blank = read_setup(data)
    assert blank.problems == []
    assert blank.setup == Setup(None, [], [], [], [], [], [])


# -- reading what people type


def test_columns_may_come_in_any_order_and_case():
    sheets = tables()
    sheets["units"] = [[" Seats", "NAME", "code ", "Contest"]] + [
        [r[3], r[2], r[0], r[1]] for r in sheets["units"][1:]
    ]
    read = read_setup(workbook(sheets))
    assert read.problems == []
    assert read.setup == valid_setup()
    assert read.columns["units"] == {"seats": "A", "name": "B", "code": "C", "contest": "D"}
    problem = Problem("seats_range", "…", "units", 3, "seats")
    assert read.locate(problem) == "units!A3"


def test_sheet_names_may_differ_in_case_and_spacing():
    sheets = {name.title() + " ": rows for name, rows in tables().items()}
    read = read_setup(workbook(sheets))
    assert read.problems == []
    assert read.setup == valid_setup()


def test_numbers_typed_into_text_cells_become_codes():
    sheets = tables()
    sheets["areas"][3][0] = 101
    sheets["voting_areas"][1][2] = 101.0
    sheets["election"][1][2] = 2026
    read = read_setup(workbook(sheets))
    assert read.problems == []
    assert read.setup == valid_setup()


def test_dates_may_be_date_cells_or_day_month_year_text():
    read = read_edited("candidates", 2, "date_of_birth", dt.datetime(1980, 5, 1))
    assert read.setup.candidates[0].date_of_birth == dt.date(1980, 5, 1)
    read = read_edited("candidates", 2, "date_of_birth", "01/05/1980")
    assert read.setup.candidates[0].date_of_birth == dt.date(1980, 5, 1)
    read = read_edited("election", 2, "date", dt.date(2026, 3, 15))
    assert read.problems == [] and read.setup == valid_setup()


def test_empty_rows_are_skipped_and_rows_keep_their_sheet_numbers():
    sheets = tables()
    sheets["units"].insert(2, [None, "  ", None, None])
    read = read_setup(workbook(sheets))
    assert [u.row for u in read.setup.units] == [2, 4]


NOT_AN_INTEGER = "phải là số nguyên (đang là «{}»)"
NOT_A_DATE = "«{}» không hợp lệ; dùng dạng YYYY-MM-DD"


@pytest.mark.parametrize(
    ("sheet", "row", "column", "value", "expected"),
    [
        ("units", 2, "seats", "abc", "units!D2: Số đại biểu được bầu " + NOT_AN_INTEGER),
        ("units", 3, "seats", 3.5, "units!D3: Số đại biểu được bầu " + NOT_AN_INTEGER),
        ("candidates", 4, "order", "hai", "candidates!C4: Thứ tự trên phiếu bầu " + NOT_AN_INTEGER),
        ("voters", 2, "voters", "1.234", "voters!C2: Số cử tri " + NOT_AN_INTEGER),
        ("election", 2, "date", "15/13/2026", "election!B2: Ngày bầu cử " + NOT_A_DATE),
        ("candidates", 2, "date_of_birth", "1980-02-30", "candidates!E2: Ngày sinh " + NOT_A_DATE),
        ("candidates", 3, "date_of_birth", 29000, "candidates!E3: Ngày sinh " + NOT_A_DATE),
    ],
)
def test_a_cell_that_cannot_be_parsed_is_a_located_problem(sheet, row, column, value, expected):
    read = read_edited(sheet, row, column, value)
    expected = expected.format(value)
    assert read.messages(read.problems) == [expected]
    assert read.problems[0].field == column
    item = read.setup.election if sheet == "election" else getattr(read.setup, sheet)[row - 2]
    assert getattr(item, column) is None
    # The rules would report the emptied cell again; check() keeps only the parse problem.
    assert read.messages() == [expected]


def test_a_negative_number_is_parsed_and_left_to_the_rules():
    read = read_edited("units", 2, "seats", "-2")
    assert read.problems == []
    assert read.setup.units[0].seats == -2
    assert read.messages() == [
        "units!D2: Số đại biểu được bầu của đơn vị «QH-1» phải từ 1 đến 3 (đang là -2)"
    ]


def test_a_missing_sheet_is_a_problem_and_its_consequences_are_not_repeated():
    sheets = tables()
    del sheets["election"], sheets["voters"]
    read = read_setup(workbook(sheets))
    assert read.messages(read.problems) == [
        "election!A1: Thiếu trang tính «election»",
        "voters!A1: Thiếu trang tính «voters»",
    ]
    assert read.setup.election is None and read.setup.voters == []
    assert read.messages() == read.messages(read.problems)


def test_a_missing_column_is_a_problem_at_its_contract_place():
    sheets = tables()
    sheets["units"] = [row[:3] for row in sheets["units"]]
    read = read_setup(workbook(sheets))
    assert read.messages(read.problems) == ["units!D1: Thiếu cột «seats»"]
    assert [u.seats for u in read.setup.units] == [None, None]
    assert read.messages() == ["units!D1: Thiếu cột «seats»"]


def test_unknown_and_repeated_columns_are_problems():
    sheets = tables()
    sheets["units"][0].append("ghi chú")
    sheets["units"][0].append("Name")
    sheets["voting_areas"][0].append("HDND_PHUONG")
    read = read_setup(workbook(sheets))
    assert read.messages(read.problems) == [
        "units!E1: Cột «ghi chú» không dùng trong trang units; các cột: code, contest, name, seats",
        "units!C1: Cột «name» bị lặp (cột C và F)",
        "voting_areas!F1: Cột «HDND_PHUONG» không dùng trong trang voting_areas; "
        "các cột: code, name, area, mã cấp bầu cử",
    ]
    assert read.setup.units == valid_setup().units


def test_a_contest_column_for_a_contest_not_held_is_left_to_the_rules():
    sheets = tables()
    sheets["voting_areas"][0].append("hdnd_xa")
    sheets["voting_areas"][1].append("X-1")
    read = read_setup(workbook(sheets))
    assert read.problems == []
    assert read.setup.voting_areas[0].units["HDND_XA"] == "X-1"
    assert read.messages() == ["voting_areas!F2: Không có cấp bầu cử mã «HDND_XA»"]


def test_a_second_election_row_is_a_problem():
    sheets = tables()
    sheets["election"].append(["Cuộc bầu cử khác", "2026-03-16", "2026"])
    read = read_setup(workbook(sheets))
    assert read.messages(read.problems) == ["election!A3: Trang election chỉ có một dòng dữ liệu"]
    assert read.setup.election == valid_setup().election


def test_a_file_that_is_not_a_workbook_is_one_problem():
    read = read_setup(b"code,name\n")
    assert [p.code for p in read.problems] == ["file_invalid"]
    assert read.messages() == ["Tệp không phải là sổ tính Excel (.xlsx) hợp lệ"]


def test_problems_are_listed_in_sheet_row_and_column_order():
    sheets = tables()
    sheets["candidates"][2][2] = "x"  # C3
    sheets["units"][1][3] = 9  # D2: too many seats
    sheets["areas"][2][2] = "tỉnh"  # C3
    read = read_setup(workbook(sheets))
    cells = [read.locate(p) for p in read.check()]
    assert cells[0] == "areas!C3"
    assert cells.index("units!D2") < cells.index("candidates!C3")


def test_locate_falls_back_to_the_contract_layout():
    read = SetupFile(Setup(None, [], [], [], [], [], []), [], {})
    assert read.locate(Problem("x", "…", "units", 5, "seats")) == "units!D5"
    assert read.locate(Problem("x", "…", "voting_areas", 7, "HDND_XA")) == "voting_areas!G7"
    assert read.describe(Problem("x", "Lỗi", "areas", 2, None)) == "areas!A2: Lỗi"
    assert read.describe(Problem("x", "Lỗi")) == "Lỗi"
