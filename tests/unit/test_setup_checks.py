"""check_setup: each test breaks one thing in the small election and expects exactly its problems.

Rows of ``small_setup()`` (the header is row 1), used in the expected problems below:

- areas: T 2, T1 3, T2 4, T1A 5, T1B 6, T2A 7
- contests: QH 2, HDND_TINH 3, HDND_HUYEN 4, HDND_XA 5
- units: QH1 2, TP1 3, TP2 4, Q1 5, XA1 6, XB1 7, XC1 8
- candidates: five per unit in unit order, QH1-1 row 2 … QH1-5 row 6, TP1-1 row 7 … XC1-5 row 36
- voting areas: T1A-1 2, T1A-2 3, T1B-1 4, T1B-2 5, T2A-1 6, T2A-2 7 (T2A-x hold no HDND_HUYEN)
- voters: one row per voting area × contest held, rows 2 … 23 (T1A-1/QH is row 2)

The election day is 23 May 2021.
"""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from election.domain.problems import Problem
from election.domain.setup import (
    AreaDef,
    CandidateDef,
    ContestDef,
    Setup,
    UnitDef,
    VoterCountDef,
    VotingAreaDef,
    check_setup,
    minimum_candidates,
)
from tests.factories import small_setup

BASE = small_setup()
LEVEL_LIST = "country, province, city, district, ward"
CONTEST_LIST = "QH, HDND_TINH, HDND_HUYEN, HDND_XA"


# -- helpers ---------------------------------------------------------------------------------


def fresh() -> Setup:
    return copy.deepcopy(BASE)


def find(items: list, code: str):
    (item,) = [i for i in items if i.code == code]
    return item


def append(items: list, item):
    """Add a row at the bottom of a sheet, numbered like the rows above it."""
    item.row = max((i.row for i in items), default=1) + 1
    items.append(item)
    return item


def voter_row(setup: Setup, voting_area: str, contest: str) -> VoterCountDef:
    (row,) = [c for c in setup.voters if (c.voting_area, c.contest) == (voting_area, contest)]
    return row


def set_candidates(setup: Setup, unit_code: str, total: int) -> None:
    """Give a unit exactly ``total`` valid candidates, dropping or adding at the bottom."""
    members = [c for c in setup.candidates if c.unit == unit_code]
    for c in members[total:]:
        setup.candidates.remove(c)
    for order in range(len(members) + 1, total + 1):
        append(
            setup.candidates,
            CandidateDef(
                f"{unit_code}-{order}",
                unit_code,
                order,
                f"Người ứng cử số {order}",
                dt.date(1970, 1, order),
                "Nam",
            ),
        )


def give_unit(setup: Setup, unit_code: str, seats: int, candidates: int) -> UnitDef:
    unit = find(setup.units, unit_code)
    unit.seats = seats
    set_candidates(setup, unit_code, candidates)
    return unit


def assert_problems(setup: Setup, *expected: Problem) -> None:
    assert check_setup(setup) == list(expected)


def required(message: str, sheet: str, row: int, field: str) -> Problem:
    return Problem("required", message, sheet, row, field)


def unknown(message: str, sheet: str, row: int, field: str) -> Problem:
    return Problem("unknown_code", message, sheet, row, field)


# -- the whole definition --------------------------------------------------------------------


def test_accepts_the_small_election_as_built():
    assert check_setup(fresh()) == []


def test_reports_every_problem_at_once_in_sheet_order():
    setup = fresh()
    setup.election.name = None
    find(setup.areas, "T1B").name = None
    find(setup.contests, "HDND_XA").name = ""
    find(setup.units, "TP2").name = None
    find(setup.candidates, "XC1-5").gender = "Khác"
    find(setup.voting_areas, "T2A-2").area = "T9"
    voter_row(setup, "T2A-2", "HDND_XA").voters = -3

    assert_problems(
        setup,
        required("Thiếu tên cuộc bầu cử", "election", 2, "name"),
        required("Thiếu tên khu vực hành chính", "areas", 6, "name"),
        required("Thiếu tên cấp bầu cử", "contests", 5, "name"),
        required("Thiếu tên đơn vị bầu cử", "units", 4, "name"),
        Problem(
            "gender_invalid",
            "Giới tính «Khác» không hợp lệ; dùng Nam hoặc Nữ",
            "candidates",
            36,
            "gender",
        ),
        unknown("Không có khu vực hành chính mã «T9»", "voting_areas", 7, "area"),
        Problem("count_invalid", "Số cử tri phải là số nguyên không âm", "voters", 23, "voters"),
    )


