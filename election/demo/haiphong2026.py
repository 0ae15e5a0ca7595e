"""Hải Phòng 2026: the merged city as it voted on 15 March 2026, with no district level.

The 114 wards, communes and special zones are the real ones (Hải Phòng and Hải Dương merged
on 1 July 2025: 45 wards, 67 communes, 2 special zones), in the order of the official list.
The counts are the published ones (domain.md §1): 2.577 voting areas, about 3,18 million
voters; National Assembly 7 units, 19 seats, 33 candidates; city council 18 units, 85 seats,
139 candidates; commune-level councils 718 units, 2.375 seats. What no published source
gives is generated: which communes make up which unit, each unit's seats, the size of each
voting area, the people (README "Demo data").
"""

from __future__ import annotations

import datetime as dt
import random

from election.domain.setup import CONTEST_NAMES_2026, Setup

from .builder import SetupBuilder, distribute, split
from .haiphong import CITY, Ward, assign_units, city_builder, voting_areas
from .rolls import RollPlan

FORM_SET = "2026"
ELECTION_NAME = (
    "Bầu cử đại biểu Quốc hội khóa XVI và đại biểu Hội đồng nhân dân các cấp nhiệm kỳ 2026 - 2031"
)
ELECTION_DAY = dt.date(2026, 3, 15)

# Kind: names, in the order of the official list. The first block was Hải Phòng, the
# second Hải Dương.
COMMUNE_TABLE = """
Phường: Thủy Nguyên, Thiên Hương, Hòa Bình, Nam Triệu, Bạch Đằng, Lưu Kiếm, Lê Ích Mộc,
    Hồng Bàng, Hồng An, Ngô Quyền, Gia Viên, Lê Chân, An Biên, Hải An, Đông Hải, Kiến An,
    Phù Liễn, Nam Đồ Sơn, Đồ Sơn, Hưng Đạo, Dương Kinh, An Dương, An Hải, An Phong
Xã: An Hưng, An Khánh, An Quang, An Trường, An Lão, Kiến Thụy, Kiến Minh, Kiến Hải,
    Kiến Hưng, Nghi Dương, Quyết Thắng, Tiên Lãng, Tân Minh, Tiên Minh, Chấn Hưng, Hùng Thắng,
    Vĩnh Bảo, Nguyễn Bỉnh Khiêm, Vĩnh Am, Vĩnh Hải, Vĩnh Hòa, Vĩnh Thịnh, Vĩnh Thuận, Việt Khê
Đặc khu: Cát Hải, Bạch Long Vĩ
Phường: Hải Dương, Lê Thanh Nghị, Việt Hòa, Thành Đông, Nam Đồng, Tân Hưng, Thạch Khôi,
    Tứ Minh, Ái Quốc, Chu Văn An, Chí Linh, Trần Hưng Đạo, Nguyễn Trãi, Trần Nhân Tông,
    Lê Đại Hành, Kinh Môn, Nguyễn Đại Năng, Trần Liễu, Bắc An Phụ, Phạm Sư Mạnh, Nhị Chiểu
Xã: Nam An Phụ, Nam Sách, Thái Tân, Hợp Tiến, Trần Phú, An Phú, Thanh Hà, Hà Tây, Hà Bắc,
    Hà Nam, Hà Đông, Cẩm Giang, Tuệ Tĩnh, Mao Điền, Cẩm Giàng, Kẻ Sặt, Bình Giang, Đường An,
    Thượng Hồng, Gia Lộc, Yết Kiêu, Gia Phúc, Trường Tân, Tứ Kỳ, Tân Kỳ, Đại Sơn, Chí Minh,
    Lạc Phượng, Nguyên Giáp, Ninh Giang, Vĩnh Lại, Khúc Thừa Dụ, Tân An, Hồng Châu,
    Thanh Miện, Bắc Thanh Miện, Hải Hưng, Nguyễn Lương Bằng, Nam Thanh Miện, Phú Thái,
    Lai Khê, An Thành, Kim Thành
"""

VOTING_AREAS = 2577
# Voting areas of the special zones (generated): Cát Hải's islands, Bạch Long Vĩ's garrison.
SPECIAL_AREAS = {"Đặc khu Cát Hải": 20, "Đặc khu Bạch Long Vĩ": 2}
# Mean voters per voting area, by kind: about 3,18 million over 2.577 areas in all.
VOTERS_PER_AREA = {"Phường": 1290, "Xã": 1205, "Đặc khu": 900}
GARRISON = "Đặc khu Bạch Long Vĩ"
QH_SEATS = (3, 3, 3, 3, 3, 2, 2)  # 19 seats; candidates: seats + 2 each, 33 in all
TINH_SEATS = (5,) * 13 + (4,) * 5  # 85 seats; candidates: seats + 3 each, 139 in all
XA_UNITS = 718
XA_SEATS = 2375


