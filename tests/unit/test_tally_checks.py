"""The checks of a voting area's tally record (domain.md §5, numbers as in §7).

Every expected finding below is worked out by hand from the rule, starting from one
valid base record, then breaking one rule at a time.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from election.domain.tally import (
    ERROR,
    WARNING,
    Candidate,
    Finding,
    TallyContext,
    TallyFigures,
    check_tally,
    errors,
    warnings,
)

# -- the base record ---------------------------------------------------------------------------
# A QH unit of 3 seats with 5 candidates. 1.523 voters on the roll, 1.498 voted and were
# issued a ballot, 1.497 ballots came out of the box (1 ballot not put in), 1.480 valid +
# 17 invalid = 1.497. Votes 1.203 + 987 + 745 + 412 + 213 = 3.560, between 1.480 and
# 1.480 × 3 = 4.440, no candidate above 1.480. A matching breakdown by names kept:
# 200 + 480 + 800 = 1.480 ballots and 1·200 + 2·480 + 3·800 = 3.560 names.
# Turnout 1.498 / 1.523 ≈ 98,36 % and invalid share 17 / 1.497 ≈ 1,14 % warn of nothing,
# so the only finding is the one ballot missing from the box.

CANDIDATES = (
    Candidate("C1", "Nguyễn Văn An"),
    Candidate("C2", "Trần Thị Bình"),
    Candidate("C3", "Lê Văn Cường"),
    Candidate("C4", "Phạm Thị Dung"),
    Candidate("C5", "Hoàng Văn Em"),
)
VOTES = {"C1": 1203, "C2": 987, "C3": 745, "C4": 412, "C5": 213}
BREAKDOWN = (200, 480, 800)

BASE = TallyFigures(
    voters_on_roll=1523,
    voters_voted=1498,
    ballots_issued=1498,
    ballots_received=1497,
    ballots_valid=1480,
    ballots_invalid=17,
    votes=VOTES,
)
CONTEXT = TallyContext(contest="QH", seats=3, candidates=CANDIDATES, roll_voters=1523)


def check(context: dict | None = None, **figures) -> list[Finding]:
    """check_tally of the base record with some figures (and context fields) changed."""
    return check_tally(replace(BASE, **figures), replace(CONTEXT, **(context or {})))


def votes(**changed: int) -> dict[str, int]:
    return {**VOTES, **changed}


def err(code: str, fields: tuple[str, ...], message: str) -> Finding:
    return Finding(code, ERROR, fields, message)


def warn(code: str, fields: tuple[str, ...], message: str) -> Finding:
    return Finding(code, WARNING, fields, message)


BASE_WARNING = warn(
    "received_below_issued",
    ("ballots_received", "ballots_issued"),
    "Số phiếu thu vào (1.497) ít hơn số phiếu phát ra (1.498): 1 phiếu không được bỏ vào hòm",
)


def test_the_base_record_only_warns_of_the_ballot_missing_from_the_box():
    assert check() == [BASE_WARNING]


def test_the_base_record_with_a_correct_breakdown_by_names_kept_only_warns_the_same():
    assert check(names_kept=BREAKDOWN) == [BASE_WARNING]


def test_the_base_record_without_the_missing_ballot_has_no_finding_at_all():
    assert check(ballots_received=1498, ballots_valid=1481) == []


# -- hard rule: voters on roll = the roll's count ----------------------------------------------


def test_voters_on_roll_differing_from_the_roll_without_a_comment_is_an_error():
    assert check(context={"roll_voters": 1530}) == [
        err(
            "voters_differ_roll",
            ("voters_on_roll", "comment"),
            "Tổng số cử tri (1.523) khác số cử tri trong danh sách cử tri (1.530); "
            "nếu đúng như vậy, hãy ghi rõ lý do vào phần ghi chú",
        ),
        BASE_WARNING,
    ]


@pytest.mark.parametrize("comment", ["", "   \n"])
def test_an_empty_or_blank_comment_does_not_explain_a_difference_from_the_roll(comment):
    found = check(context={"roll_voters": 1530}, comment=comment)
    assert [(x.code, x.severity) for x in found] == [
        ("voters_differ_roll", ERROR),
        ("received_below_issued", WARNING),
    ]


def test_voters_on_roll_differing_from_the_roll_with_a_comment_is_only_a_warning():
    found = check(
        context={"roll_voters": 1530}, comment="7 cử tri chuyển đi nơi khác sau khi niêm yết"
    )
    assert found == [
        warn(
            "voters_differ_roll",
            ("voters_on_roll",),
            "Tổng số cử tri (1.523) khác số cử tri trong danh sách cử tri (1.530); "
            "đã có giải trình trong ghi chú",
        ),
        BASE_WARNING,
    ]


def test_a_record_is_not_checked_against_the_roll_when_there_is_no_roll():
    assert check(context={"roll_voters": None}, voters_on_roll=1600) == [BASE_WARNING]


# -- hard rules: voted ≤ roll, issued ≤ roll, received ≤ issued --------------------------------


def test_more_voters_voting_than_on_the_roll_is_an_error():
    # Issued stays 1.498, so issued ≠ voted warns too; turnout above 100 % is not warned.
    assert check(voters_voted=1530) == [
        err(
            "voted_exceeds_roll",
            ("voters_voted", "voters_on_roll"),
            "Số cử tri đã tham gia bỏ phiếu (1.530) không được lớn hơn tổng số cử tri (1.523)",
        ),
        warn(
            "issued_differs_voted",
            ("ballots_issued", "voters_voted"),
            "Số phiếu phát ra (1.498) khác số cử tri đã tham gia bỏ phiếu (1.530)",
        ),
        BASE_WARNING,
    ]


def test_voted_equal_to_the_roll_is_no_error_but_warns_of_full_turnout():
    found = check(voters_voted=1523, ballots_issued=1523, ballots_received=1523, ballots_valid=1506)
    assert found == [warn("turnout_full", ("voters_voted",), "Tỷ lệ cử tri đi bầu đúng 100,00%")]


def test_more_ballots_issued_than_voters_on_the_roll_is_an_error():
    assert check(ballots_issued=1530) == [
        err(
            "issued_exceeds_roll",
            ("ballots_issued", "voters_on_roll"),
            "Số phiếu phát ra (1.530) không được lớn hơn tổng số cử tri (1.523)",
        ),
        warn(
            "issued_differs_voted",
            ("ballots_issued", "voters_voted"),
            "Số phiếu phát ra (1.530) khác số cử tri đã tham gia bỏ phiếu (1.498)",
        ),
        warn(
            "received_below_issued",
            ("ballots_received", "ballots_issued"),
            "Số phiếu thu vào (1.497) ít hơn số phiếu phát ra (1.530): "
            "33 phiếu không được bỏ vào hòm",
        ),
    ]


def test_more_ballots_received_than_issued_is_an_error():
    # 1.482 + 17 = 1.499 keeps the valid + invalid rule satisfied.
    assert check(ballots_received=1499, ballots_valid=1482) == [
        err(
            "received_exceeds_issued",
            ("ballots_received", "ballots_issued"),
            "Số phiếu thu vào (1.499) không được lớn hơn số phiếu phát ra (1.498)",
        ),
    ]


# -- hard rule: valid + invalid = received -----------------------------------------------------


def test_valid_plus_invalid_not_equal_to_received_is_the_error_of_the_domain_example():
    assert check(ballots_received=1498) == [
        err(
            "valid_invalid_sum",
            ("ballots_valid", "ballots_invalid", "ballots_received"),
            "Số phiếu hợp lệ (1.480) + số phiếu không hợp lệ (17) phải bằng số phiếu thu vào (1.498)",
        ),
    ]


# -- hard rules on the candidates' votes -------------------------------------------------------


def test_a_candidate_with_more_votes_than_valid_ballots_is_an_error():
    # Σ = 3.560 − 1.203 + 1.481 = 3.838 ≤ 4.440.
    assert check(votes=votes(C1=1481)) == [
        err(
            "candidate_exceeds_valid",
            ("votes.C1",),
            "Số phiếu bầu cho Nguyễn Văn An (1.481) không được lớn hơn số phiếu hợp lệ (1.480)",
        ),
        BASE_WARNING,
    ]


def test_a_candidate_kept_on_every_valid_ballot_is_fine():
    assert check(votes=votes(C1=1480)) == [BASE_WARNING]


def test_every_candidate_above_the_valid_ballots_is_reported_in_ballot_order():
    found = check(votes={"C5": 1500, "C4": 0, "C3": 0, "C2": 1490, "C1": 0})
    assert [(x.code, x.fields) for x in errors(found)] == [
        ("candidate_exceeds_valid", ("votes.C2",)),
        ("candidate_exceeds_valid", ("votes.C5",)),
    ]


def test_fewer_votes_in_all_than_valid_ballots_is_an_error():
    # 500 + 400 + 300 + 200 + 79 = 1.479 < 1.480.
    found = check(votes={"C1": 500, "C2": 400, "C3": 300, "C4": 200, "C5": 79})
    assert found == [
        err(
            "votes_below_valid",
            ("votes", "ballots_valid"),
            "Tổng số phiếu bầu cho các người ứng cử (1.479) không được nhỏ hơn số phiếu hợp lệ "
            "(1.480): mỗi phiếu hợp lệ giữ lại ít nhất một tên",
        ),
        BASE_WARNING,
    ]


def test_votes_in_all_equal_to_valid_ballots_is_fine():
    found = check(votes={"C1": 500, "C2": 400, "C3": 300, "C4": 200, "C5": 80})
    assert found == [BASE_WARNING]


def test_more_votes_in_all_than_valid_ballots_times_seats_is_an_error():
    # 1.480 × 3 + 1 = 4.441.
    found = check(votes={"C1": 1480, "C2": 1480, "C3": 1480, "C4": 1, "C5": 0})
    assert found == [
        err(
            "votes_above_seats",
            ("votes", "ballots_valid"),
            "Tổng số phiếu bầu cho các người ứng cử (4.441) không được lớn hơn số phiếu hợp lệ "
            "× số đại biểu được bầu (1.480 × 3 = 4.440)",
        ),
        BASE_WARNING,
    ]


def test_votes_in_all_equal_to_valid_ballots_times_seats_is_fine():
    found = check(votes={"C1": 1480, "C2": 1480, "C3": 1480, "C4": 0, "C5": 0})
    assert found == [BASE_WARNING]


def test_a_candidate_of_the_list_without_votes_is_an_error_and_the_totals_are_not_checked():
    # Without C3, Σ = 2.815 would still be in range; the totals are skipped anyway.
    without_c3 = {code: n for code, n in VOTES.items() if code != "C3"}
    assert check(votes=without_c3, names_kept=(0, 0, 1480)) == [
        err(
            "candidate_missing", ("votes.C3",), "Thiếu số phiếu bầu của người ứng cử: Lê Văn Cường"
        ),
        BASE_WARNING,
    ]


def test_several_missing_candidates_are_named_in_ballot_order():
    found = check(votes={"C1": 1203, "C3": 745, "C4": 412})
    assert found == [
        err(
            "candidate_missing",
            ("votes.C2", "votes.C5"),
            "Thiếu số phiếu bầu của người ứng cử: Trần Thị Bình, Hoàng Văn Em",
        ),
        BASE_WARNING,
    ]


def test_votes_for_a_code_not_on_the_units_list_are_an_error():
    # With X9 the sum 3.570 is not checked: the list itself is wrong.
    assert check(votes=votes(X9=10)) == [
        err(
            "candidate_unknown",
            ("votes.X9",),
            "Không có trong danh sách người ứng cử của đơn vị bầu cử: X9",
        ),
        BASE_WARNING,
    ]


def test_missing_and_unknown_candidates_are_both_reported_missing_first():
    found = check(votes={"C1": 1203, "C2": 987, "C3": 745, "C4": 412, "C6": 213})
    assert found == [
        err(
            "candidate_missing", ("votes.C5",), "Thiếu số phiếu bầu của người ứng cử: Hoàng Văn Em"
        ),
        err(
            "candidate_unknown",
            ("votes.C6",),
            "Không có trong danh sách người ứng cử của đơn vị bầu cử: C6",
        ),
        BASE_WARNING,
    ]


def test_a_known_candidate_above_valid_is_still_reported_when_another_is_missing():
    found = check(votes={"C1": 1500, "C2": 987, "C3": 745, "C4": 412})
    assert [x.code for x in errors(found)] == ["candidate_missing", "candidate_exceeds_valid"]


# -- hard rules on the optional breakdown n₁ … n_seats -----------------------------------------


@pytest.mark.parametrize("breakdown", [(200, 480), (200, 480, 800, 0)])
def test_a_breakdown_without_one_line_per_seat_is_an_error(breakdown):
    assert check(names_kept=breakdown) == [
        err(
            "names_kept_length",
            ("names_kept",),
            "Bảng phân loại phiếu hợp lệ phải có đúng 3 dòng (giữ lại 1 đến 3 tên), "
            f"đang có {len(breakdown)}",
        ),
        BASE_WARNING,
    ]


def test_a_breakdown_not_adding_up_to_the_valid_ballots_is_an_error():
    # 202 + 479 + 800 = 1.481 ballots, but 202 + 958 + 2.400 = 3.560 names as the votes.
    assert check(names_kept=(202, 479, 800)) == [
        err(
            "names_kept_sum",
            ("names_kept", "ballots_valid"),
            "Tổng số phiếu theo số tên được giữ lại (1.481) phải bằng số phiếu hợp lệ (1.480)",
        ),
        BASE_WARNING,
    ]


def test_a_breakdown_whose_names_kept_differ_from_the_votes_is_an_error():
    # 201 + 479 + 800 = 1.480 ballots, but 201 + 958 + 2.400 = 3.559 names ≠ 3.560 votes.
    assert check(names_kept=(201, 479, 800)) == [
        err(
            "names_kept_votes",
            ("names_kept", "votes"),
            "Số tên được giữ lại trên các phiếu hợp lệ (3.559) phải bằng tổng số phiếu bầu cho "
            "các người ứng cử (3.560)",
        ),
        BASE_WARNING,
    ]


def test_a_breakdown_wrong_in_both_sums_reports_both():
    # 200 + 480 + 801 = 1.481; 200 + 960 + 2.403 = 3.563.
    assert errors(check(names_kept=(200, 480, 801))) == [
        err(
            "names_kept_sum",
            ("names_kept", "ballots_valid"),
            "Tổng số phiếu theo số tên được giữ lại (1.481) phải bằng số phiếu hợp lệ (1.480)",
        ),
        err(
            "names_kept_votes",
            ("names_kept", "votes"),
            "Số tên được giữ lại trên các phiếu hợp lệ (3.563) phải bằng tổng số phiếu bầu cho "
            "các người ứng cử (3.560)",
        ),
    ]


def test_a_breakdown_is_not_compared_to_the_votes_when_the_candidates_are_wrong():
    found = check(votes=votes(X9=10), names_kept=BREAKDOWN)
    assert [x.code for x in errors(found)] == ["candidate_unknown"]


def test_a_negative_count_in_the_breakdown_is_an_error():
    # (−10, 1.500, −10): 1.480 ballots and −10 + 3.000 − 30 = 2.960 names, equal to the
    # votes 1.000 + 900 + 600 + 300 + 160 = 2.960, so both sums hold and nothing else fires.
    found = check(
        votes={"C1": 1000, "C2": 900, "C3": 600, "C4": 300, "C5": 160}, names_kept=(-10, 1500, -10)
    )
    assert errors(found) == [
        err(
            "negative", ("names_kept.1",), "Số phiếu giữ lại 1 tên (-10) phải là số nguyên không âm"
        ),
        err(
            "negative", ("names_kept.3",), "Số phiếu giữ lại 3 tên (-10) phải là số nguyên không âm"
        ),
    ]


# -- hard rule: every count ≥ 0 ----------------------------------------------------------------


def test_a_negative_invalid_count_is_an_error():
    # 1.498 + (−1) = 1.497 = received; a negative invalid share warns of nothing.
    assert check(ballots_valid=1498, ballots_invalid=-1) == [
        err(
            "negative",
            ("ballots_invalid",),
            "Số phiếu không hợp lệ (-1) phải là số nguyên không âm",
        ),
        BASE_WARNING,
    ]


def test_a_negative_vote_count_is_an_error():
    # 1.203 + 987 + 745 + 626 − 1 = 3.560, as before.
    assert check(votes=votes(C4=626, C5=-1)) == [
        err(
            "negative",
            ("votes.C5",),
            f"Số phiếu bầu cho {CANDIDATES[4].name} (-1) phải là số nguyên không âm",
        ),
        BASE_WARNING,
    ]


def test_a_negative_roll_count_is_an_error_and_everything_exceeds_it():
    found = check(context={"roll_voters": None}, voters_on_roll=-1)
    assert found == [
        err("negative", ("voters_on_roll",), "Tổng số cử tri (-1) phải là số nguyên không âm"),
        err(
            "voted_exceeds_roll",
            ("voters_voted", "voters_on_roll"),
            "Số cử tri đã tham gia bỏ phiếu (1.498) không được lớn hơn tổng số cử tri (-1)",
        ),
        err(
            "issued_exceeds_roll",
            ("ballots_issued", "voters_on_roll"),
            "Số phiếu phát ra (1.498) không được lớn hơn tổng số cử tri (-1)",
        ),
        BASE_WARNING,
    ]


def test_a_negative_voted_count_is_an_error():
    # A negative turnout is no turnout: only the error and the issued ≠ voted warning.
    assert check(voters_voted=-1) == [
        err(
            "negative",
            ("voters_voted",),
            "Số cử tri đã tham gia bỏ phiếu (-1) phải là số nguyên không âm",
        ),
        warn(
            "issued_differs_voted",
            ("ballots_issued", "voters_voted"),
            "Số phiếu phát ra (1.498) khác số cử tri đã tham gia bỏ phiếu (-1)",
        ),
        BASE_WARNING,
    ]


def test_a_negative_issued_count_is_an_error():
    assert check(ballots_issued=-1) == [
        err("negative", ("ballots_issued",), "Số phiếu phát ra (-1) phải là số nguyên không âm"),
        err(
            "received_exceeds_issued",
            ("ballots_received", "ballots_issued"),
            "Số phiếu thu vào (1.497) không được lớn hơn số phiếu phát ra (-1)",
        ),
        warn(
            "issued_differs_voted",
            ("ballots_issued", "voters_voted"),
            "Số phiếu phát ra (-1) khác số cử tri đã tham gia bỏ phiếu (1.498)",
        ),
    ]


def test_a_negative_received_count_is_an_error():
    assert check(ballots_received=-1) == [
        err("negative", ("ballots_received",), "Số phiếu thu vào (-1) phải là số nguyên không âm"),
        err(
            "valid_invalid_sum",
            ("ballots_valid", "ballots_invalid", "ballots_received"),
            "Số phiếu hợp lệ (1.480) + số phiếu không hợp lệ (17) phải bằng số phiếu thu vào (-1)",
        ),
        warn(
            "received_below_issued",
            ("ballots_received", "ballots_issued"),
            "Số phiếu thu vào (-1) ít hơn số phiếu phát ra (1.498): "
            "1.499 phiếu không được bỏ vào hòm",
        ),
    ]


def test_a_negative_valid_count_is_an_error_and_every_candidate_exceeds_it():
    # −1 + 17 = 16 ≠ 1.497; every candidate > −1; 3.560 > −1 × 3 = −3.
    found = check(ballots_valid=-1)
    exceeds = [
        err(
            "candidate_exceeds_valid",
            (f"votes.{c.code}",),
            f"Số phiếu bầu cho {c.name} ({shown}) không được lớn hơn số phiếu hợp lệ (-1)",
        )
        for c, shown in zip(CANDIDATES, ["1.203", "987", "745", "412", "213"])
    ]
    assert found == [
        err("negative", ("ballots_valid",), "Số phiếu hợp lệ (-1) phải là số nguyên không âm"),
        err(
            "valid_invalid_sum",
            ("ballots_valid", "ballots_invalid", "ballots_received"),
            "Số phiếu hợp lệ (-1) + số phiếu không hợp lệ (17) phải bằng số phiếu thu vào (1.497)",
        ),
        *exceeds,
        err(
            "votes_above_seats",
            ("votes", "ballots_valid"),
            "Tổng số phiếu bầu cho các người ứng cử (3.560) không được lớn hơn số phiếu hợp lệ "
            "× số đại biểu được bầu (-1 × 3 = -3)",
        ),
        BASE_WARNING,
    ]


# -- warnings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("voted", "shown"), [(1500, "1.500"), (1490, "1.490")])
def test_ballots_issued_differing_from_voters_who_voted_warns(voted, shown):
    assert check(voters_voted=voted) == [
        warn(
            "issued_differs_voted",
            ("ballots_issued", "voters_voted"),
            f"Số phiếu phát ra (1.498) khác số cử tri đã tham gia bỏ phiếu ({shown})",
        ),
        BASE_WARNING,
    ]


def test_fewer_ballots_received_than_issued_warns_with_the_number_missing():
    # 1.473 + 17 = 1.490; 1.498 − 1.490 = 8.
    assert check(ballots_received=1490, ballots_valid=1473) == [
        warn(
            "received_below_issued",
            ("ballots_received", "ballots_issued"),
            "Số phiếu thu vào (1.490) ít hơn số phiếu phát ra (1.498): 8 phiếu không được bỏ vào hòm",
        ),
    ]


def contest_order(upper: str, upper_n: str, lower: str, lower_n: str) -> Finding:
    return warn(
        "voters_contest_order",
        ("voters_on_roll",),
        f"Tổng số cử tri bầu {upper} ({upper_n}) ít hơn số cử tri bầu {lower} ({lower_n}) "
        "tại cùng khu vực bỏ phiếu",
    )


def test_fewer_qh_voters_than_city_council_voters_in_the_same_area_warns():
    assert check(context={"other_voters": {"HDND_TINH": 1530}}) == [
        BASE_WARNING,
        contest_order("đại biểu Quốc hội", "1.523", "HĐND cấp tỉnh", "1.530"),
    ]


def test_as_many_qh_voters_as_city_council_voters_is_fine():
    assert check(context={"other_voters": {"HDND_TINH": 1523}}) == [BASE_WARNING]


def test_fewer_city_council_voters_than_ward_council_voters_in_the_same_area_warns():
    found = check(context={"contest": "HDND_TINH", "other_voters": {"HDND_XA": 1530}})
    assert found == [
        BASE_WARNING,
        contest_order("HĐND cấp tỉnh", "1.523", "HĐND cấp xã", "1.530"),
    ]


def test_a_ward_council_record_against_a_larger_city_council_count_is_fine():
    found = check(context={"contest": "HDND_XA", "other_voters": {"HDND_TINH": 1600}})
    assert found == [BASE_WARNING]


def test_a_ward_council_record_against_a_smaller_city_council_count_warns():
    found = check(context={"contest": "HDND_XA", "other_voters": {"HDND_TINH": 1500}})
    assert found == [
        BASE_WARNING,
        contest_order("HĐND cấp tỉnh", "1.500", "HĐND cấp xã", "1.523"),
    ]


def test_a_city_council_record_against_a_smaller_qh_count_warns():
    found = check(context={"contest": "HDND_TINH", "other_voters": {"QH": 1500}})
    assert found == [
        BASE_WARNING,
        contest_order("đại biểu Quốc hội", "1.500", "HĐND cấp tỉnh", "1.523"),
    ]


def test_contest_order_warnings_follow_the_order_of_the_contests():
    found = check(context={"contest": "HDND_TINH", "other_voters": {"HDND_XA": 1530, "QH": 1500}})
    assert found == [
        BASE_WARNING,
        contest_order("đại biểu Quốc hội", "1.500", "HĐND cấp tỉnh", "1.523"),
        contest_order("HĐND cấp tỉnh", "1.523", "HĐND cấp xã", "1.530"),
    ]


def test_the_count_of_the_records_own_contest_in_other_voters_is_ignored():
    assert check(context={"other_voters": {"QH": 9999}}) == [BASE_WARNING]


def test_a_turnout_of_exactly_one_half_warns():
    # 1.498 / 2.996 = 50 % exactly.
    found = check(context={"roll_voters": 2996}, voters_on_roll=2996)
    assert found == [
        BASE_WARNING,
        warn(
            "turnout_low",
            ("voters_voted",),
            "Tỷ lệ cử tri đi bầu 50,00% không quá một nửa tổng số cử tri",
        ),
    ]


def test_a_turnout_of_one_half_plus_one_voter_does_not_warn():
    # 1.498 / 2.995: one voter more than half of the roll.
    assert check(context={"roll_voters": 2995}, voters_on_roll=2995) == [BASE_WARNING]


def test_a_low_turnout_is_shown_rounded_half_up_to_two_decimals():
    # 1.498 / 2.997 = 49,9833…% → 49,98 %.
    found = check(context={"roll_voters": 2997}, voters_on_roll=2997)
    assert found[-1].message == "Tỷ lệ cử tri đi bầu 49,98% không quá một nửa tổng số cử tri"


def test_a_turnout_below_one_half_warns_with_the_percentage():
    # 970 / 2.000 = 48,50 %; 20 / 970 ≈ 2,06 % invalid; Σ 2.000 in [950, 2.850].
    record = TallyFigures(
        voters_on_roll=2000,
        voters_voted=970,
        ballots_issued=970,
        ballots_received=970,
        ballots_valid=950,
        ballots_invalid=20,
        votes={"C1": 900, "C2": 600, "C3": 300, "C4": 150, "C5": 50},
    )
    assert check_tally(record, replace(CONTEXT, roll_voters=2000)) == [
        warn(
            "turnout_low",
            ("voters_voted",),
            "Tỷ lệ cử tri đi bầu 48,50% không quá một nửa tổng số cử tri",
        ),
    ]


def test_a_turnout_of_exactly_one_hundred_percent_warns():
    found = check(context={"roll_voters": 1498}, voters_on_roll=1498)
    assert found == [
        BASE_WARNING,
        warn("turnout_full", ("voters_voted",), "Tỷ lệ cử tri đi bầu đúng 100,00%"),
    ]


def test_an_invalid_share_exactly_at_the_threshold_does_not_warn():
    # 150 / 1.500 = 10 % exactly; Σ 3.560 ≤ 1.350 × 3 = 4.050 and 1.203 ≤ 1.350.
    found = check(
        voters_voted=1500,
        ballots_issued=1500,
        ballots_received=1500,
        ballots_valid=1350,
        ballots_invalid=150,
    )
    assert found == []


def test_an_invalid_share_above_the_threshold_warns():
    # 151 / 1.500 = 10,0666…% → 10,07 %.
    found = check(
        voters_voted=1500,
        ballots_issued=1500,
        ballots_received=1500,
        ballots_valid=1349,
        ballots_invalid=151,
    )
    assert found == [
        warn(
            "invalid_high",
            ("ballots_invalid",),
            "Tỷ lệ phiếu không hợp lệ 10,07% vượt ngưỡng 10,00%",
        ),
    ]


def test_the_invalid_share_threshold_is_configurable():
    # 17 / 1.497 = 1,1356…% → 1,14 %, above 1,13 %.
    assert check(context={"invalid_warning_pct": Decimal("1.13")}) == [
        BASE_WARNING,
        warn(
            "invalid_high",
            ("ballots_invalid",),
            "Tỷ lệ phiếu không hợp lệ 1,14% vượt ngưỡng 1,13%",
        ),
    ]


def test_a_configured_threshold_above_the_share_does_not_warn():
    assert check(context={"invalid_warning_pct": Decimal("1.14")}) == [BASE_WARNING]


def test_a_configured_threshold_met_exactly_does_not_warn():
    # 30 / 1.500 = 2 % exactly, at a threshold of 2 %; 31 / 1.500 = 2,0666…% warns.
    exact = {"voters_voted": 1500, "ballots_issued": 1500, "ballots_received": 1500}
    context = {"invalid_warning_pct": Decimal("2")}
    assert check(context, **exact, ballots_valid=1470, ballots_invalid=30) == []
    assert check(context, **exact, ballots_valid=1469, ballots_invalid=31) == [
        warn(
            "invalid_high", ("ballots_invalid",), "Tỷ lệ phiếu không hợp lệ 2,07% vượt ngưỡng 2,00%"
        )
    ]


# -- edge cases --------------------------------------------------------------------------------


def test_no_valid_ballot_with_no_votes_is_a_valid_record():
    # Every ballot received is invalid: 1.498 / 1.498 = 100 % invalid warns, nothing else.
    found = check(
        ballots_received=1498,
        ballots_valid=0,
        ballots_invalid=1498,
        votes=dict.fromkeys(VOTES, 0),
        names_kept=(0, 0, 0),
    )
    assert found == [
        warn(
            "invalid_high",
            ("ballots_invalid",),
            "Tỷ lệ phiếu không hợp lệ 100,00% vượt ngưỡng 10,00%",
        ),
    ]


def test_a_voting_area_where_nobody_voted_only_warns_of_the_turnout():
    found = check(
        voters_voted=0,
        ballots_issued=0,
        ballots_received=0,
        ballots_valid=0,
        ballots_invalid=0,
        votes=dict.fromkeys(VOTES, 0),
    )
    assert found == [
        warn(
            "turnout_low",
            ("voters_voted",),
            "Tỷ lệ cử tri đi bầu 0,00% không quá một nửa tổng số cử tri",
        ),
    ]


def test_an_empty_roll_and_an_empty_box_give_no_finding():
    found = check(
        context={"roll_voters": 0},
        voters_on_roll=0,
        voters_voted=0,
        ballots_issued=0,
        ballots_received=0,
        ballots_valid=0,
        ballots_invalid=0,
        votes=dict.fromkeys(VOTES, 0),
    )
    assert found == []


def test_with_one_seat_the_votes_must_add_up_to_the_valid_ballots_exactly():
    one_seat = {"seats": 1, "candidates": CANDIDATES[:3]}
    assert check(one_seat, votes={"C1": 800, "C2": 500, "C3": 180}, names_kept=(1480,)) == [
        BASE_WARNING
    ]
    assert check(one_seat, votes={"C1": 800, "C2": 500, "C3": 181}) == [
        err(
            "votes_above_seats",
            ("votes", "ballots_valid"),
            "Tổng số phiếu bầu cho các người ứng cử (1.481) không được lớn hơn số phiếu hợp lệ "
            "× số đại biểu được bầu (1.480 × 1 = 1.480)",
        ),
        BASE_WARNING,
    ]
    assert check(one_seat, votes={"C1": 800, "C2": 500, "C3": 179}) == [
        err(
            "votes_below_valid",
            ("votes", "ballots_valid"),
            "Tổng số phiếu bầu cho các người ứng cử (1.479) không được nhỏ hơn số phiếu hợp lệ "
            "(1.480): mỗi phiếu hợp lệ giữ lại ít nhất một tên",
        ),
        BASE_WARNING,
    ]


def test_several_broken_rules_are_all_reported_in_the_order_of_the_paper_form():
    # Roll 1.520 ≠ 1.523 without comment; voted 1.521 > 1.520; issued 1.525 > 1.520;
    # received 1.526 > 1.525; 1.480 + 17 = 1.497 ≠ 1.526; C1 1.481 > 1.480;
    # Σ 1.481 + 1.480 + 1.480 + 1 + 0 = 4.442 > 4.440; breakdown 200 + 480 + 801 = 1.481
    # ballots and 200 + 960 + 2.403 = 3.563 names. Then issued ≠ voted warns; nothing
    # else does (received > issued, voted > roll, 17 / 1.526 small).
    found = check(
        voters_on_roll=1520,
        voters_voted=1521,
        ballots_issued=1525,
        ballots_received=1526,
        votes={"C1": 1481, "C2": 1480, "C3": 1480, "C4": 1, "C5": 0},
        names_kept=(200, 480, 801),
    )
    assert found == [
        err(
            "voters_differ_roll",
            ("voters_on_roll", "comment"),
            "Tổng số cử tri (1.520) khác số cử tri trong danh sách cử tri (1.523); "
            "nếu đúng như vậy, hãy ghi rõ lý do vào phần ghi chú",
        ),
        err(
            "voted_exceeds_roll",
            ("voters_voted", "voters_on_roll"),
            "Số cử tri đã tham gia bỏ phiếu (1.521) không được lớn hơn tổng số cử tri (1.520)",
        ),
        err(
            "issued_exceeds_roll",
            ("ballots_issued", "voters_on_roll"),
            "Số phiếu phát ra (1.525) không được lớn hơn tổng số cử tri (1.520)",
        ),
        err(
            "received_exceeds_issued",
            ("ballots_received", "ballots_issued"),
            "Số phiếu thu vào (1.526) không được lớn hơn số phiếu phát ra (1.525)",
        ),
        err(
            "valid_invalid_sum",
            ("ballots_valid", "ballots_invalid", "ballots_received"),
            "Số phiếu hợp lệ (1.480) + số phiếu không hợp lệ (17) phải bằng số phiếu thu vào (1.526)",
        ),
        err(
            "candidate_exceeds_valid",
            ("votes.C1",),
            "Số phiếu bầu cho Nguyễn Văn An (1.481) không được lớn hơn số phiếu hợp lệ (1.480)",
        ),
        err(
            "votes_above_seats",
            ("votes", "ballots_valid"),
            "Tổng số phiếu bầu cho các người ứng cử (4.442) không được lớn hơn số phiếu hợp lệ "
            "× số đại biểu được bầu (1.480 × 3 = 4.440)",
        ),
        err(
            "names_kept_sum",
            ("names_kept", "ballots_valid"),
            "Tổng số phiếu theo số tên được giữ lại (1.481) phải bằng số phiếu hợp lệ (1.480)",
        ),
        err(
            "names_kept_votes",
            ("names_kept", "votes"),
            "Số tên được giữ lại trên các phiếu hợp lệ (3.563) phải bằng tổng số phiếu bầu cho "
            "các người ứng cử (4.442)",
        ),
        warn(
            "issued_differs_voted",
            ("ballots_issued", "voters_voted"),
            "Số phiếu phát ra (1.525) khác số cử tri đã tham gia bỏ phiếu (1.521)",
        ),
    ]


def test_errors_come_in_the_order_of_the_rules_negatives_first():
    # Negative C5, valid + invalid ≠ received, missing C4, unknown X9, C1 above valid.
    found = check(
        ballots_received=1498,
        votes={"C1": 1500, "C2": 987, "C3": 745, "C5": -1, "X9": 3},
    )
    assert [x.code for x in errors(found)] == [
        "negative",
        "valid_invalid_sum",
        "candidate_missing",
        "candidate_unknown",
        "candidate_exceeds_valid",
    ]


def test_every_warning_at_once_comes_in_the_order_of_the_paper_form():
    # Roll 1.523 ≠ 1.530 explained; voted 700, issued 702, received 700 = 600 + 100;
    # Σ 1.500 in [600, 1.800]; QH 1.523 < HĐND tỉnh 1.600; 700 / 1.523 = 45,96…% → 45,96 %;
    # 100 / 700 = 14,285…% → 14,29 %.
    found = check(
        context={"roll_voters": 1530, "other_voters": {"HDND_TINH": 1600}},
        voters_voted=700,
        ballots_issued=702,
        ballots_received=700,
        ballots_valid=600,
        ballots_invalid=100,
        votes={"C1": 500, "C2": 400, "C3": 300, "C4": 200, "C5": 100},
        comment="Danh sách bổ sung 7 cử tri sau khi niêm yết",
    )
    assert errors(found) == []
    assert (
        warnings(found)
        == found
        == [
            warn(
                "voters_differ_roll",
                ("voters_on_roll",),
                "Tổng số cử tri (1.523) khác số cử tri trong danh sách cử tri (1.530); "
                "đã có giải trình trong ghi chú",
            ),
            warn(
                "issued_differs_voted",
                ("ballots_issued", "voters_voted"),
                "Số phiếu phát ra (702) khác số cử tri đã tham gia bỏ phiếu (700)",
            ),
            warn(
                "received_below_issued",
                ("ballots_received", "ballots_issued"),
                "Số phiếu thu vào (700) ít hơn số phiếu phát ra (702): 2 phiếu không được bỏ vào hòm",
            ),
            contest_order("đại biểu Quốc hội", "1.523", "HĐND cấp tỉnh", "1.600"),
            warn(
                "turnout_low",
                ("voters_voted",),
                "Tỷ lệ cử tri đi bầu 45,96% không quá một nửa tổng số cử tri",
            ),
            warn(
                "invalid_high",
                ("ballots_invalid",),
                "Tỷ lệ phiếu không hợp lệ 14,29% vượt ngưỡng 10,00%",
            ),
        ]
    )


# -- properties --------------------------------------------------------------------------------

CONTESTS = ("QH", "HDND_TINH", "HDND_HUYEN", "HDND_XA")
FIGURE_NAMES = (
    "voters_on_roll",
    "voters_voted",
    "ballots_issued",
    "ballots_received",
    "ballots_valid",
    "ballots_invalid",
)


@st.composite
def consistent_records(draw) -> tuple[TallyFigures, TallyContext]:
    """A record that keeps every hard rule by construction, built from the valid ballots."""
    seats = draw(st.integers(1, 4))
    codes = [f"C{i}" for i in range(1, draw(st.integers(1, 6)) + 1)]
    ballots = draw(
        st.lists(
            st.sets(st.sampled_from(codes), min_size=1, max_size=min(seats, len(codes))),
            max_size=25,
        )
    )
    valid = len(ballots)
    votes = {code: sum(code in kept for kept in ballots) for code in codes}
    breakdown = tuple(sum(len(kept) == k for kept in ballots) for k in range(1, seats + 1))
    invalid = draw(st.integers(0, 8))
    received = valid + invalid
    issued = received + draw(st.integers(0, 3))
    voted = draw(st.integers(0, issued + 3))
    roll = max(voted, issued) + draw(st.integers(0, 10))
    figures = TallyFigures(
        voters_on_roll=roll,
        voters_voted=voted,
        ballots_issued=issued,
        ballots_received=received,
        ballots_valid=valid,
        ballots_invalid=invalid,
        votes=votes,
        names_kept=draw(st.sampled_from([None, breakdown])),
        comment=draw(st.sampled_from([None, "", "  ", "Có giải trình"])),
    )
    context = TallyContext(
        contest=draw(st.sampled_from(CONTESTS)),
        seats=seats,
        candidates=tuple(Candidate(code, f"Người ứng cử {code}") for code in codes),
        roll_voters=draw(st.sampled_from([None, roll])),
        other_voters=draw(st.dictionaries(st.sampled_from(CONTESTS), st.integers(0, 60))),
        invalid_warning_pct=draw(st.sampled_from([Decimal("10"), Decimal("0"), Decimal("2.5")])),
    )
    return figures, context


@st.composite
def random_records(draw) -> tuple[TallyFigures, TallyContext]:
    """A consistent record with some figures, votes, candidates or breakdown lines nudged."""
    figures, context = draw(consistent_records())
    delta = st.integers(-3, 3)
    changes = {
        name: getattr(figures, name) + draw(delta)
        for name in draw(st.sets(st.sampled_from(FIGURE_NAMES)))
    }
    votes = dict(figures.votes)
    for code in draw(st.sets(st.sampled_from(sorted(votes)))):
        votes[code] += draw(delta)
    if draw(st.booleans()):
        del votes[draw(st.sampled_from(sorted(votes)))]
    if draw(st.booleans()):
        votes["X9"] = draw(st.integers(-1, 5))
    names_kept = figures.names_kept
    if names_kept is not None:
        names_kept = tuple(max(0, n + draw(st.integers(-1, 1))) for n in names_kept)
        if draw(st.booleans()):
            names_kept = names_kept[:-1] if draw(st.booleans()) else (*names_kept, 0)
    if context.roll_voters is not None and draw(st.booleans()):
        context = replace(context, roll_voters=context.roll_voters + draw(delta))
    return replace(figures, **changes, votes=votes, names_kept=names_kept), context


def reference_error_codes(f: TallyFigures, ctx: TallyContext) -> set[str]:
    """The hard rules of domain.md §5, written out on their own."""
    found = set()
    counts = [getattr(f, name) for name in FIGURE_NAMES] + list(f.votes.values())
    counts += list(f.names_kept or ())
    if min(counts) < 0:
        found.add("negative")
    explained = f.comment is not None and f.comment.strip() != ""
    if ctx.roll_voters is not None and ctx.roll_voters != f.voters_on_roll and not explained:
        found.add("voters_differ_roll")
    if f.voters_voted > f.voters_on_roll:
        found.add("voted_exceeds_roll")
    if f.ballots_issued > f.voters_on_roll:
        found.add("issued_exceeds_roll")
    if f.ballots_received > f.ballots_issued:
        found.add("received_exceeds_issued")
    if f.ballots_valid + f.ballots_invalid != f.ballots_received:
        found.add("valid_invalid_sum")
    official = {c.code for c in ctx.candidates}
    given = set(f.votes)
    if official - given:
        found.add("candidate_missing")
    if given - official:
        found.add("candidate_unknown")
    if any(f.votes[code] > f.ballots_valid for code in official & given):
        found.add("candidate_exceeds_valid")
    total = sum(f.votes.values())
    if official == given:  # the totals only mean something over the official list
        if total < f.ballots_valid:
            found.add("votes_below_valid")
        if total > f.ballots_valid * ctx.seats:
            found.add("votes_above_seats")
    if f.names_kept is not None:
        if len(f.names_kept) != ctx.seats:
            found.add("names_kept_length")
        else:
            if sum(f.names_kept) != f.ballots_valid:
                found.add("names_kept_sum")
            names = sum(k * n for k, n in zip(range(1, ctx.seats + 1), f.names_kept))
            if official == given and names != total:
                found.add("names_kept_votes")
    return found


@settings(max_examples=300, deadline=None)
@given(consistent_records())
def test_a_record_built_from_valid_ballots_never_has_an_error(record):
    figures, context = record
    found = check_tally(figures, context)
    assert errors(found) == []
    assert all(x.severity == WARNING for x in found)


@settings(max_examples=500, deadline=None)
@given(random_records())
def test_the_error_codes_of_any_record_are_those_of_the_hard_rules(record):
    figures, context = record
    found = check_tally(figures, context)
    assert {x.code for x in errors(found)} == reference_error_codes(figures, context)