# -- election --------------------------------------------------------------------------------


def test_refuses_a_setup_without_an_election_row():
    setup = fresh()
    setup.election = None
    assert_problems(
        setup,
        Problem("election_missing", "Thiếu dòng thông tin cuộc bầu cử", "election", 2, "name"),
    )


@pytest.mark.parametrize("name", [None, ""])
def test_refuses_an_election_without_a_name(name):
    setup = fresh()
    setup.election.name = name
    assert_problems(setup, required("Thiếu tên cuộc bầu cử", "election", 2, "name"))


def test_refuses_an_election_without_a_date():
    setup = fresh()
    setup.election.date = None
    assert_problems(setup, required("Thiếu ngày bầu cử", "election", 2, "date"))


@pytest.mark.parametrize(("form_set", "shown"), [("2030", "2030"), ("", ""), (None, "")])
def test_refuses_an_unknown_form_set(form_set, shown):
    setup = fresh()
    setup.election.form_set = form_set
    assert_problems(
        setup,
        Problem(
            "form_set_unknown",
            f"Bộ biểu mẫu «{shown}» không hợp lệ; chọn 2021 hoặc 2026",
            "election",
            2,
            "form_set",
        ),
    )


# -- codes, on every sheet that has them -----------------------------------------------------

NEW_ROWS = {
    "areas": lambda code: AreaDef(code, "Phường Mới", "ward", "T1"),
    "contests": lambda code: ContestDef(code, "Cấp bầu cử mới"),
    "units": lambda code: UnitDef(code, "QH", "Đơn vị bầu cử mới", 3),
    "candidates": lambda code: CandidateDef(
        code, "QH1", 6, "Người ứng cử mới", dt.date(1970, 1, 1), "Nam"
    ),
    "voting_areas": lambda code: VotingAreaDef(code, "Khu vực bỏ phiếu mới", "T1A", {"QH": "QH1"}),
}
WHAT = {
    "areas": "khu vực hành chính",
    "contests": "cấp bầu cử",
    "units": "đơn vị bầu cử",
    "candidates": "người ứng cử",
    "voting_areas": "khu vực bỏ phiếu",
}
# sheet → (a code already used, the row it is on, the row a new bottom row gets)
TAKEN = {
    "areas": ("T1A", 5, 8),
    "contests": ("QH", 2, 6),
    "units": ("QH1", 2, 9),
    "candidates": ("QH1-1", 2, 37),
    "voting_areas": ("T1A-1", 2, 8),
}


@pytest.mark.parametrize(
    ("sheet", "code"),
    [
        *((sheet, None) for sheet in NEW_ROWS),
        *(pytest.param(sheet, "") for sheet in NEW_ROWS),
    ],
)
def test_refuses_a_row_without_a_code(sheet, code):
    setup = fresh()
    append(getattr(setup, sheet), NEW_ROWS[sheet](code))
    new_row = TAKEN[sheet][2]
    assert_problems(setup, required(f"Thiếu mã {WHAT[sheet]}", sheet, new_row, "code"))


@pytest.mark.parametrize("sheet", list(NEW_ROWS))
def test_refuses_a_code_used_twice_in_a_sheet(sheet):
    setup = fresh()
    code, first_row, new_row = TAKEN[sheet]
    append(getattr(setup, sheet), NEW_ROWS[sheet](code))
    assert_problems(
        setup,
        Problem(
            "duplicate_code",
            f"Mã {WHAT[sheet]} «{code}» bị trùng (đã có ở dòng {first_row})",
            sheet,
            new_row,
            "code",
        ),
    )


# -- areas -----------------------------------------------------------------------------------


