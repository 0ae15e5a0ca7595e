"""Results as a small algebra: empty, add, combine, subtract, difference, shares (domain.md §7).

The small election below is worked out by hand. One contest, two electoral units, three
voting areas: KV1 and KV2 in unit U1 (candidates A, B, C on the ballot in that order), KV3
in unit U2 (candidates D, E, F).

    area  roll  voted issued received valid invalid   votes
    KV1   1000   900    900      898    880     18   A 600  B 500  C 300
    KV2    800   700    700      700    690     10   A 400  B 450  C 200
    KV3   1200  1000   1000      999    975     24   D 700  E 650  F 400

    U1    1800  1600   1600     1598   1570     28   A 1000 B 950  C 500
    U2    1200  1000   1000      999    975     24   D 700  E 650  F 400
    city  3000  2600   2600     2597   2545     52   A 1000 B 950  C 500  D 700  E 650  F 400
"""

from __future__ import annotations

import random
from decimal import Decimal
from functools import reduce

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from election.domain.numbers import fmt_pct, percent
from election.domain.results import (
    Result,
    Shares,
    add,
    combine,
    difference,
    empty,
    shares,
    subtract,
)
from election.domain.tally import TallyFigures

U1_BALLOT = ("A", "B", "C")
U2_BALLOT = ("D", "E", "F")

KV1 = TallyFigures(1000, 900, 900, 898, 880, 18, {"A": 600, "B": 500, "C": 300})
# Votes deliberately listed out of ballot order: the result must not follow them.
KV2 = TallyFigures(800, 700, 700, 700, 690, 10, {"C": 200, "A": 400, "B": 450})
KV3 = TallyFigures(1200, 1000, 1000, 999, 975, 24, {"F": 400, "E": 650, "D": 700})

U1 = Result(2, 2, 1800, 1600, 1600, 1598, 1570, 28, (("A", 1000), ("B", 950), ("C", 500)))
U2 = Result(1, 1, 1200, 1000, 1000, 999, 975, 24, (("D", 700), ("E", 650), ("F", 400)))
CITY = Result(
    3,
    3,
    3000,
    2600,
    2600,
    2597,
    2545,
    52,
    (("A", 1000), ("B", 950), ("C", 500), ("D", 700), ("E", 650), ("F", 400)),
)


def unit_1() -> Result:
    return add(add(empty(U1_BALLOT, voting_areas_total=2), KV1), KV2)


def unit_2() -> Result:
    return add(empty(U2_BALLOT, voting_areas_total=1), KV3)


# -- the hand-computed election ------------------------------------------------------------------


def test_an_empty_result_lists_its_candidates_in_ballot_order_with_zero_everywhere():
    assert empty(U1_BALLOT, voting_areas_total=2) == Result(
        2, 0, 0, 0, 0, 0, 0, 0, (("A", 0), ("B", 0), ("C", 0))
    )


def test_adding_one_record_counts_its_area_as_reported_and_adds_its_figures():
    assert add(empty(U1_BALLOT, voting_areas_total=2), KV1) == Result(
        2, 1, 1000, 900, 900, 898, 880, 18, (("A", 600), ("B", 500), ("C", 300))
    )


def test_adding_the_records_of_a_unit_gives_the_hand_computed_unit_totals():
    assert unit_1() == U1
    assert unit_2() == U2


def test_votes_follow_the_ballot_order_even_when_a_record_lists_them_otherwise():
    assert add(empty(U1_BALLOT), KV2).votes == (("A", 400), ("B", 450), ("C", 200))
    assert unit_2().candidates == ("D", "E", "F")


def test_combining_the_units_gives_the_hand_computed_city_total():
    assert combine([unit_1(), unit_2()]) == CITY


def test_combining_in_another_order_lists_candidates_in_first_seen_order():
    assert combine([U2, U1]).candidates == ("D", "E", "F", "A", "B", "C")


