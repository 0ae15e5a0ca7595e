"""The 2026 demo city (issue #14, item 7): Hải Phòng after the 2025 merger, no districts.

The expected counts are the published ones (domain.md §1, "In 2026"): 114 commune-level units
(45 wards, 67 communes, 2 special zones), 2.577 voting areas, about 3,18 million voters;
ĐBQH 7 units / 19 seats / 33 candidates; city HĐND 18 units / 85 seats / 139 candidates;
commune HĐND about 718 units / 2.375 seats.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest

from election.demo import generate
from election.domain.rolls import count_roll
from election.domain.setup import check_setup, level_name, minimum_candidates


@pytest.fixture(scope="module")
def city():
    return generate("city", 2021, 2026)


def _units(setup, contest: str) -> list:
    return [u for u in setup.units if u.contest == contest]


def test_the_2026_city_is_a_valid_setup_with_the_2026_form_set(city):
    assert check_setup(city.setup) == []
    election = city.setup.election
    assert (election.date, election.form_set) == (dt.date(2026, 3, 15), "2026")
    assert "khóa XVI" in election.name and "2026 - 2031" in election.name
    assert [c.code for c in city.setup.contests] == ["QH", "HDND_TINH", "HDND_XA"]
    assert city.setup.contests[1].name == (
        "Đại biểu Hội đồng nhân dân thành phố Hải Phòng nhiệm kỳ 2026 - 2031"
    )


def test_no_district_level_and_the_114_commune_level_units_under_the_city(city):
    areas = city.setup.areas
    assert (areas[0].code, areas[0].name, areas[0].level) == ("HP", "Thành phố Hải Phòng", "city")
    communes = areas[1:]
    assert {a.level for a in communes} == {"ward"}
    assert {a.parent for a in communes} == {"HP"}
    assert len(communes) == 114
    assert sum(a.name.startswith("Phường ") for a in communes) == 45
    assert sum(a.name.startswith("Xã ") for a in communes) == 67
    assert [a.name for a in communes if a.name.startswith("Đặc khu ")] == [
        "Đặc khu Cát Hải",
        "Đặc khu Bạch Long Vĩ",
    ]
    assert len({a.name for a in communes}) == 114
    assert level_name("ward", [a.name for a in communes]) == "Xã, phường, đặc khu"


def test_the_published_counts_of_voting_areas_units_seats_and_candidates(city):
    setup = city.setup
    assert len(setup.voting_areas) == 2577
    candidates = Counter(c.unit for c in setup.candidates)
    qh = _units(setup, "QH")
    assert (len(qh), sum(u.seats for u in qh), sum(candidates[u.code] for u in qh)) == (7, 19, 33)
    tinh = _units(setup, "HDND_TINH")
    assert (len(tinh), sum(u.seats for u in tinh), sum(candidates[u.code] for u in tinh)) == (
        18,
        85,
        139,
    )
    xa = _units(setup, "HDND_XA")
    assert (len(xa), sum(u.seats for u in xa)) == (718, 2375)
    for unit in setup.units:
        assert 1 <= unit.seats <= (3 if unit.contest == "QH" else 5)
        assert candidates[unit.code] >= minimum_candidates(unit.contest, unit.seats)


def test_about_3_18_million_voters(city):
    voters = defaultdict(int)
    for row in city.setup.voters:
        voters[row.contest] += row.voters
    assert 3_150_000 <= voters["QH"] <= 3_210_000
    assert voters["HDND_TINH"] == voters["QH"]
    # Commune councils: only full voters (no soldiers at their unit, no short-term residents).
    assert 0.9 * voters["QH"] < voters["HDND_XA"] < voters["QH"]


def test_every_voting_area_holds_the_three_contests_once(city):
    setup = city.setup
    unit_contest = {u.code: u.contest for u in setup.units}
    commune_units = defaultdict(set)
    for va in setup.voting_areas:
        assert sorted(va.units) == ["HDND_TINH", "HDND_XA", "QH"]
        assert all(unit_contest[code] == contest for contest, code in va.units.items())
        commune_units[va.units["HDND_XA"]].add(va.area)
    # A commune council unit lies within one commune.
    assert all(len(areas) == 1 for areas in commune_units.values())


def test_the_roll_counts_follow_the_contests_held_not_the_year(city):
    sample = city.roll_voting_areas[::211]
    held = {va.code: list(va.units) for va in city.setup.voting_areas}
    counts = defaultdict(dict)
    for row in city.setup.voters:
        counts[row.voting_area][row.contest] = row.voters
    pairs = defaultdict(list)
    for row in city.roll_rows(sample):
        pairs[row["voting_area"]].append((row["residence_type"], row["note"]))
    for code in sample:
        assert count_roll(pairs[code], held[code]) == counts[code]
        assert "HDND_HUYEN" not in counts[code]


def test_level_names_come_from_the_areas_names():
    assert level_name("ward", ["Phường Hạ Lý", "Thị trấn Núi Đèo", "Xã An Lư"]) == (
        "Xã, phường, thị trấn"
    )
    assert level_name("district", ["Quận Hồng Bàng", "Huyện Cát Hải"]) == "Quận, huyện"
    assert level_name("city", ["Thành phố Hải Phòng"]) == "Thành phố"
    # Names without a known kind keep the generic name.
    assert level_name("ward", ["Khu A", "Khu B"]) == "Xã, phường, thị trấn"