def test_refuses_an_area_without_a_name():
    setup = fresh()
    find(setup.areas, "T1A").name = None
    assert_problems(setup, required("Thiếu tên khu vực hành chính", "areas", 5, "name"))


@pytest.mark.parametrize(("level", "shown"), [("village", "village"), (None, "")])
def test_refuses_an_unknown_area_level(level, shown):
    setup = fresh()
    find(setup.areas, "T1A").level = level
    assert_problems(
        setup,
        Problem(
            "level_unknown",
            f"Cấp hành chính «{shown}» không hợp lệ; dùng một trong: {LEVEL_LIST}",
            "areas",
            5,
            "level",
        ),
    )


def test_refuses_an_area_whose_parent_does_not_exist():
    setup = fresh()
    find(setup.areas, "T2A").parent = "T9"
    assert_problems(setup, unknown("Không có khu vực hành chính mã «T9»", "areas", 7, "parent"))


def test_refuses_an_area_that_is_its_own_parent():
    setup = fresh()
    append(setup.areas, AreaDef("T1C", "Phường Cầu Đất", "ward", "T1C"))
    assert_problems(
        setup,
        Problem("area_cycle", "Khu vực «T1C» là cha của chính nó", "areas", 8, "parent"),
    )


def test_reports_only_the_self_parent_of_a_ward_that_holds_voting_areas():
    setup = fresh()
    find(setup.areas, "T2A").parent = "T2A"
    assert_problems(
        setup,
        Problem("area_cycle", "Khu vực «T2A» là cha của chính nó", "areas", 7, "parent"),
    )


def in_a_loop(code: str, row: int) -> Problem:
    message = f"Khu vực «{code}» nằm trong một vòng lặp khu vực cha"
    return Problem("area_cycle", message, "areas", row, "parent")


def test_reports_both_areas_of_a_two_area_cycle():
    # A district and a ward that are each other's parent. Any loop has one step that goes
    # up the levels, so the level order is broken on that step as well.
    setup = fresh()
    append(setup.areas, AreaDef("T3", "Huyện Ba", "district", "T3A"))
    append(setup.areas, AreaDef("T3A", "Xã Ba An", "ward", "T3"))
    assert_problems(
        setup,
        Problem(
            "level_order",
            "Khu vực cấp «district» không thể trực thuộc khu vực cấp «ward» (T3A)",
            "areas",
            8,
            "level",
        ),
        in_a_loop("T3", 8),
        in_a_loop("T3A", 9),
    )


def test_refuses_areas_without_a_root():
    # The city hangs under a country that is not in the sheet, so no area is the root.
    setup = fresh()
    find(setup.areas, "T").parent = "VN"
    assert_problems(
        setup,
        unknown("Không có khu vực hành chính mã «VN»", "areas", 2, "parent"),
        Problem(
            "root_missing", "Cần đúng một khu vực gốc (cột parent để trống)", "areas", 2, "parent"
        ),
    )


def test_refuses_a_second_root_area():
    setup = fresh()
    find(setup.areas, "T2").parent = None
    assert_problems(
        setup,
        Problem(
            "root_many",
            "Chỉ được một khu vực gốc; «T2» cũng không có khu vực cha",
            "areas",
            4,
            "parent",
        ),
    )


def test_refuses_an_empty_area_sheet_and_every_voting_area_placed_in_it():
    setup = fresh()
    setup.areas = []
    places = [(v.row, v.area) for v in setup.voting_areas]
    assert_problems(
        setup,
        Problem("areas_missing", "Chưa có khu vực hành chính nào", "areas", 2, "code"),
        *(
            unknown(f"Không có khu vực hành chính mã «{area}»", "voting_areas", row, "area")
            for row, area in places
        ),
    )


@pytest.mark.parametrize(
    ("district_level", "ward_level"),
    [
        ("ward", "district"),  # a ward is the parent of a district
        ("ward", "ward"),  # a ward is the parent of a ward
    ],
)
def test_refuses_an_area_not_ranked_below_its_parent(district_level, ward_level):
    setup = fresh()
    find(setup.areas, "T2").level = district_level
    find(setup.areas, "T2A").level = ward_level
    assert_problems(
        setup,
        Problem(
            "level_order",
            f"Khu vực cấp «{ward_level}» không thể trực thuộc khu vực cấp «{district_level}» (T2)",
            "areas",
            7,
            "level",
        ),
    )


