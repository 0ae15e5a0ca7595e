"""The demo election generator: shape of Hải Phòng 2021, rolls, nationwide scale, determinism."""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

import election.demo
from election.demo import generate
from election.demo.names import ballot_key
from election.domain.rolls import NOTES, RESIDENCE_TYPES, contests_of_voter, count_roll
from election.domain.setup import age_on, check_setup, minimum_candidates

HP_DISTRICTS = [
    "Quận Hồng Bàng",
    "Quận Ngô Quyền",
    "Quận Lê Chân",
    "Quận Hải An",
    "Quận Kiến An",
    "Quận Đồ Sơn",
    "Quận Dương Kinh",
    "Huyện Thủy Nguyên",
    "Huyện An Dương",
    "Huyện An Lão",
    "Huyện Kiến Thụy",
    "Huyện Tiên Lãng",
    "Huyện Vĩnh Bảo",
    "Huyện Cát Hải",
    "Huyện Bạch Long Vĩ",
]
QH_COMPOSITION = {
    1: {
        "Quận Hồng Bàng",
        "Quận Lê Chân",
        "Huyện Thủy Nguyên",
        "Huyện Cát Hải",
        "Huyện Bạch Long Vĩ",
    },
    2: {"Quận Ngô Quyền", "Quận Hải An", "Quận Đồ Sơn", "Huyện An Dương", "Huyện Kiến Thụy"},
    3: {"Quận Kiến An", "Quận Dương Kinh", "Huyện An Lão", "Huyện Tiên Lãng", "Huyện Vĩnh Bảo"},
}
ROLL_KEYS = {
    "voting_area",
    "seq",
    "full_name",
    "date_of_birth",
    "gender",
    "residence",
    "residence_type",
    "note",
}
DAY = dt.date(2021, 5, 23)


@pytest.fixture(scope="module")
def city():
    return generate("city")


@pytest.fixture(scope="module")
def city_roll(city):
    """One pass over the whole city roll: per voting area, its rows' kinds and seqs."""
    kinds: dict[str, Counter] = defaultdict(Counter)
    seqs: dict[str, list[int]] = defaultdict(list)
    too_young = 0
    for row in city.roll_rows():
        kinds[row["voting_area"]][(row["residence_type"], row["note"])] += 1
        seqs[row["voting_area"]].append(row["seq"])
        too_young += row["date_of_birth"] > dt.date(2003, 5, 23)
    return kinds, seqs, too_young


def _ancestors(setup) -> dict[str, list[str]]:
    """Area code → its chain of names from itself up to the root."""
    areas = {a.code: a for a in setup.areas}
    chains = {}
    for code in areas:
        chain, node = [], code
        while node:
            chain.append(areas[node].name)
            node = areas[node].parent
        chains[code] = chain
    return chains


def _voters(setup) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for row in setup.voters:
        counts[row.voting_area][row.contest] = row.voters
    return counts


