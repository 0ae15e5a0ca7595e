"""Who counts on which roll (domain.md §4): contests_of_voter and count_roll."""

from __future__ import annotations

import pytest

from election.domain.rolls import NOTES, RESIDENCE_TYPES, contests_of_voter, count_roll

ALL = frozenset({"QH", "HDND_TINH", "HDND_HUYEN", "HDND_XA"})
HELD_2021 = ("QH", "HDND_TINH", "HDND_HUYEN", "HDND_XA")
HELD_2026 = ("QH", "HDND_TINH", "HDND_XA")  # no district councils since 2025
UPPER = frozenset({"QH", "HDND_TINH"})
FULL = ("thuong_tru", "tam_tru_12")
RESTRICTED = ("tam_tru_duoi_12", "tam_giam", "quan_nhan")
# residence type, with no note → every contest they may vote in, where it is held
BY_RESIDENCE = {
    **dict.fromkeys(FULL, ALL),
    **dict.fromkeys(RESTRICTED, UPPER | {"HDND_HUYEN"}),
}


def expected_contests(residence_type: str, note: str | None) -> frozenset[str]:
    if note == "bo_phieu_noi_khac":
        return frozenset()
    if note == "den_bo_phieu":
        return UPPER
    return BY_RESIDENCE[residence_type]


def test_the_tables_below_cover_every_residence_type_and_note():
    assert set(BY_RESIDENCE) == set(RESIDENCE_TYPES)
    assert set(NOTES) == {"bo_phieu_noi_khac", "den_bo_phieu"}


def matrix() -> list:
    """Every residence type × note."""
    return [
        pytest.param(residence_type, note, id=f"{residence_type}-{note or 'no_note'}")
        for residence_type in RESIDENCE_TYPES
        for note in (None, *NOTES)
    ]


@pytest.mark.parametrize(("residence_type", "note"), matrix())
def test_a_voter_votes_in_the_contests_their_residence_and_note_allow(residence_type, note):
    assert contests_of_voter(residence_type, note) == expected_contests(residence_type, note)


@pytest.mark.parametrize("residence_type", FULL)
def test_a_full_voter_counts_in_every_contest_a_2026_voting_area_holds(residence_type):
    assert count_roll([(residence_type, None)], HELD_2026) == {
        "QH": 1,
        "HDND_TINH": 1,
        "HDND_XA": 1,
    }


@pytest.mark.parametrize("residence_type", RESTRICTED)
def test_a_restricted_voter_counts_for_a_district_council_only_where_one_is_held(
    residence_type,
):
    # Entitlement follows the contests the setup holds, not the year or the form set.
    assert count_roll([(residence_type, None)], HELD_2021) == {
        "QH": 1,
        "HDND_TINH": 1,
        "HDND_HUYEN": 1,
        "HDND_XA": 0,
    }
    assert count_roll([(residence_type, None)], HELD_2026) == {
        "QH": 1,
        "HDND_TINH": 1,
        "HDND_XA": 0,
    }


@pytest.mark.parametrize("residence_type", FULL)
def test_a_voter_who_votes_elsewhere_counts_nowhere_on_the_home_roll(residence_type):
    assert contests_of_voter(residence_type, "bo_phieu_noi_khac") == frozenset()


@pytest.mark.parametrize("residence_type", FULL)
def test_a_voter_come_with_a_certificate_votes_qh_and_city_council_only(residence_type):
    assert contests_of_voter(residence_type, "den_bo_phieu") == UPPER


# -- count_roll ------------------------------------------------------------------------------

# (residence type, note, how many on the roll)
MIXED_ROLL = [
    ("thuong_tru", None, 4),
    ("tam_tru_12", None, 2),
    ("tam_tru_duoi_12", None, 3),
    ("tam_giam", None, 1),
    ("quan_nhan", None, 2),
    ("thuong_tru", "bo_phieu_noi_khac", 1),
    ("tam_tru_duoi_12", "den_bo_phieu", 2),
]
# Counted by hand from MIXED_ROLL (15 rows, 1 of them voting elsewhere):
#   QH, HDND_TINH: everyone but the one voting elsewhere      4+2+3+1+2+2 = 14
#   HDND_HUYEN (2021): full and restricted voters, no guests  4+2+3+1+2   = 12
#   HDND_XA: full voters only                                 4+2         =  6


def roll(spec: list[tuple[str, str | None, int]]) -> list[tuple[str, str | None]]:
    return [(residence_type, note) for residence_type, note, n in spec for _ in range(n)]


@pytest.mark.parametrize(
    ("held", "expected"),
    [
        (HELD_2021, {"QH": 14, "HDND_TINH": 14, "HDND_HUYEN": 12, "HDND_XA": 6}),
        (HELD_2026, {"QH": 14, "HDND_TINH": 14, "HDND_XA": 6}),
        (("QH", "HDND_TINH"), {"QH": 14, "HDND_TINH": 14}),
        (("HDND_XA",), {"HDND_XA": 6}),
    ],
)
def test_counts_a_mixed_roll_for_the_contests_the_voting_area_holds_only(held, expected):
    counts = count_roll(roll(MIXED_ROLL), held)
    assert counts == expected
    assert list(counts) == list(held)


def test_gives_zero_for_a_held_contest_nobody_on_the_roll_votes_in():
    only_restricted = roll(
        [("tam_giam", None, 3), ("quan_nhan", None, 5), ("thuong_tru", "bo_phieu_noi_khac", 2)]
    )
    counts = count_roll(only_restricted, HELD_2026)
    assert counts == {"QH": 8, "HDND_TINH": 8, "HDND_XA": 0}


def test_gives_zero_for_every_held_contest_of_an_empty_roll():
    assert count_roll([], HELD_2026) == {
        "QH": 0,
        "HDND_TINH": 0,
        "HDND_XA": 0,
    }


def test_counts_from_one_pass_iterables():
    voters = iter(roll(MIXED_ROLL))
    held = iter(("QH", "HDND_XA"))
    assert count_roll(voters, held) == {"QH": 14, "HDND_XA": 6}