# -- contests --------------------------------------------------------------------------------


def test_refuses_an_unknown_contest_code():
    setup = fresh()
    append(setup.contests, ContestDef("HDND_THON", "Đại biểu HĐND thôn"))
    assert_problems(
        setup,
        Problem(
            "contest_unknown",
            f"Cấp bầu cử «HDND_THON» không hợp lệ; dùng một trong: {CONTEST_LIST}",
            "contests",
            6,
            "code",
        ),
    )


def test_refuses_a_district_council_contest_in_a_2026_election():
    setup = fresh()
    setup.election.form_set = "2026"
    assert_problems(
        setup,
        Problem(
            "contest_abolished", "Năm 2026 không còn bầu cử HĐND cấp huyện", "contests", 4, "code"
        ),
    )


def test_refuses_a_contest_without_a_name():
    setup = fresh()
    find(setup.contests, "QH").name = None
    assert_problems(setup, required("Thiếu tên cấp bầu cử", "contests", 2, "name"))


# -- units -----------------------------------------------------------------------------------


def unit_empty(code: str, row: int) -> Problem:
    message = f"Đơn vị bầu cử «{code}» chưa có khu vực bỏ phiếu nào"
    return Problem("unit_empty", message, "units", row, "code")


def test_refuses_a_unit_of_an_unknown_contest():
    # No voting area can name the unit under a contest that does not exist, so it is empty too.
    setup = fresh()
    append(setup.units, UnitDef("Z1", "HDND_THON", "Đơn vị bầu cử thôn", 3))
    assert_problems(
        setup,
        unknown("Không có cấp bầu cử mã «HDND_THON»", "units", 9, "contest"),
        unit_empty("Z1", 9),
    )


def test_refuses_a_unit_without_a_name():
    setup = fresh()
    find(setup.units, "QH1").name = ""
    assert_problems(setup, required("Thiếu tên đơn vị bầu cử", "units", 2, "name"))


def test_refuses_a_unit_without_seats():
    setup = fresh()
    find(setup.units, "QH1").seats = None
    assert_problems(setup, required("Thiếu số đại biểu được bầu", "units", 2, "seats"))


@pytest.mark.parametrize(
    ("unit_code", "seats", "limit"),
    [
        ("QH1", 0, 3),
        ("QH1", 4, 3),  # a National Assembly unit elects at most 3
        ("TP1", 0, 5),
        ("TP1", 6, 5),  # a People's Council unit elects at most 5
        ("Q1", 6, 5),
        ("XA1", 6, 5),
        ("XA1", -1, 5),
    ],
)
def test_refuses_seats_outside_the_contest_limit(unit_code, seats, limit):
    setup = fresh()
    # Enough candidates for the seats, so that only the seat rule is broken.
    contest = find(setup.units, unit_code).contest
    unit = give_unit(setup, unit_code, seats, max(5, minimum_candidates(contest, seats)))
    assert_problems(
        setup,
        Problem(
            "seats_range",
            f"Số đại biểu được bầu của đơn vị «{unit_code}» phải từ 1 đến {limit}"
            f" (đang là {seats})",
            "units",
            unit.row,
            "seats",
        ),
    )


@pytest.mark.parametrize(("unit_code", "seats"), [("QH1", 3), ("TP1", 5), ("Q1", 5), ("XA1", 5)])
def test_accepts_the_most_seats_a_contest_allows(unit_code, seats):
    setup = fresh()
    give_unit(setup, unit_code, seats, 8)
    assert check_setup(setup) == []


def test_refuses_a_unit_with_no_voting_area():
    setup = fresh()
    append(setup.units, UnitDef("XA2", "HDND_XA", "Đơn vị bầu cử số 2 phường An Biên", 3))
    set_candidates(setup, "XA2", 5)
    assert_problems(
        setup,
        unit_empty("XA2", 9),
    )