def test_package_uses_only_stdlib_and_domain():
    for path in Path(election.demo.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                assert top in sys.stdlib_module_names or module.startswith("election.domain"), (
                    f"{path.name} imports {module}"
                )


def test_city_setup_has_no_problems(city):
    assert check_setup(city.setup) == []
    election = city.setup.election
    assert (election.date, election.form_set) == (DAY, "2021")
    assert [c.code for c in city.setup.contests] == ["QH", "HDND_TINH", "HDND_HUYEN", "HDND_XA"]
    assert "thành phố Hải Phòng" in city.setup.contests[1].name


def test_city_districts_and_wards(city):
    areas = city.setup.areas
    assert [(a.code, a.name, a.level, a.parent) for a in areas[:1]] == [
        ("HP", "Thành phố Hải Phòng", "city", None)
    ]
    districts = [a for a in areas if a.level == "district"]
    assert [d.name for d in districts] == HP_DISTRICTS
    assert all(d.parent == "HP" for d in districts)
    wards = [a for a in areas if a.level == "ward"]
    assert len(wards) == 217
    by_district = defaultdict(list)
    for w in wards:
        by_district[w.parent].append(w.name)
        assert w.name.split(" ")[0] in ("Phường", "Xã", "Thị"), w.name
    assert set(by_district) == {d.code for d in districts[:14]}
    for names in by_district.values():
        assert len(names) == len(set(names))
    assert by_district["HP01"][:2] == ["Phường Hạ Lý", "Phường Hoàng Văn Thụ"]


def test_city_voting_areas(city):
    vas = city.setup.voting_areas
    assert 1950 <= len(vas) <= 2100
    assert city.roll_voting_areas == [v.code for v in vas]
    island = [v for v in vas if v.area == "HP15"]
    assert len(island) == 2
    assert all(set(v.units) == {"QH", "HDND_TINH", "HDND_HUYEN"} for v in island)
    numbers = defaultdict(list)
    for v in vas:
        numbers[v.area].append(v.name)
    for names in numbers.values():
        assert names == [f"Khu vực bỏ phiếu số {n}" for n in range(1, len(names) + 1)]


def test_city_qh_units_follow_the_real_composition(city):
    setup = city.setup
    qh = [u for u in setup.units if u.contest == "QH"]
    assert [(u.name, u.seats) for u in qh] == [(f"Đơn vị bầu cử số {n}", 3) for n in (1, 2, 3)]
    per_unit = Counter(c.unit for c in setup.candidates)
    assert all(per_unit[u.code] == 5 for u in qh)
    chains = _ancestors(setup)
    for number, unit in enumerate(qh, 1):
        expected = {
            v.code for v in setup.voting_areas if set(chains[v.area]) & QH_COMPOSITION[number]
        }
        assert {v.code for v in setup.voting_areas if v.units["QH"] == unit.code} == expected


def test_city_council_units(city):
    setup = city.setup
    tinh = [u for u in setup.units if u.contest == "HDND_TINH"]
    assert len(tinh) == 14
    assert sum(u.seats for u in tinh) == 67
    assert all(3 <= u.seats <= 5 for u in setup.units if u.contest != "QH")
    per_unit = Counter(c.unit for c in setup.candidates)
    for u in setup.units:
        need = minimum_candidates(u.contest, u.seats)
        assert need <= per_unit[u.code] <= need + 2
    xa_per_ward = Counter(u.code.rsplit("-", 1)[0] for u in setup.units if u.contest == "HDND_XA")
    assert len(xa_per_ward) == 217 and set(xa_per_ward.values()) <= {3, 4, 5, 6}


def test_every_voting_area_in_exactly_one_unit_per_contest(city):
    setup = city.setup
    units = {u.code: u for u in setup.units}
    members = defaultdict(set)
    for v in setup.voting_areas:
        held = set(v.units)
        assert held == (
            {"QH", "HDND_TINH", "HDND_HUYEN"} | ({"HDND_XA"} if v.area != "HP15" else set())
        )
        for contest, code in v.units.items():
            assert units[code].contest == contest
            members[code].add(v.code)
    assert set(members) == set(units)
    tinh = [members[u.code] for u in setup.units if u.contest == "HDND_TINH"]
    assert sum(len(m) for m in tinh) == len(setup.voting_areas)
    assert set().union(*tinh) == {v.code for v in setup.voting_areas}


def test_city_candidates(city):
    by_unit = defaultdict(list)
    for c in city.setup.candidates:
        by_unit[c.unit].append(c)
        assert 25 <= age_on(c.date_of_birth, DAY) <= 65
        words = c.full_name.split(" ")
        assert len(words) >= 3
        if words[1] == "Thị":
            assert c.gender == "Nữ"
        if words[1] == "Văn":
            assert c.gender == "Nam"
    for unit, people in by_unit.items():
        assert [c.order for c in people] == list(range(1, len(people) + 1))
        assert people == sorted(people, key=lambda c: ballot_key(c.full_name))
        assert len({c.full_name for c in people}) == len(people)
        assert all(c.code == f"{unit}-{c.order}" for c in people)


def test_roll_rows_match_the_setup_counts_for_a_sample(city):
    setup = city.setup
    contests = {v.code: list(v.units) for v in setup.voting_areas}
    counts = _voters(setup)
    sample = city.roll_voting_areas[::97] + city.roll_voting_areas[-2:]
    rows = list(city.roll_rows(sample))
    assert [r["voting_area"] for r in rows] == sorted(
        (r["voting_area"] for r in rows), key=sample.index
    )
    for code, group in itertools.groupby(rows, key=lambda r: r["voting_area"]):
        group = list(group)
        assert [r["seq"] for r in group] == list(range(1, len(group) + 1))
        pairs = [(r["residence_type"], r["note"]) for r in group]
        assert count_roll(pairs, contests[code]) == counts[code]
        for r in group:
            assert set(r) == ROLL_KEYS
            assert r["gender"] in ("Nam", "Nữ")
            assert r["residence_type"] in RESIDENCE_TYPES
            assert r["note"] is None or r["note"] in NOTES
            assert isinstance(r["date_of_birth"], dt.date) and age_on(r["date_of_birth"], DAY) >= 18
            assert r["residence"].count(", ") >= 1 and r["full_name"].count(" ") >= 2


def test_whole_city_roll(city, city_roll):
    kinds, seqs, too_young = city_roll
    counts = _voters(city.setup)
    assert list(kinds) == city.roll_voting_areas
    assert too_young == 0
    total = Counter()
    for code, kind in kinds.items():
        assert seqs[code] == list(range(1, len(seqs[code]) + 1))
        assert 300 <= len(seqs[code]) <= 4000
        derived = Counter()
        for (residence_type, note), n in kind.items():
            for contest in contests_of_voter(residence_type, note):
                derived[contest] += n
        assert {c: derived[c] for c in counts[code]} == counts[code]
        total.update(kind)
    voters = sum(total.values())
    assert 1_350_000 <= voters <= 1_650_000
    share = {k: n / voters for k, n in total.items()}
    assert 0.93 <= share[("thuong_tru", None)] <= 0.97
    assert 0.01 <= share[("tam_tru_12", None)] <= 0.03
    assert 0.01 <= share[("tam_tru_duoi_12", None)] <= 0.03
    assert 0.002 <= share[("thuong_tru", "bo_phieu_noi_khac")] <= 0.008
    assert 0.001 <= share[("thuong_tru", "den_bo_phieu")] <= 0.005
    assert 0 < share[("tam_giam", None)] < share[("quan_nhan", None)] < 0.005
    with_soldiers = sum(1 for kind in kinds.values() if kind[("quan_nhan", None)])
    assert 0 < with_soldiers < len(kinds) / 5
    assert any(c["QH"] > c["HDND_XA"] for c in counts.values() if "HDND_XA" in c)


def test_same_seed_same_election_and_other_seed_differs():
    first, second = generate("city", seed=7), generate("city", seed=7)
    assert first.setup == second.setup
    assert first.roll_voting_areas == second.roll_voting_areas
    assert list(itertools.islice(first.roll_rows(), 500)) == list(
        itertools.islice(second.roll_rows(), 500)
    )
    tail = first.roll_voting_areas[-3:]
    assert list(first.roll_rows(tail)) == list(second.roll_rows(tail))
    other = generate("city", seed=8)
    assert other.setup != first.setup
    assert list(itertools.islice(other.roll_rows(), 50)) != list(
        itertools.islice(first.roll_rows(), 50)
    )
    assert [a.name for a in other.setup.areas] == [a.name for a in first.setup.areas]


def test_unknown_scale_is_refused():
    with pytest.raises(ValueError):
        generate("planet")


def test_nation():
    demo = generate("nation", seed=3)
    setup = demo.setup
    assert check_setup(setup) == []
    assert demo.roll_voting_areas == [] and list(demo.roll_rows()) == []
    levels = Counter(a.level for a in setup.areas)
    assert levels["country"] == 1 and levels["province"] == 63
    assert 650 <= levels["district"] <= 750
    assert 10_000 <= levels["ward"] <= 11_000
    assert 80_000 <= len(setup.voting_areas) <= 90_000
    qh = [u for u in setup.units if u.contest == "QH"]
    assert 180 <= len(qh) <= 190 and all(u.seats == 3 for u in qh)
    per_unit = Counter(c.unit for c in setup.candidates)
    assert all(per_unit[u.code] == 5 for u in qh)
    parent = {a.code: a.parent for a in setup.areas}
    provinces = defaultdict(set)
    for v in setup.voting_areas:
        assert set(v.units) == {"QH", "HDND_TINH", "HDND_HUYEN", "HDND_XA"}
        provinces[v.units["QH"]].add(parent[parent[v.area]])
    assert all(len(p) == 1 for p in provinces.values())
    for c in _voters(setup).values():
        assert c["QH"] >= c["HDND_TINH"] >= c["HDND_HUYEN"] >= c["HDND_XA"] > 0
        assert c["QH"] - c["HDND_XA"] <= 10