def test_combining_with_an_explicit_ballot_order_uses_that_order_and_lists_absent_candidates():
    whole = combine([U2, U1], candidates=("A", "B", "C", "D", "E", "F", "G"))
    assert whole.votes == (*CITY.votes, ("G", 0))
    assert whole.ballots_valid == 2545


def test_combining_nothing_gives_the_empty_result():
    assert combine([]) == Result(0, 0, 0, 0, 0, 0, 0, 0, ())
    assert combine([], candidates=U1_BALLOT) == empty(U1_BALLOT)


def test_combining_one_result_gives_it_back():
    assert combine([U1]) == U1


def test_adding_every_record_to_the_city_list_equals_combining_the_units():
    city = empty(U1_BALLOT + U2_BALLOT, voting_areas_total=3)
    assert reduce(add, [KV3, KV1, KV2], city) == CITY


def test_a_candidates_votes_can_be_read_by_code():
    assert CITY.votes_for("E") == 650
    with pytest.raises(KeyError):
        CITY.votes_for("Z")


def test_votes_for_a_candidate_outside_the_result_are_a_programming_error():
    with pytest.raises(ValueError, match="D"):
        add(empty(U1_BALLOT), KV3)
    with pytest.raises(ValueError, match="A"):
        combine([U1, U2], candidates=U2_BALLOT)
    with pytest.raises(ValueError, match="D"):
        subtract(U1, U2)


def test_a_candidate_listed_twice_is_a_programming_error():
    with pytest.raises(ValueError, match="A"):
        empty(("A", "B", "A"))


# -- corrections: subtract and difference --------------------------------------------------------

# KV2 corrected: 5 ballots moved from valid to invalid, and B's 450 votes were really 445.
KV2_CORRECTED = TallyFigures(800, 700, 700, 700, 685, 15, {"A": 400, "B": 445, "C": 200})


def test_the_difference_of_a_correction_is_the_change_of_each_figure_reporting_no_area():
    assert difference(KV2_CORRECTED, KV2, candidates=U1_BALLOT) == Result(
        0, 0, 0, 0, 0, 0, -5, 5, (("A", 0), ("B", -5), ("C", 0))
    )


def test_a_total_plus_the_difference_equals_the_total_recomputed_from_the_corrected_record():
    recomputed = add(add(empty(U1_BALLOT, voting_areas_total=2), KV1), KV2_CORRECTED)
    assert combine([U1, difference(KV2_CORRECTED, KV2)]) == recomputed
    assert recomputed == Result(
        2, 2, 1800, 1600, 1600, 1598, 1565, 33, (("A", 1000), ("B", 945), ("C", 500))
    )


def test_subtracting_a_record_takes_its_area_and_figures_back_out():
    kv2_alone = add(empty(U1_BALLOT), KV2)
    assert subtract(U1, kv2_alone) == add(empty(U1_BALLOT, voting_areas_total=2), KV1)


def test_subtracting_the_old_record_and_adding_the_new_one_equals_the_difference():
    replaced = add(subtract(U1, add(empty(U1_BALLOT), KV2)), KV2_CORRECTED)
    assert replaced == combine([U1, difference(KV2_CORRECTED, KV2)])


def test_the_difference_follows_the_given_ballot_order_not_the_records_order():
    assert difference(KV3, KV3, candidates=U2_BALLOT).candidates == U2_BALLOT
    assert difference(KV3, KV3).candidates == ("F", "E", "D")


# -- shares --------------------------------------------------------------------------------------


def test_shares_of_the_hand_computed_unit():
    # turnout 1600/1800 = 88,888…%; valid 1570/1598 = 98,247…% and invalid 28/1598 = 1,752…%
    # (remainders ,78 and ,22 of a hundredth: the hundredth goes to valid, 98,25 + 1,75);
    # A 1000/1570 = 63,694…%, B 950/1570 = 60,509…%, C 500/1570 = 31,847…%.
    assert shares(U1) == Shares(
        turnout_pct=Decimal("88.89"),
        valid_pct=Decimal("98.25"),
        invalid_pct=Decimal("1.75"),
        pct_of_valid=(("A", Decimal("63.69")), ("B", Decimal("60.51")), ("C", Decimal("31.85"))),
    )