def test_refuses_a_commune_council_unit_spanning_two_wards():
    setup = fresh()
    find(setup.voting_areas, "T1B-1").units["HDND_XA"] = "XA1"
    assert_problems(
        setup,
        Problem(
            "unit_spans_areas",
            "Đơn vị bầu cử «XA1» (HDND_XA) gồm khu vực bỏ phiếu của nhiều xã, phường: T1A, T1B",
            "units",
            6,
            "code",
        ),
    )


def test_refuses_a_district_council_unit_spanning_two_districts():
    setup = fresh()
    find(setup.voting_areas, "T2A-1").units["HDND_HUYEN"] = "Q1"
    assert_problems(
        setup,
        Problem(
            "unit_spans_areas",
            "Đơn vị bầu cử «Q1» (HDND_HUYEN) gồm khu vực bỏ phiếu của nhiều quận, huyện: T1, T2",
            "units",
            5,
            "code",
        ),
    )


# -- candidates ------------------------------------------------------------------------------


def test_refuses_a_candidate_of_an_unknown_unit():
    setup = fresh()
    append(
        setup.candidates,
        CandidateDef("ZZ-1", "ZZ", 1, "Ngô Văn Giáp", dt.date(1970, 1, 1), "Nam"),
    )
    assert_problems(setup, unknown("Không có đơn vị bầu cử mã «ZZ»", "candidates", 37, "unit"))


@pytest.mark.parametrize("order", [0, -1, None])
def test_refuses_a_ballot_order_below_one(order):
    setup = fresh()
    find(setup.candidates, "QH1-1").order = order
    assert_problems(
        setup,
        Problem(
            "order_invalid",
            "Thứ tự trên phiếu bầu phải là số nguyên dương",
            "candidates",
            2,
            "order",
        ),
    )


def test_refuses_the_same_ballot_order_twice_in_a_unit_on_both_rows():
    setup = fresh()
    find(setup.candidates, "QH1-2").order = 1
    message = "Thứ tự 1 bị trùng trong đơn vị bầu cử «QH1»"
    assert_problems(
        setup,
        Problem("order_duplicate", message, "candidates", 2, "order"),
        Problem("order_duplicate", message, "candidates", 3, "order"),
    )


def test_refuses_a_candidate_without_a_name():
    setup = fresh()
    find(setup.candidates, "QH1-1").full_name = None
    assert_problems(setup, required("Thiếu họ và tên người ứng cử", "candidates", 2, "full_name"))


def test_refuses_a_candidate_without_a_date_of_birth():
    setup = fresh()
    find(setup.candidates, "QH1-1").date_of_birth = None
    assert_problems(
        setup,
        Problem(
            "date_invalid",
            "Thiếu ngày sinh hoặc ngày sinh không hợp lệ (YYYY-MM-DD)",
            "candidates",
            2,
            "date_of_birth",
        ),
    )


def too_young(who: str, row: int) -> Problem:
    return Problem(
        "candidate_too_young",
        f"Người ứng cử {who} chưa đủ 21 tuổi vào ngày bầu cử",
        "candidates",
        row,
        "date_of_birth",
    )


def test_refuses_a_candidate_who_turns_21_the_day_after_the_election():
    setup = fresh()
    find(setup.candidates, "QH1-1").date_of_birth = dt.date(2000, 5, 24)
    assert_problems(setup, too_young("Nguyễn Văn An", 2))


def test_accepts_a_candidate_who_turns_21_on_election_day():
    setup = fresh()
    find(setup.candidates, "QH1-1").date_of_birth = dt.date(2000, 5, 23)
    assert check_setup(setup) == []


def test_names_a_nameless_too_young_candidate_by_code():
    setup = fresh()
    candidate = find(setup.candidates, "TP1-2")
    candidate.full_name = None
    candidate.date_of_birth = dt.date(2005, 1, 1)
    assert_problems(
        setup,
        required("Thiếu họ và tên người ứng cử", "candidates", 8, "full_name"),
        too_young("TP1-2", 8),
    )


