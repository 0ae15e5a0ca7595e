"""Who is elected in an electoral unit (domain.md §6), each edge case worked out by hand.

Unless a test says otherwise the unit has 1.500 voters on the roll, 1.010 voted and
returned a ballot, 1.000 ballots are valid and 10 invalid, so a candidate qualifies with
501 votes or more (votes × 2 > 1.000) and turnout is fine (1.010 × 2 > 1.500).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from election.domain.results import Result, empty
from election.domain.winners import (
    CandidateOutcome,
    Earlier,
    UnitCandidate,
    UnitOutcome,
    winners,
)

PEOPLE = (
    ("C1", "Nguyễn Văn An", dt.date(1965, 3, 14)),
    ("C2", "Trần Thị Bình", dt.date(1972, 7, 2)),
    ("C3", "Lê Văn Cường", dt.date(1980, 11, 25)),
    ("C4", "Phạm Thị Dung", dt.date(1975, 5, 1)),
    ("C5", "Hoàng Văn Em", dt.date(1968, 9, 12)),
    ("C6", "Vũ Thị Giang", dt.date(1983, 2, 8)),
    ("C7", "Đặng Văn Hải", dt.date(1979, 6, 30)),
    ("C8", "Bùi Thị Khánh", dt.date(1990, 12, 19)),
)


def ballot(n: int, **born: dt.date) -> list[UnitCandidate]:
    """The first ``n`` people in ballot order; ``C4=date(…)`` changes a date of birth."""
    return [
        UnitCandidate(code, name, born.get(code, dob), order)
        for order, (code, name, dob) in enumerate(PEOPLE[:n], start=1)
    ]


def result(
    votes: Sequence[int],
    valid: int = 1000,
    invalid: int = 10,
    roll: int = 1500,
    voted: int | None = None,
    areas: tuple[int, int] = (3, 3),
) -> Result:
    """A unit result with ``votes`` for C1, C2, … in ballot order."""
    received = valid + invalid
    voted = received if voted is None else voted
    codes = [code for code, _, _ in PEOPLE[: len(votes)]]
    return Result(*areas, roll, voted, voted, received, valid, invalid, tuple(zip(codes, votes)))


def standing(outcome: UnitOutcome) -> list[tuple[str, int, str | None, bool, bool, int]]:
    """(code, votes, % of valid, qualified, elected, rank) per candidate, in ballot order."""
    return [
        (c.code, c.votes, text(c.pct_of_valid), c.qualified, c.elected, c.rank)
        for c in outcome.candidates
    ]


def text(pct: Decimal | None) -> str | None:
    return None if pct is None else str(pct)


# -- a normal unit -------------------------------------------------------------------------------


def test_three_seats_go_to_the_three_qualified_candidates_with_most_votes():
    # Qualified (> 500): C1 780, C3 720, C4 640, C5 530; the three highest are elected.
    outcome = winners(ballot(5), result([780, 300, 720, 640, 530]), seats=3, contest="QH")
    assert outcome.candidates[0] == CandidateOutcome(
        "C1", "Nguyễn Văn An", dt.date(1965, 3, 14), 780, Decimal("78.00"), True, True, 1
    )
    assert standing(outcome) == [
        ("C1", 780, "78.00", True, True, 1),
        ("C2", 300, "30.00", False, False, 5),
        ("C3", 720, "72.00", True, True, 2),
        ("C4", 640, "64.00", True, True, 3),
        ("C5", 530, "53.00", True, False, 4),
    ]
    assert replace(outcome, candidates=()) == UnitOutcome(
        seats=3,
        contest="QH",
        round_kind="first",
        turnout_ok=True,
        void=False,
        candidates=(),
        elected=("C1", "C3", "C4"),
        shortfall=0,
        seats_to_decide=0,
        additional_election=False,
        re_election=False,
        tie_needs_decision=(),
        notes=(),
    )


def test_candidates_are_listed_in_ballot_order_whatever_order_they_are_given_in():
    shuffled = list(reversed(ballot(5)))
    outcome = winners(shuffled, result([780, 300, 720, 640, 530]), seats=3, contest="QH")
    assert [c.code for c in outcome.candidates] == ["C1", "C2", "C3", "C4", "C5"]
    assert outcome.elected == ("C1", "C3", "C4")


def test_an_incomplete_result_says_it_is_provisional():
    outcome = winners(
        ballot(5), result([780, 300, 720, 640, 530], areas=(3, 2)), seats=3, contest="QH"
    )
    assert outcome.notes == (
        "Mới có 2/3 khu vực bỏ phiếu gửi biên bản kiểm phiếu: kết quả này chỉ là tạm tính.",
    )


# -- ties at the last seat -----------------------------------------------------------------------


def test_a_tie_at_the_last_seat_goes_to_the_older_candidate():
    # C4 and C5 both 600: C5 (born 1968) is older than C4 (born 1975).
    outcome = winners(ballot(5), result([780, 300, 720, 600, 600]), seats=3, contest="QH")
    assert outcome.elected == ("C1", "C3", "C5")
    assert [(c.code, c.elected, c.rank) for c in outcome.candidates] == [
        ("C1", True, 1),
        ("C2", False, 5),
        ("C3", True, 2),
        ("C4", False, 4),
        ("C5", True, 3),
    ]
    assert outcome.tie_needs_decision == ()
    assert outcome.shortfall == 0
    assert outcome.notes == (
        "Hai người ứng cử Phạm Thị Dung (sinh ngày 01/05/1975) và Hoàng Văn Em "
        "(sinh ngày 12/09/1968) có số phiếu bằng nhau (600) khi xác định người trúng cử "
        "cuối cùng: Hoàng Văn Em nhiều tuổi hơn nên trúng cử.",
    )


def test_equal_votes_and_equal_birth_dates_at_the_last_seat_go_to_the_committee():
    same_day = dt.date(1970, 1, 1)
    outcome = winners(
        ballot(5, C4=same_day, C5=same_day),
        result([780, 300, 720, 600, 600]),
        seats=3,
        contest="QH",
    )
    assert standing(outcome) == [
        ("C1", 780, "78.00", True, True, 1),
        ("C2", 300, "30.00", False, False, 5),
        ("C3", 720, "72.00", True, True, 2),
        ("C4", 600, "60.00", True, False, 3),  # rank falls back on ballot order
        ("C5", 600, "60.00", True, False, 4),
    ]
    assert outcome.elected == ("C1", "C3")
    assert outcome.tie_needs_decision == ("C4", "C5")
    # The seat is not missing: the committee's decision fills it from two qualified people.
    assert (outcome.seats_to_decide, outcome.shortfall) == (1, 0)
    assert outcome.additional_election is False
    assert outcome.notes == (
        "Hai người ứng cử Phạm Thị Dung và Hoàng Văn Em có số phiếu bằng nhau (600) và cùng "
        "ngày sinh (01/01/1970) khi xác định 1 người trúng cử cuối cùng: "
        "Ủy ban bầu cử quyết định.",
    )


def test_three_equal_votes_elect_the_oldest_and_leave_two_twins_to_the_committee():
    # C3, C4, C5 all 600; C3 (1960) is older and takes the second seat; C4 and C5 were
    # born the same day and compete for the third.
    same_day = dt.date(1970, 1, 1)
    outcome = winners(
        ballot(5, C3=dt.date(1960, 1, 1), C4=same_day, C5=same_day),
        result([780, 300, 600, 600, 600]),
        seats=3,
        contest="QH",
    )
    assert outcome.elected == ("C1", "C3")
    assert outcome.tie_needs_decision == ("C4", "C5")
    assert (outcome.seats_to_decide, outcome.shortfall) == (1, 0)
    assert outcome.notes == (
        "Ba người ứng cử Lê Văn Cường (sinh ngày 01/01/1960), Phạm Thị Dung (sinh ngày "
        "01/01/1970) và Hoàng Văn Em (sinh ngày 01/01/1970) có số phiếu bằng nhau (600) khi "
        "xác định người trúng cử cuối cùng: Lê Văn Cường nhiều tuổi hơn nên trúng cử.",
        "Hai người ứng cử Phạm Thị Dung và Hoàng Văn Em có số phiếu bằng nhau (600) và cùng "
        "ngày sinh (01/01/1970) khi xác định 1 người trúng cử cuối cùng: "
        "Ủy ban bầu cử quyết định.",
    )


def test_three_people_born_the_same_day_with_equal_votes_for_two_seats():
    same_day = dt.date(1970, 1, 1)
    outcome = winners(
        ballot(5, C2=same_day, C3=same_day, C4=same_day),
        result([780, 600, 600, 600, 300]),
        seats=3,
        contest="QH",
    )
    assert outcome.elected == ("C1",)
    assert outcome.tie_needs_decision == ("C2", "C3", "C4")
    assert (outcome.seats_to_decide, outcome.shortfall) == (2, 0)
    assert outcome.notes == (
        "Ba người ứng cử Trần Thị Bình, Lê Văn Cường và Phạm Thị Dung có số phiếu bằng nhau "
        "(600) và cùng ngày sinh (01/01/1970) khi xác định 2 người trúng cử cuối cùng: "
        "Ủy ban bầu cử quyết định.",
    )


def test_equal_birth_dates_below_the_last_seat_need_no_decision():
    # C4 and C5 tie on votes and birth date but neither is qualified (450 × 2 < 1.000).
    same_day = dt.date(1970, 1, 1)
    outcome = winners(
        ballot(5, C4=same_day, C5=same_day),
        result([780, 300, 720, 450, 450]),
        seats=2,
        contest="QH",
    )
    assert outcome.elected == ("C1", "C3")
    assert outcome.tie_needs_decision == ()
    assert outcome.notes == ()


# -- qualifying and turnout: "more than half" ----------------------------------------------------


def test_exactly_half_of_the_valid_ballots_does_not_qualify():
    # C4 has 500 votes: 500 × 2 = 1.000 is not more than 1.000 valid ballots.
    outcome = winners(ballot(5), result([780, 300, 720, 500, 490]), seats=3, contest="QH")
    assert standing(outcome)[3] == ("C4", 500, "50.00", False, False, 3)
    assert outcome.elected == ("C1", "C3")
    assert outcome.shortfall == 1
    one_more = winners(ballot(5), result([780, 300, 720, 501, 490]), seats=3, contest="QH")
    assert one_more.elected == ("C1", "C3", "C4")


def test_turnout_of_exactly_half_voids_the_unit_and_proposes_a_re_election():
    # 1.300 × 2 = 2.600 is not more than 2.600 voters on the roll.
    figures = result([1000, 400, 900, 800, 600], valid=1280, invalid=20, roll=2600)
    outcome = winners(ballot(5), figures, seats=3, contest="QH")
    assert (outcome.turnout_ok, outcome.void, outcome.re_election) == (False, True, True)
    assert outcome.elected == ()
    assert not any(c.qualified or c.elected for c in outcome.candidates)
    assert [c.rank for c in outcome.candidates] == [1, 5, 2, 3, 4]
    assert (outcome.shortfall, outcome.additional_election) == (3, False)
    assert outcome.notes == (
        "Số cử tri đi bầu (1.300) không quá một nửa tổng số cử tri (2.600): cuộc bầu cử ở đơn "
        "vị này không có giá trị; đề nghị bầu cử lại.",
    )


def test_one_voter_more_than_half_makes_the_election_valid():
    figures = result([1000, 400, 900, 800, 600], valid=1281, invalid=20, roll=2600)
    outcome = winners(ballot(5), figures, seats=3, contest="QH")
    assert (outcome.turnout_ok, outcome.void) == (True, False)
    assert outcome.elected == ("C1", "C3", "C4")


def test_a_re_election_stands_with_turnout_of_exactly_half():
    figures = result([1000, 400, 900, 800, 600], valid=1280, invalid=20, roll=2600)
    outcome = winners(ballot(5), figures, seats=3, contest="QH", round_kind="re_election")
    assert (outcome.turnout_ok, outcome.void, outcome.re_election) == (False, False, False)
    # Qualified: more than 640 votes of 1.280 valid ballots.
    assert outcome.elected == ("C1", "C3", "C4")
    assert outcome.notes == (
        "Số cử tri đi bầu (1.300) không quá một nửa tổng số cử tri (2.600), nhưng đây là cuộc "
        "bầu cử lại nên kết quả vẫn được công nhận.",
    )


def test_an_additional_round_with_low_turnout_is_left_to_the_board():
    # 910 of 2.000 voted: not above half. The law does not say what then (domain.md §6.5):
    # no winner, no proposal; the board decides, and C1 (500 of 900 valid) only leads.
    figures = result([500, 450, 300], valid=900, invalid=10, roll=2000)
    outcome = winners(ballot(3), figures, seats=1, contest="QH", round_kind="additional")
    assert (outcome.void, outcome.re_election, outcome.additional_election) == (False, False, False)
    assert (outcome.board_decides, outcome.elected, outcome.leading) == (True, (), ("C1",))
    assert outcome.notes == (
        "Số cử tri đi bầu (910) không quá một nửa tổng số cử tri (2.000) trong cuộc bầu cử thêm: "
        "pháp luật không quy định trường hợp này; Ủy ban bầu cử xem xét, quyết định và ghi rõ lý do.",
    )


def test_an_incomplete_round_concludes_nothing():
    # 1 of 10 voting areas in, at 40 % turnout: no void, no winner, no further round (§6.6).
    figures = result([300, 100, 40], valid=440, invalid=10, roll=1125, areas=(10, 1))
    outcome = winners(ballot(3), figures, seats=2, contest="QH")
    assert (outcome.complete, outcome.void, outcome.re_election) == (False, False, False)
    assert (outcome.additional_election, outcome.elected, outcome.shortfall) == (False, (), 2)
    assert outcome.leading == ("C1", "C2")
    assert [(c.code, c.elected, c.leading) for c in outcome.candidates] == [
        ("C1", False, True),
        ("C2", False, True),
        ("C3", False, False),
    ]
    assert outcome.notes == (
        "Mới có 1/10 khu vực bỏ phiếu gửi biên bản kiểm phiếu: kết quả này chỉ là tạm tính.",
    )


def test_the_two_thirds_rule_counts_the_seats_won_in_earlier_rounds():
    # HĐND unit of 6 seats; a re-election after a void first round elects 2 of its 6:
    # fewer than two thirds, so an additional election. Had 3 been won earlier, 2 + 3 = 5
    # of 6 would reach two thirds (5 × 3 ≥ 6 × 2) and no additional election is held.
    figures = result([600, 550, 400, 300, 200, 100, 50, 20], valid=1000)
    six = ballot(8)
    alone = winners(six, figures, seats=6, contest="HDND_TINH", round_kind="re_election")
    assert (alone.elected, alone.shortfall, alone.additional_election) == (("C1", "C2"), 4, True)
    after = winners(
        six,
        figures,
        seats=3,
        contest="HDND_TINH",
        round_kind="re_election",
        earlier=Earlier(unit_seats=6, filled=3),
    )
    assert (after.elected, after.shortfall, after.additional_election) == (("C1", "C2"), 1, False)


def test_no_second_additional_election():
    figures = result([600, 300, 200], valid=1000)
    outcome = winners(
        ballot(3),
        figures,
        seats=2,
        contest="QH",
        round_kind="re_election",
        earlier=Earlier(unit_seats=3, filled=1, additional_held=True),
    )
    assert (outcome.elected, outcome.shortfall, outcome.additional_election) == (("C1",), 1, False)
    assert outcome.notes[-1] == (
        "Đơn vị bầu cử còn thiếu 1 đại biểu; đơn vị đã bầu cử thêm nên không tổ chức bầu cử thêm "
        "lần thứ hai."
    )


def test_zero_valid_ballots_elect_nobody():
    figures = result([0, 0, 0, 0, 0], valid=0, invalid=600, roll=1000)
    outcome = winners(ballot(5), figures, seats=3, contest="QH")
    # Nobody has a vote, so rank goes by age: C1 1965, C5 1968, C2 1972, C4 1975, C3 1980.
    assert standing(outcome) == [
        ("C1", 0, None, False, False, 1),
        ("C2", 0, None, False, False, 3),
        ("C3", 0, None, False, False, 5),
        ("C4", 0, None, False, False, 4),
        ("C5", 0, None, False, False, 2),
    ]
    assert (outcome.void, outcome.shortfall, outcome.additional_election) == (False, 3, True)
    assert outcome.notes == (
        "Đơn vị bầu cử không có phiếu hợp lệ nào nên không người ứng cử nào trúng cử.",
        "Đơn vị bầu cử còn thiếu 3 đại biểu; đề nghị bầu cử thêm.",
    )


# -- shortfall and additional elections ----------------------------------------------------------

HDND_VOTES_3_ELECTED = [700, 650, 600, 500, 480, 450, 400, 300]
HDND_VOTES_4_ELECTED = [700, 650, 600, 550, 480, 450, 400, 300]


def test_hdnd_with_3_of_5_seats_filled_proposes_an_additional_election():
    # 3 × 3 = 9 < 5 × 2 = 10: fewer than two thirds of the seats are filled.
    outcome = winners(ballot(8), result(HDND_VOTES_3_ELECTED), seats=5, contest="HDND_XA")
    assert outcome.elected == ("C1", "C2", "C3")
    assert (outcome.shortfall, outcome.additional_election) == (2, True)
    assert outcome.notes == ("Đơn vị bầu cử còn thiếu 2 đại biểu; đề nghị bầu cử thêm.",)


def test_hdnd_with_4_of_5_seats_filled_has_no_additional_election():
    # 4 × 3 = 12 ≥ 10: two thirds are filled.
    outcome = winners(ballot(8), result(HDND_VOTES_4_ELECTED), seats=5, contest="HDND_XA")
    assert outcome.elected == ("C1", "C2", "C3", "C4")
    assert (outcome.shortfall, outcome.additional_election) == (1, False)
    assert outcome.notes == (
        "Đơn vị bầu cử còn thiếu 1 đại biểu, nhưng số người trúng cử (4) đã đạt từ hai phần ba "
        "số đại biểu được bầu (5) trở lên nên không bầu cử thêm.",
    )


def test_hdnd_with_exactly_two_thirds_filled_has_no_additional_election():
    # 2 × 3 = 6 = 3 × 2: not fewer than two thirds.
    outcome = winners(ballot(5), result([700, 650, 400, 300, 200]), seats=3, contest="HDND_TINH")
    assert (outcome.shortfall, outcome.additional_election) == (1, False)


def test_dbqh_with_2_of_3_seats_filled_proposes_an_additional_election():
    outcome = winners(ballot(5), result([780, 300, 720, 450, 400]), seats=3, contest="QH")
    assert outcome.elected == ("C1", "C3")
    assert (outcome.shortfall, outcome.additional_election) == (1, True)
    assert outcome.notes == ("Đơn vị bầu cử còn thiếu 1 đại biểu; đề nghị bầu cử thêm.",)


def test_an_additional_round_with_a_shortfall_proposes_no_further_additional_election():
    # One seat at stake; nobody reaches 501 of 1.000 valid ballots.
    outcome = winners(
        ballot(3), result([300, 450, 400]), seats=1, contest="QH", round_kind="additional"
    )
    assert outcome.elected == ()
    assert (outcome.shortfall, outcome.additional_election, outcome.re_election) == (
        1,
        False,
        False,
    )
    assert outcome.notes == (
        "Đơn vị bầu cử còn thiếu 1 đại biểu; đây là cuộc bầu cử thêm nên không tổ chức bầu cử "
        "thêm lần thứ hai.",
    )


def test_a_re_election_with_a_shortfall_may_still_be_followed_by_an_additional_election():
    outcome = winners(
        ballot(5),
        result([780, 300, 720, 450, 400]),
        seats=3,
        contest="QH",
        round_kind="re_election",
    )
    assert (outcome.shortfall, outcome.additional_election) == (1, True)


# -- programming errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"seats": -1}, "seats"),
        ({"contest": "XYZ"}, "contest"),
        ({"round_kind": "second"}, "round"),
        ({"unit_candidates": ballot(4)}, "candidates"),
        ({"unit_candidates": [*ballot(5), ballot(1)[0]]}, "twice"),
    ],
)
def test_arguments_that_do_not_fit_together_are_a_programming_error(changes, message):
    arguments = {
        "unit_candidates": ballot(5),
        "result": result([780, 300, 720, 640, 530]),
        "seats": 3,
        "contest": "QH",
        "round_kind": "first",
        **changes,
    }
    with pytest.raises(ValueError, match=message):
        winners(**arguments)


# -- properties ----------------------------------------------------------------------------------


@st.composite
def units(draw):
    n = draw(st.integers(min_value=1, max_value=8))
    dobs = st.sampled_from([dt.date(1960, 1, 1), dt.date(1970, 1, 1), dt.date(1980, 1, 1)])
    born = {code: draw(dobs) for code, _, _ in PEOPLE[:n]}
    valid = draw(st.integers(min_value=0, max_value=20))
    votes = [draw(st.integers(min_value=0, max_value=valid)) for _ in range(n)]
    roll = draw(st.integers(min_value=valid, max_value=3 * valid + 1))
    voted = draw(st.integers(min_value=valid, max_value=roll))
    seats = draw(st.integers(min_value=1, max_value=5))
    contest = draw(st.sampled_from(["QH", "HDND_XA"]))
    round_kind = draw(st.sampled_from(["first", "additional", "re_election"]))
    figures = result(votes, valid=valid, invalid=0, roll=roll, voted=voted)
    return ballot(n, **born), figures, seats, contest, round_kind


@settings(database=None, max_examples=500)
@given(units())
def test_every_seat_is_elected_left_to_the_committee_or_missing(unit):
    candidates, figures, seats, contest, round_kind = unit
    outcome = winners(candidates, figures, seats, contest, round_kind)
    assert len(outcome.elected) + outcome.seats_to_decide + outcome.shortfall == seats
    assert sorted(c.rank for c in outcome.candidates) == list(range(1, len(candidates) + 1))
    by_code = {c.code: c for c in outcome.candidates}
    assert all(by_code[code].qualified for code in outcome.elected + outcome.tie_needs_decision)
    assert [by_code[code].rank for code in outcome.elected] == sorted(
        by_code[code].rank for code in outcome.elected
    )
    losers = [c for c in outcome.candidates if c.qualified and not c.elected]
    for code in outcome.elected:
        assert all(by_code[code].votes >= c.votes for c in losers)
    assert not (outcome.void and outcome.elected)
    assert not (outcome.additional_election and outcome.re_election)


def test_a_unit_with_no_record_yet_is_pending_not_void():
    candidates = [
        UnitCandidate(f"C{i}", f"Ứng cử viên {i}", dt.date(1970, 1, i), i) for i in range(1, 6)
    ]
    result = empty([c.code for c in candidates], voting_areas_total=4)
    outcome = winners(candidates, result, 3, "QH")
    assert (outcome.void, outcome.re_election, outcome.additional_election) == (False, False, False)
    assert outcome.elected == ()
    assert outcome.notes == ("Chưa có khu vực bỏ phiếu nào gửi biên bản kiểm phiếu.",)
