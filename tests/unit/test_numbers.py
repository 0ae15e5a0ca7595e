"""Vietnamese number formats and exact percentages, half up (domain.md §7)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from election.domain.numbers import (
    fmt_date,
    fmt_int,
    fmt_pct,
    fmt_seconds,
    percent,
    percent_text,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (7, "7"),
        (999, "999"),
        (1000, "1.000"),
        (1234567, "1.234.567"),
        (69000000, "69.000.000"),
        (-5, "-5"),
        (-1234567, "-1.234.567"),
    ],
)
def test_fmt_int_groups_thousands_with_dots(value, text):
    assert fmt_int(value) == text


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (22566, 100000, "22.57"),  # 22.566 % → 22,57 %, the example of §7
        (1, 3, "33.33"),
        (2, 3, "66.67"),
        (1, 8, "12.50"),
        (1, 16, "6.25"),  # exactly 6.25, nothing to round
        (1, 200, "0.50"),  # exactly 0.5
        (0, 5, "0.00"),
        (5, 5, "100.00"),
        (1480, 1498, "98.80"),
        # exactly half a hundredth: rounds up, never to even
        (1, 20000, "0.01"),  # 0.005 %
        (22565, 100000, "22.57"),  # 22.565 %
        (22575, 100000, "22.58"),  # 22.575 %
        (5, 80000, "0.01"),  # 0.00625 %
        # just below half a hundredth: rounds down
        (22564999, 100000000, "22.56"),  # 22.564999 %
        (1, 40000, "0.00"),  # 0.0025 %
    ],
)
def test_percent_has_two_decimals_rounded_half_up(part, whole, expected):
    result = percent(part, whole)
    assert result == Decimal(expected)
    assert result.as_tuple().exponent == -2  # always two decimals, also when they are zeros


@pytest.mark.parametrize("part", [0, 1, 17])
def test_percent_of_nothing_is_none(part):
    assert percent(part, 0) is None
    assert percent_text(part, 0) is None


@pytest.mark.parametrize(
    ("part", "whole", "text"),
    [
        (22566, 100000, "22.57"),
        (1, 20000, "0.01"),
        (5, 5, "100.00"),
        (0, 7, "0.00"),
        (-1, 8, "-12.50"),
    ],
)
def test_percent_text_is_the_two_decimal_text_of_the_percentage(part, whole, text):
    assert percent_text(part, whole) == text


def reference_percent(part: int, whole: int) -> Decimal:
    """Half up, independently: split the exact hundredths into floor and remainder."""
    hundredths = Fraction(part, whole) * 100 * 100
    floor, rest = divmod(hundredths.numerator, hundredths.denominator)
    if 2 * rest >= hundredths.denominator:
        floor += 1
    units, cents = divmod(floor, 100)
    return Decimal(f"{units}.{cents:02d}")


@st.composite
def shares(draw) -> tuple[int, int]:
    whole = draw(st.integers(min_value=1, max_value=10**9))
    part = draw(st.integers(min_value=0, max_value=whole))
    return part, whole


@settings(database=None, max_examples=500)
@given(shares())
def test_percent_matches_an_independent_half_up_reference(share):
    part, whole = share
    result = percent(part, whole)
    assert result == reference_percent(part, whole)
    assert Decimal(0) <= result <= Decimal(100)
    assert abs(Fraction(result) - Fraction(100 * part, whole)) <= Fraction(1, 200)
    assert percent_text(part, whole) == str(reference_percent(part, whole))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("99.85"), "99,85%"),
        (Decimal("12.50"), "12,50%"),
        (Decimal("100.00"), "100,00%"),
        (Decimal("0.00"), "0,00%"),
        (None, "—"),
    ],
)
def test_fmt_pct_writes_a_decimal_comma_and_a_percent_sign(value, text):
    assert fmt_pct(value) == text


def test_fmt_pct_writes_a_percent_straight_from_percent():
    assert fmt_pct(percent(22566, 100000)) == "22,57%"
    assert fmt_pct(percent(1, 8)) == "12,50%"
    assert fmt_pct(percent(0, 9)) == "0,00%"


def test_fmt_pct_rounds_a_third_decimal_half_up():
    assert fmt_pct(Decimal("22.565")) == "22,57%"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (34.0, "34,0 giây"),
        (34.04, "34,0 giây"),
        (34.05, "34,1 giây"),  # half up, not to even
        (0.0, "0,0 giây"),
        (59.96, "60,0 giây"),
        (1234.56, "1.234,6 giây"),
    ],
)
def test_fmt_seconds_writes_one_decimal_after_a_comma(seconds, text):
    assert fmt_seconds(seconds) == text


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (dt.date(2021, 5, 23), "23/05/2021"),
        (dt.date(2026, 3, 15), "15/03/2026"),
        (dt.date(1961, 1, 11), "11/01/1961"),
        (dt.date(2000, 12, 31), "31/12/2000"),
    ],
)
def test_fmt_date_writes_day_month_year(day, text):
    assert fmt_date(day) == text