@pytest.mark.parametrize(("gender", "shown"), [("nam", "nam"), ("Khác", "Khác"), (None, "")])
def test_refuses_a_gender_other_than_nam_or_nu(gender, shown):
    setup = fresh()
    find(setup.candidates, "QH1-1").gender = gender
    assert_problems(
        setup,
        Problem(
            "gender_invalid",
            f"Giới tính «{shown}» không hợp lệ; dùng Nam hoặc Nữ",
            "candidates",
            2,
            "gender",
        ),
    )


# (contest, seats, fewest candidates) — domain.md §3
MINIMUM_CANDIDATES = [
    ("QH", 1, 3),
    ("QH", 2, 4),
    ("QH", 3, 5),
    *(
        (contest, seats, need)
        for contest in ("HDND_TINH", "HDND_HUYEN", "HDND_XA")
        for seats, need in ((1, 2), (2, 3), (3, 5), (4, 7), (5, 8))
    ),
]


@pytest.mark.parametrize(("contest", "seats", "need"), MINIMUM_CANDIDATES)
def test_minimum_candidates_follows_the_law(contest, seats, need):
    assert minimum_candidates(contest, seats) == need


UNIT_OF = {"QH": "QH1", "HDND_TINH": "TP1", "HDND_HUYEN": "Q1", "HDND_XA": "XA1"}


@pytest.mark.parametrize(("contest", "seats", "need"), MINIMUM_CANDIDATES)
def test_refuses_a_unit_with_one_candidate_too_few(contest, seats, need):
    setup = fresh()
    unit = give_unit(setup, UNIT_OF[contest], seats, need - 1)
    assert_problems(
        setup,
        Problem(
            "candidates_too_few",
            f"Đơn vị bầu cử «{unit.code}» bầu {seats} đại biểu nên cần ít nhất {need} người ứng cử"
            f" (đang có {need - 1})",
            "units",
            unit.row,
            "code",
        ),
    )


@pytest.mark.parametrize(("contest", "seats", "need"), MINIMUM_CANDIDATES)
def test_accepts_a_unit_with_just_enough_candidates(contest, seats, need):
    setup = fresh()
    give_unit(setup, UNIT_OF[contest], seats, need)
    assert check_setup(setup) == []


# -- voting areas ----------------------------------------------------------------------------


def test_refuses_a_voting_area_without_a_name():
    setup = fresh()
    find(setup.voting_areas, "T1A-1").name = None
    assert_problems(setup, required("Thiếu tên khu vực bỏ phiếu", "voting_areas", 2, "name"))


@pytest.mark.parametrize(("area", "shown"), [("T9", "T9"), (None, "")])
def test_refuses_a_voting_area_in_an_unknown_area(area, shown):
    setup = fresh()
    find(setup.voting_areas, "T2A-2").area = area
    assert_problems(
        setup, unknown(f"Không có khu vực hành chính mã «{shown}»", "voting_areas", 7, "area")
    )


def test_refuses_a_voting_area_placed_in_an_area_that_has_wards():
    setup = fresh()
    append(setup.voting_areas, VotingAreaDef("T2-1", "Khu vực bỏ phiếu số 1", "T2", {"QH": "QH1"}))
    assert_problems(
        setup,
        Problem(
            "area_not_lowest",
            "Khu vực bỏ phiếu phải thuộc một đơn vị hành chính cấp xã (xã, phường, thị trấn, đặc khu); «T2» còn có khu vực cấp dưới",
            "voting_areas",
            8,
            "area",
        ),
    )


def test_refuses_a_voting_area_column_of_an_unknown_contest():
    setup = fresh()
    find(setup.voting_areas, "T1A-1").units["HDND_THON"] = "XA1"
    assert_problems(
        setup, unknown("Không có cấp bầu cử mã «HDND_THON»", "voting_areas", 2, "HDND_THON")
    )


def test_refuses_a_voting_area_in_an_unknown_unit():
    # T2A-1 holds no district council contest: give it one, in a unit that does not exist.
    setup = fresh()
    find(setup.voting_areas, "T2A-1").units["HDND_HUYEN"] = "Q9"
    assert_problems(
        setup, unknown("Không có đơn vị bầu cử mã «Q9»", "voting_areas", 6, "HDND_HUYEN")
    )