def test_shares_of_the_hand_computed_city():
    # turnout 2600/3000 = 86,666…%; valid 2545/2597 = 97,997…% (remainder ,77) and
    # invalid 52/2597 = 2,002…% (remainder ,23): 98,00 + 2,00.
    s = shares(CITY)
    assert (s.turnout_pct, s.valid_pct, s.invalid_pct) == (
        Decimal("86.67"),
        Decimal("98.00"),
        Decimal("2.00"),
    )
    # D 700/2545 = 27,504…%: the third decimal is 4, so it rounds down.
    assert dict(s.pct_of_valid)["D"] == Decimal("27.50")


def test_percentages_are_none_where_the_whole_is_zero():
    assert shares(empty(U1_BALLOT)) == Shares(
        None, None, None, (("A", None), ("B", None), ("C", None))
    )


def figures(valid: int, invalid: int) -> Result:
    """A one-area result with only the ballot split set."""
    received = valid + invalid
    return Result(1, 1, received, received, received, received, valid, invalid, ())


def test_a_share_of_22_566_percent_shows_as_22_57():
    s = shares(figures(22566, 77434))
    assert (s.valid_pct, s.invalid_pct) == (Decimal("22.57"), Decimal("77.43"))
    assert fmt_pct(s.valid_pct) == "22,57%"


def test_one_third_and_two_thirds_add_up_to_100():
    one_third = shares(figures(1, 2))
    assert (one_third.valid_pct, one_third.invalid_pct) == (Decimal("33.33"), Decimal("66.67"))
    two_thirds = shares(figures(2, 1))
    assert (two_thirds.valid_pct, two_thirds.invalid_pct) == (Decimal("66.67"), Decimal("33.33"))


def test_when_both_shares_end_in_an_exact_half_hundredth_valid_gets_the_hundredth():
    # 24.690 / 200.000 = 12,345 % and 175.310 / 200.000 = 87,655 % exactly: rounding each
    # half up gives 12,35 + 87,66 = 100,01; the largest remainder gives 12,35 + 87,65.
    assert percent(24690, 200000) + percent(175310, 200000) == Decimal("100.01")
    s = shares(figures(24690, 175310))
    assert (s.valid_pct, s.invalid_pct) == (Decimal("12.35"), Decimal("87.65"))
    assert s.valid_pct + s.invalid_pct == Decimal("100.00")


def test_all_valid_or_all_invalid_gives_100_and_0():
    assert shares(figures(5, 0)).valid_pct == Decimal("100.00")
    assert shares(figures(5, 0)).invalid_pct == Decimal("0.00")
    assert shares(figures(0, 5)).invalid_pct == Decimal("100.00")


def test_a_split_that_does_not_add_up_to_received_is_rounded_share_by_share():
    # valid 1 + invalid 1 ≠ received 3: no 100 % to keep, both are 33,33 %.
    s = shares(Result(1, 1, 3, 3, 3, 3, 1, 1, ()))
    assert (s.valid_pct, s.invalid_pct) == (Decimal("33.33"), Decimal("33.33"))


# -- properties ----------------------------------------------------------------------------------

CODES = ("A", "B", "C", "D")
counts = st.integers(min_value=0, max_value=10**6)


@st.composite
def records(draw) -> TallyFigures:
    """Any figures (the algebra does not check them), votes for some candidates in any order."""
    order = draw(st.permutations(CODES))[: draw(st.integers(min_value=0, max_value=len(CODES)))]
    votes = {code: draw(counts) for code in order}
    return TallyFigures(*(draw(counts) for _ in range(6)), votes=votes)


@st.composite
def results(draw) -> Result:
    total = draw(st.integers(min_value=0, max_value=50))
    return reduce(add, draw(st.lists(records(), max_size=5)), empty(CODES, total))


@settings(database=None, max_examples=200)
@given(results(), results(), results())
def test_combine_is_associative(a, b, c):
    assert combine([combine([a, b]), c]) == combine([a, combine([b, c])]) == combine([a, b, c])


