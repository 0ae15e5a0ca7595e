"""A nationwide 2021 election of about 85,000 voting areas, for scale tests (counts only)."""

from __future__ import annotations

import random

from election.domain.setup import CONTEST_NAMES_2021, Setup

from .builder import ELECTION_DAY_2021, ELECTION_NAME_2021, SetupBuilder, distribute, split
from .names import PLACE_NAMES, parse_weights

FORM_SET = "2021"
CITIES = ("Hà Nội", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Hồ Chí Minh")
# Province and its population in thousands (2019 census, rounded).
PROVINCES = tuple(
    (name, int(pop))
    for name, pop in parse_weights(
        """Hà Nội 8054, Hà Giang 854, Cao Bằng 530, Bắc Kạn 314, Tuyên Quang 785, Lào Cai 731,
        Điện Biên 599, Lai Châu 460, Sơn La 1248, Yên Bái 822, Hòa Bình 854, Thái Nguyên 1287,
        Lạng Sơn 782, Quảng Ninh 1320, Bắc Giang 1804, Phú Thọ 1464, Vĩnh Phúc 1152,
        Bắc Ninh 1369, Hải Dương 1893, Hải Phòng 2029, Hưng Yên 1253, Thái Bình 1861,
        Hà Nam 853, Nam Định 1781, Ninh Bình 983, Thanh Hóa 3640, Nghệ An 3327, Hà Tĩnh 1289,
        Quảng Bình 896, Quảng Trị 633, Thừa Thiên Huế 1129, Đà Nẵng 1135, Quảng Nam 1496,
        Quảng Ngãi 1232, Bình Định 1487, Phú Yên 873, Khánh Hòa 1232, Ninh Thuận 591,
        Bình Thuận 1231, Kon Tum 541, Gia Lai 1514, Đắk Lắk 1870, Đắk Nông 623, Lâm Đồng 1297,
        Bình Phước 995, Tây Ninh 1170, Bình Dương 2456, Đồng Nai 3097, Bà Rịa - Vũng Tàu 1149,
        Hồ Chí Minh 8993, Long An 1689, Tiền Giang 1765, Bến Tre 1289, Trà Vinh 1010,
        Vĩnh Long 1023, Đồng Tháp 1600, An Giang 1909, Kiên Giang 1724, Cần Thơ 1236,
        Hậu Giang 734, Sóc Trăng 1200, Bạc Liêu 908, Cà Mau 1194"""
    ).items()
)
# Nationwide targets; each province gets a fixed base plus a share by population,
# because small mountainous provinces still have many small communes.
DISTRICTS = (6, 327)  # per province, by population
WARDS = 10_500
VOTING_AREAS = 85_000
VOTER_SHARE = 0.72
QH_SMALL = 5  # the least populous provinces elect 2 National Assembly units, the rest 3
TINH_NAME = "Đại biểu Hội đồng nhân dân tỉnh, thành phố trực thuộc trung ương nhiệm kỳ 2021 - 2026"

Ward = tuple[str, list[str]]  # code, voting area codes


def build(seed: int) -> Setup:
    """The nationwide setup; voters come as counts per voting area and contest."""
    # Seeded by text (sha512): an int seed would make -n and n the same election.
    rng = random.Random(f"demo-nation:{seed}")
    b = SetupBuilder(rng, ELECTION_NAME_2021, ELECTION_DAY_2021, FORM_SET)
    b.area("VN", "Cả nước", "country", None)
    for code, name in CONTEST_NAMES_2021.items():
        b.contest(code, TINH_NAME if code == "HDND_TINH" else name)
    population = sum(pop for _, pop in PROVINCES)
    small = set(sorted(PROVINCES, key=lambda p: p[1])[:QH_SMALL])
    provinces: list[list[list[Ward]]] = []
    averages: list[float] = []
    for p, (name, pop) in enumerate(PROVINCES, 1):
        share = pop / population
        voting_areas = round(VOTING_AREAS * (0.25 / len(PROVINCES) + 0.75 * share))
        averages.append(VOTER_SHARE * pop * 1000 / voting_areas)
        provinces.append(_province(b, rng, p, name, share, voting_areas))
    units: dict[str, dict[str, str]] = {}

    def assign(contest: str, unit: str, wards: list[Ward]) -> None:
        for _, vas in wards:
            for va in vas:
                units.setdefault(va, {})[contest] = unit

    for p, (province, entry) in enumerate(zip(provinces, PROVINCES), 1):
        groups = split(province, 2 if entry in small else 3, rng)
        for number, group in enumerate(groups, 1):
            code = b.unit(f"QH-VN{p:02d}-{number}", "QH", number, 3, count=5)
            for district in group:
                assign("QH", code, district)
    for p, province in enumerate(provinces, 1):
        for number, district in enumerate(province, 1):
            code = b.unit(f"TINH-VN{p:02d}-{number:02d}", "HDND_TINH", number, rng.randint(3, 5))
            assign("HDND_TINH", code, district)
    for province in provinces:
        for district in province:
            home = district[0][0].rsplit("-", 1)[0]
            parts = min(len(district), max(3, min(7, len(district) // 3)))
            for number, group in enumerate(split(district, parts, rng), 1):
                code = b.unit(f"HUYEN-{home}-{number:02d}", "HDND_HUYEN", number, rng.randint(3, 5))
                assign("HDND_HUYEN", code, group)
    for province in provinces:
        for district in province:
            for ward, vas in district:
                for number, group in enumerate(split(vas, rng.choice((2, 3, 3, 4)), rng), 1):
                    code = b.unit(f"XA-{ward}-{number}", "HDND_XA", number, rng.randint(3, 5))
                    for va in group:
                        units[va]["HDND_XA"] = code
    for province, average in zip(provinces, averages):
        for district in province:
            for ward, vas in district:
                for number, va in enumerate(vas, 1):
                    b.voting_area(va, number, ward, units[va])
                    b.counts(va, _counts(rng, average))
    return b.setup()


def _province(
    b: SetupBuilder, rng: random.Random, p: int, name: str, share: float, voting_areas: int
) -> list[list[Ward]]:
    """One province's areas; returns its districts as lists of (ward, voting areas)."""
    code = b.area(
        f"VN{p:02d}", f"{'Thành phố' if name in CITIES else 'Tỉnh'} {name}", "province", "VN"
    )
    districts = round(DISTRICTS[0] + DISTRICTS[1] * share)
    wards = round(WARDS * (0.4 / len(PROVINCES) + 0.6 * share))
    per_ward = iter(distribute(voting_areas, wards, rng, minimum=2, spread=0.6))
    result = []
    for d, (place, size) in enumerate(
        zip(rng.sample(PLACE_NAMES, districts), distribute(wards, districts, rng, minimum=3)), 1
    ):
        urban = (name in CITIES and d <= districts * 0.4) or d == 1
        kind = ("Quận" if name in CITIES else "Thành phố") if urban else "Huyện"
        dcode = b.area(f"{code}-{d:02d}", f"{kind} {place}", "district", code)
        district = []
        for w, ward_place in enumerate(rng.sample(PLACE_NAMES, size), 1):
            prefix = "Phường" if urban else ("Thị trấn" if w == 1 else "Xã")
            wcode = b.area(f"{dcode}-{w:02d}", f"{prefix} {ward_place}", "ward", dcode)
            district.append((wcode, [f"{wcode}-{k:02d}" for k in range(1, next(per_ward) + 1)]))
        result.append(district)
    return result


def _counts(rng: random.Random, average: float) -> dict[str, int]:
    """Plausible voters per contest: short-term residents and arrivals vote fewer contests."""
    commune = max(80, round(average * rng.uniform(0.6, 1.4)))
    district = commune + rng.randint(0, 6)
    city = district + rng.randint(0, 3)
    return {"QH": city, "HDND_TINH": city, "HDND_HUYEN": district, "HDND_XA": commune}