def test_refuses_a_voting_area_in_a_unit_of_another_contest():
    setup = fresh()
    find(setup.voting_areas, "T2A-1").units["HDND_HUYEN"] = "TP2"
    assert_problems(
        setup,
        Problem(
            "unit_wrong_contest",
            "Đơn vị bầu cử «TP2» thuộc cấp HDND_TINH, không phải HDND_HUYEN",
            "voting_areas",
            6,
            "HDND_HUYEN",
        ),
    )


def test_refuses_a_voting_area_listed_twice_with_two_units_of_one_contest():
    setup = fresh()
    again = copy.deepcopy(find(setup.voting_areas, "T1A-1"))
    again.units["HDND_XA"] = "XB1"
    append(setup.voting_areas, again)
    assert_problems(
        setup,
        Problem(
            "duplicate_code",
            "Mã khu vực bỏ phiếu «T1A-1» bị trùng (đã có ở dòng 2)",
            "voting_areas",
            8,
            "code",
        ),
        Problem(
            "voting_area_two_units",
            "Khu vực bỏ phiếu «T1A-1» thuộc hai đơn vị bầu cử cấp HDND_XA: «XA1» và «XB1»",
            "voting_areas",
            8,
            "HDND_XA",
        ),
    )


def test_reports_only_the_duplicate_code_when_a_voting_area_is_listed_twice_identically():
    setup = fresh()
    append(setup.voting_areas, copy.deepcopy(find(setup.voting_areas, "T1A-1")))
    assert_problems(
        setup,
        Problem(
            "duplicate_code",
            "Mã khu vực bỏ phiếu «T1A-1» bị trùng (đã có ở dòng 2)",
            "voting_areas",
            8,
            "code",
        ),
    )


# -- voter counts ----------------------------------------------------------------------------


@pytest.mark.parametrize(("voting_area", "shown"), [("T9-1", "T9-1"), (None, "")])
def test_refuses_voters_of_an_unknown_voting_area(voting_area, shown):
    setup = fresh()
    voter_row(setup, "T1A-1", "QH").voting_area = voting_area
    assert_problems(
        setup, unknown(f"Không có khu vực bỏ phiếu mã «{shown}»", "voters", 2, "voting_area")
    )


def test_refuses_voters_of_an_unknown_contest():
    setup = fresh()
    voter_row(setup, "T1A-1", "QH").contest = "HDND_THON"
    assert_problems(setup, unknown("Không có cấp bầu cử mã «HDND_THON»", "voters", 2, "contest"))


def test_refuses_voters_of_a_contest_the_voting_area_does_not_hold():
    setup = fresh()
    append(setup.voters, VoterCountDef("T2A-1", "HDND_HUYEN", 1393))
    assert_problems(
        setup,
        Problem(
            "not_in_contest",
            "Khu vực bỏ phiếu «T2A-1» không tham gia cấp bầu cử HDND_HUYEN",
            "voters",
            24,
            "contest",
        ),
    )


def test_refuses_voters_given_twice_for_one_voting_area_and_contest():
    setup = fresh()
    append(setup.voters, VoterCountDef("T1A-1", "QH", 1000))
    assert_problems(
        setup,
        Problem(
            "duplicate",
            "Số cử tri của khu vực «T1A-1», cấp QH bị khai hai lần",
            "voters",
            24,
            "voting_area",
        ),
    )


@pytest.mark.parametrize("count", [-1, None])
def test_refuses_a_negative_or_missing_voter_count(count):
    setup = fresh()
    voter_row(setup, "T1A-1", "QH").voters = count
    assert_problems(
        setup,
        Problem("count_invalid", "Số cử tri phải là số nguyên không âm", "voters", 2, "voters"),
    )


def test_accepts_a_voting_area_with_no_voters():
    setup = fresh()
    voter_row(setup, "T1A-1", "QH").voters = 0
    assert check_setup(setup) == []