def communes(table: str = COMMUNE_TABLE) -> list[tuple[str, str]]:
    """(kind, full name) of every commune-level unit, in the order of the table."""
    rows: list[str] = []
    for line in table.strip().splitlines():
        if line.startswith(" "):
            rows[-1] += " " + line.strip()
        else:
            rows.append(line)
    found = []
    for row in rows:
        kind, names = row.split(":")
        found += [(kind, f"{kind} {name.strip()}") for name in names.split(",")]
    return found


def build(seed: int) -> tuple[Setup, list[RollPlan]]:
    """The Hải Phòng 2026 setup and a roll plan for every voting area."""
    rng = random.Random(f"demo-city-2026:{seed}")
    b = city_builder(rng, ELECTION_NAME, ELECTION_DAY, FORM_SET, CONTEST_NAMES_2026)
    wards = _geography(b, rng)
    units: dict[str, dict[str, str]] = {}  # voting area → contest → unit
    for number, (seats, group) in enumerate(zip(QH_SEATS, split(wards, 7, rng)), 1):
        code = b.unit(f"QH-{number:02d}", "QH", number, seats, seats + 2)
        assign_units(units, "QH", code, group)
    for number, (seats, group) in enumerate(zip(TINH_SEATS, split(wards, 18, rng)), 1):
        code = b.unit(f"TINH-{number:02d}", "HDND_TINH", number, seats, seats + 3)
        assign_units(units, "HDND_TINH", code, group)
    counts = _commune_units([len(w.voting_areas) for w in wards])
    seats = _commune_seats(sum(counts), rng)
    for ward, count in zip(wards, counts):
        for number, group in enumerate(split(ward.voting_areas, count, rng), 1):
            code = b.unit(f"XA-{ward.code}-{number:02d}", "HDND_XA", number, seats.pop())
            for va, _ in group:
                units[va]["HDND_XA"] = code
    plans = voting_areas(b, rng, [wards], units)
    return b.setup(), plans


def _geography(b: SetupBuilder, rng: random.Random) -> list[Ward]:
    """The commune-level areas under the city, each with its voting areas' codes and sizes."""
    named = communes()
    ordinary = [name for _kind, name in named if name not in SPECIAL_AREAS]
    sizes = dict(
        zip(
            ordinary,
            distribute(VOTING_AREAS - sum(SPECIAL_AREAS.values()), len(ordinary), rng, 8, 0.5),
        )
    )
    sizes.update(SPECIAL_AREAS)
    wards = []
    for n, (kind, name) in enumerate(named, 1):
        ward = Ward(b.area(f"HP{n:03d}", name, "ward", "HP"), name, CITY, kind == "Phường")
        ward.garrison = name == GARRISON
        mean = VOTERS_PER_AREA[kind]
        for k in range(1, sizes[name] + 1):
            voters = round(mean * rng.uniform(0.6, 1.4)) if not ward.garrison else 0
            voters = voters or rng.randint(300, 420)
            ward.voting_areas.append((f"{ward.code}-{k:02d}", min(4000, max(300, voters))))
        wards.append(ward)
    return wards


def _commune_units(areas: list[int]) -> list[int]:
    """Council units per commune, XA_UNITS in all, by voting areas (at most one each)."""
    exact = [n * XA_UNITS / sum(areas) for n in areas]
    counts = [max(1, min(n, int(x))) for n, x in zip(areas, exact)]
    order = sorted(range(len(areas)), key=lambda i: counts[i] - exact[i])
    while sum(counts) < XA_UNITS:
        for i in order:
            if sum(counts) < XA_UNITS and counts[i] < areas[i]:
                counts[i] += 1
    return counts


def _commune_seats(units: int, rng: random.Random) -> list[int]:
    """Seats of each commune council unit: 3 to 5, XA_SEATS in all."""
    seats = [3] * units
    # Each unit is in the population twice, so no unit gets more than two extra seats.
    for i in rng.sample(list(range(units)) * 2, XA_SEATS - 3 * units):
        seats[i] += 1
    return seats
