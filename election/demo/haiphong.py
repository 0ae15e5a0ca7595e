"""Hải Phòng 2021: the real districts and wards, with synthetic voting areas and people."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from election.domain.setup import CONTEST_NAMES_2021, Setup

from .builder import ELECTION_DAY_2021, ELECTION_NAME_2021, SetupBuilder, distribute, split
from .rolls import RollPlan, plan_roll

FORM_SET = "2021"
CITY = "thành phố Hải Phòng"


# District | voters in thousands (about 74 % of the 2019 population) | wards by kind.
# An indented line continues the one above.
DISTRICT_TABLE = """
Quận Hồng Bàng | 87 | Phường: Hạ Lý, Hoàng Văn Thụ, Hùng Vương, Minh Khai, Phan Bội Châu,
    Quán Toan, Sở Dầu, Thượng Lý, Trại Chuối
Quận Ngô Quyền | 125 | Phường: Cầu Đất, Cầu Tre, Đằng Giang, Đông Khê, Gia Viên, Lạc Viên,
    Lạch Tray, Lê Lợi, Máy Chai, Vạn Mỹ
Quận Lê Chân | 163 | Phường: An Biên, An Dương, Cát Dài, Đông Hải, Dư Hàng, Dư Hàng Kênh,
    Hàng Kênh, Hồ Nam, Kênh Dương, Lam Sơn, Nghĩa Xá, Niệm Nghĩa, Trại Cau, Trần Nguyên Hãn,
    Vĩnh Niệm
Quận Hải An | 98 | Phường: Cát Bi, Đằng Hải, Đằng Lâm, Đông Hải 1, Đông Hải 2, Nam Hải,
    Thành Tô, Tràng Cát
Quận Kiến An | 87 | Phường: Bắc Sơn, Đồng Hòa, Lãm Hà, Nam Sơn, Ngọc Sơn, Phù Liễn, Quán Trữ,
    Trần Thành Ngọ, Tràng Minh, Văn Đẩu
Quận Đồ Sơn | 36 | Phường: Bàng La, Hải Sơn, Hợp Đức, Minh Đức, Ngọc Hải, Ngọc Xuyên, Vạn Hương
Quận Dương Kinh | 44 | Phường: Anh Dũng, Đa Phúc, Hải Thành, Hòa Nghĩa, Hưng Đạo, Tân Thành
Huyện Thủy Nguyên | 244 | Thị trấn: Núi Đèo, Minh Đức; Xã: An Lư, An Sơn, Cao Nhân, Chính Mỹ,
    Đông Sơn, Dương Quan, Gia Đức, Gia Minh, Hoa Động, Hòa Bình, Hoàng Động, Hợp Thành,
    Kênh Giang, Kiền Bái, Kỳ Sơn, Lại Xuân, Lâm Động, Lập Lễ, Liên Khê, Lưu Kiếm, Lưu Kỳ,
    Minh Tân, Mỹ Đồng, Ngũ Lão, Phả Lễ, Phù Ninh, Phục Lễ, Quảng Thanh, Tam Hưng, Tân Dương,
    Thiên Hương, Thủy Đường, Thủy Sơn, Thủy Triều
Huyện An Dương | 145 | Thị trấn: An Dương; Xã: An Đồng, An Hòa, An Hồng, An Hưng, Bắc Sơn,
    Đại Bản, Đặng Cương, Đồng Thái, Hồng Phong, Hồng Thái, Lê Lợi, Lê Thiện, Nam Sơn,
    Quốc Tuấn, Tân Tiến
Huyện An Lão | 108 | Thị trấn: An Lão, Trường Sơn; Xã: An Thái, An Thắng, An Thọ, An Tiến,
    Bát Trang, Chiến Thắng, Mỹ Đức, Quang Hưng, Quang Trung, Quốc Tuấn, Tân Dân, Tân Viên,
    Thái Sơn, Trường Thành, Trường Thọ
Huyện Kiến Thụy | 104 | Thị trấn: Núi Đối; Xã: Đại Đồng, Đại Hà, Đại Hợp, Đoàn Xá, Đông Phương,
    Du Lễ, Hữu Bằng, Kiến Quốc, Minh Tân, Ngũ Đoan, Ngũ Phúc, Tân Phong, Tân Trào, Thanh Sơn,
    Thuận Thiên, Thụy Hương, Tú Sơn
Huyện Tiên Lãng | 110 | Thị trấn: Tiên Lãng; Xã: Bắc Hưng, Bạch Đằng, Cấp Tiến, Đại Thắng,
    Đoàn Lập, Đông Hưng, Hùng Thắng, Khởi Nghĩa, Kiến Thiết, Nam Hưng, Quang Phục, Quyết Tiến,
    Tây Hưng, Tiên Cường, Tiên Hưng, Tiên Minh, Tiên Thắng, Tiên Thanh, Tiên Tiến, Toàn Thắng,
    Tự Cường, Vinh Quang