@settings(database=None, max_examples=200)
@given(st.lists(results(), max_size=6), st.randoms(use_true_random=False))
def test_combine_is_commutative(parts, rnd: random.Random):
    shuffled = list(parts)
    rnd.shuffle(shuffled)
    assert combine(shuffled, candidates=CODES) == combine(parts, candidates=CODES)


@settings(database=None, max_examples=200)
@given(st.lists(records(), max_size=10), st.randoms(use_true_random=False))
def test_totals_do_not_depend_on_the_order_records_are_submitted_in(recs, rnd: random.Random):
    shuffled = list(recs)
    rnd.shuffle(shuffled)
    assert reduce(add, shuffled, empty(CODES)) == reduce(add, recs, empty(CODES))


trees = st.recursive(records(), lambda children: st.lists(children, max_size=4), max_leaves=25)


def total_of(tree) -> Result:
    """A voting area's record, or an area whose total is the combination of its children."""
    if isinstance(tree, TallyFigures):
        return add(empty(CODES), tree)
    return combine([total_of(child) for child in tree], candidates=CODES)


def leaves(tree) -> list[TallyFigures]:
    return [tree] if isinstance(tree, TallyFigures) else [x for c in tree for x in leaves(c)]


@settings(database=None, max_examples=200)
@given(trees)
def test_a_parents_total_is_the_sum_of_its_childrens_for_any_tree_of_areas(tree):
    assert total_of(tree) == reduce(add, leaves(tree), empty(CODES))


@settings(database=None, max_examples=200)
@given(results(), records())
def test_adding_then_subtracting_a_record_gives_the_result_back(result, record):
    assert subtract(add(result, record), add(empty(CODES), record)) == result


@settings(database=None, max_examples=200)
@given(results(), records(), records())
def test_a_total_plus_a_corrections_difference_equals_the_total_with_the_new_record(
    result, old, new
):
    assert combine([add(result, old), difference(new, old)]) == add(result, new)


@st.composite
def consistent_results(draw) -> Result:
    """Figures that pass the tally checks' arithmetic: parts never above their whole."""
    small = st.integers(min_value=1, max_value=400)
    received = draw(st.one_of(small, st.integers(min_value=1, max_value=10**8)))
    valid = draw(st.integers(min_value=0, max_value=received))
    roll = draw(st.integers(min_value=received, max_value=received * 3))
    voted = draw(st.integers(min_value=0, max_value=roll))
    votes = tuple((code, draw(st.integers(min_value=0, max_value=valid))) for code in CODES)
    return Result(1, 1, roll, voted, received, received, valid, received - valid, votes)


@settings(database=None, max_examples=500)
@given(consistent_results())
def test_valid_and_invalid_shares_add_up_to_exactly_100(result):
    s = shares(result)
    assert s.valid_pct + s.invalid_pct == Decimal("100.00")


@settings(database=None, max_examples=500)
@given(consistent_results())
def test_the_split_is_half_up_rounding_except_invalid_at_an_exact_tie(result):
    s = shares(result)
    valid, invalid, received = result.ballots_valid, result.ballots_invalid, result.ballots_received
    assert s.valid_pct == percent(valid, received)
    exact_tie = (valid * 20000) % (2 * received) == received
    correction = Decimal("0.01") if exact_tie else Decimal(0)
    assert s.invalid_pct == percent(invalid, received) - correction


@settings(database=None, max_examples=500)
@given(consistent_results())
def test_every_percentage_is_between_0_and_100_with_two_decimals(result):
    s = shares(result)
    assert [pct is None for _, pct in s.pct_of_valid] == [result.ballots_valid == 0] * len(CODES)
    for pct in (s.turnout_pct, s.valid_pct, s.invalid_pct, *(p for _, p in s.pct_of_valid)):
        if pct is None:
            continue
        assert Decimal(0) <= pct <= Decimal(100)
        assert pct.as_tuple().exponent == -2