Huyện Vĩnh Bảo | 133 | Thị trấn: Vĩnh Bảo; Xã: An Hòa, Cao Minh, Cổ Am, Cộng Hiền, Đồng Minh,
    Dũng Tiến, Giang Biên, Hiệp Hòa, Hòa Bình, Hưng Nhân, Hùng Tiến, Liên Am, Lý Học,
    Nhân Hòa, Tam Cường, Tam Đa, Tân Hưng, Tân Liên, Thắng Thủy, Thanh Lương, Tiền Phong,
    Trấn Dương, Trung Lập, Việt Tiến, Vĩnh An, Vĩnh Long, Vĩnh Phong, Vinh Quang, Vĩnh Tiến
Huyện Cát Hải | 24 | Thị trấn: Cát Bà, Cát Hải; Xã: Đồng Bài, Gia Luận, Hiền Hào, Hoàng Châu,
    Nghĩa Lộ, Phù Long, Trân Châu, Văn Phong, Việt Hải, Xuân Đám
Huyện Bạch Long Vĩ | 0 |
"""


def _districts(table: str) -> list[tuple[str, bool, int, list[str]]]:
    """(name, urban, voters in thousands, ward names) per line of DISTRICT_TABLE."""
    entries: list[str] = []
    for line in table.strip().splitlines():
        if line.startswith(" "):
            entries[-1] += " " + line.strip()
        else:
            entries.append(line)
    districts = []
    for entry in entries:
        name, thousands, groups = (part.strip() for part in entry.split("|"))
        wards = []
        for group in filter(None, groups.split(";")):
            kind, places = group.split(":")
            wards += [f"{kind.strip()} {place.strip()}" for place in places.split(",")]
        districts.append((name, name.startswith("Quận"), int(thousands), wards))
    return districts


DISTRICTS = _districts(DISTRICT_TABLE)
# District numbers (1-based) of each National Assembly unit, as in 2021.
QH_UNITS = ((1, 3, 8, 14, 15), (2, 4, 6, 9, 11), (5, 7, 10, 12, 13))
# City council units as seats:districts; "8a"/"8b" = first/second half of district 8's wards.
TINH_UNITS = "4:1 5:2 5:3 4:4 5:5 5:6+7 5:8a 5:8b 5:9 5:10 5:11 5:12 5:13 4:14+15"
ISLAND = 15  # Bạch Long Vĩ: no communes, its voting areas sit under the district itself
VOTERS_PER_AREA = {True: 850, False: 700}
MILITARY_SHARE = 0.05  # voting areas where soldiers vote at their unit
DETENTION_SHARE = 0.006


@dataclass
class Ward:
    code: str
    name: str
    district: str  # district name (2026: the city, there being no districts)
    urban: bool
    voting_areas: list[tuple[str, int]] = field(default_factory=list)  # (code, voters)
    garrison: bool = False  # an island where every voting area has soldiers voting at it


def build(seed: int) -> tuple[Setup, list[RollPlan]]:
    """The Hải Phòng 2021 setup and a roll plan for every voting area."""
    # Seeded by text (sha512): an int seed would make -n and n the same election.
    rng = random.Random(f"demo-city:{seed}")
    b = city_builder(rng, ELECTION_NAME_2021, ELECTION_DAY_2021, FORM_SET, CONTEST_NAMES_2021)
    districts = _geography(b, rng)
    units: dict[str, dict[str, str]] = {}  # voting area → contest → unit

    def assign(contest: str, unit: str, wards: list[Ward]) -> None:
        assign_units(units, contest, unit, wards)

    for number, members in enumerate(QH_UNITS, 1):
        b.unit(f"QH-{number:02d}", "QH", number, 3, count=5)
        for d in members:
            assign("QH", f"QH-{number:02d}", districts[d - 1])
    for number, spec in enumerate(TINH_UNITS.split(), 1):
        seats, parts = spec.split(":")
        code = b.unit(f"TINH-{number:02d}", "HDND_TINH", number, int(seats))
        for part in parts.split("+"):
            wards = districts[int(part.rstrip("ab")) - 1]
            half = len(wards) // 2
            picked = {"a": wards[:half], "b": wards[half:]}.get(part[-1], wards)
            assign("HDND_TINH", code, picked)
    for d, wards in enumerate(districts, 1):
        if d == ISLAND:
            assign("HDND_HUYEN", b.unit(f"HUYEN-HP{d:02d}-01", "HDND_HUYEN", 1, 3, 5), wards)
            continue
        groups = split(wards, max(3, min(9, len(wards) // 2)), rng)
        for number, group in enumerate(groups, 1):
            code = b.unit(f"HUYEN-HP{d:02d}-{number:02d}", "HDND_HUYEN", number, rng.randint(3, 5))
            assign("HDND_HUYEN", code, group)
    for wards in districts[: ISLAND - 1]:
        for ward in wards:
            groups = split(ward.voting_areas, rng.randint(3, 6), rng)
            for number, group in enumerate(groups, 1):
                code = b.unit(f"XA-{ward.code}-{number:02d}", "HDND_XA", number, rng.randint(3, 5))
                for va, _ in group:
                    units[va]["HDND_XA"] = code
    plans = voting_areas(b, rng, districts, units)
    return b.setup(), plans


def city_builder(
    rng: random.Random, name: str, day: dt.date, form_set: str, contests: dict[str, str]
) -> SetupBuilder:
    """A builder holding the election, the city at the root and the contests."""
    b = SetupBuilder(rng, name, day, form_set)
    b.area("HP", "Thành phố Hải Phòng", "city", None)
    for code, contest in contests.items():
        b.contest(code, contest.replace("thành phố", CITY))
    return b


def assign_units(
    units: dict[str, dict[str, str]], contest: str, unit: str, wards: list[Ward]
) -> None:
    """Record ``unit`` as the unit of ``contest`` of every voting area of ``wards``."""
    for ward in wards:
        for va, _ in ward.voting_areas:
            units.setdefault(va, {})[contest] = unit


def _geography(b: SetupBuilder, rng: random.Random) -> list[list[Ward]]:
    """Districts and wards as areas; voting area codes and sizes per ward."""
    districts: list[list[Ward]] = []
    for d, (name, urban, thousands, ward_names) in enumerate(DISTRICTS, 1):
        code = b.area(f"HP{d:02d}", name, "district", "HP")
        if not ward_names:
            # The island: one pseudo-ward standing for the district itself, not an area.
            island = Ward(code, name, name, urban)
            island.voting_areas = [(f"{code}-00-{k:02d}", rng.randint(300, 420)) for k in (1, 2)]
            districts.append([island])
            continue
        per_area = VOTERS_PER_AREA[urban]
        count = round(thousands * 1000 / per_area)
        wards = []
        sizes = distribute(count, len(ward_names), rng, minimum=3, spread=0.5)
        for w, (ward_name, size) in enumerate(zip(ward_names, sizes), 1):
            ward = Ward(b.area(f"{code}-{w:02d}", ward_name, "ward", code), ward_name, name, urban)
            for k in range(1, size + 1):
                voters = round(per_area * rng.uniform(0.55, 1.45))
                ward.voting_areas.append((f"{ward.code}-{k:02d}", min(4000, max(300, voters))))
            wards.append(ward)
        districts.append(wards)
    return districts


def voting_areas(
    b: SetupBuilder,
    rng: random.Random,
    districts: list[list[Ward]],
    units: dict[str, dict[str, str]],
) -> list[RollPlan]:
    """Voting area rows, their roll plans and the voter counts derived from them."""
    everyone = [w for wards in districts for w in wards if w.name != w.district]
    elsewhere = [
        f"{_street(w)} {rng.randint(1, 25)}, {w.name}, {w.district}"
        for w in rng.sample(everyone, 60)
    ]
    plans = []
    for wards in districts:
        for ward in wards:
            island = ward.name == ward.district
            street = "Khu dân cư số" if island else _street(ward)
            where = ward.district if island else f"{ward.name}, {ward.district}"
            block = 0
            for number, (code, voters) in enumerate(ward.voting_areas, 1):
                blocks = max(1, round(voters / rng.uniform(120, 260)))
                homes = [f"{street} {block + k}, {where}" for k in range(1, blocks + 1)]
                block += blocks
                military = island or ward.garrison or rng.random() < MILITARY_SHARE
                detention = rng.random() < DETENTION_SHARE
                plan = plan_roll(
                    rng,
                    code,
                    voters,
                    homes,
                    elsewhere,
                    soldiers_at=f"Doanh trại quân đội, {where}" if military else None,
                    detainees_at=f"Nhà tạm giữ, {where}" if detention else None,
                )
                held = units[code]
                b.voting_area(code, number, ward.code, held)
                b.counts(code, plan.counts(list(held)))
                plans.append(plan)
    return plans


def _street(ward: Ward) -> str:
    """The residential group a home belongs to: a village in a commune, a group elsewhere."""
    return "Thôn" if ward.name.startswith("Xã ") else "Tổ"
