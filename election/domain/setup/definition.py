"""An election definition as plain values, and the limits the law sets on them.

``row`` is the 1-based row in the source sheet (the header is row 1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

CONTEST_NAMES_2021 = {
    "QH": "Đại biểu Quốc hội khóa XV",
    "HDND_TINH": "Đại biểu Hội đồng nhân dân thành phố nhiệm kỳ 2021 - 2026",
    "HDND_HUYEN": "Đại biểu Hội đồng nhân dân quận, huyện nhiệm kỳ 2021 - 2026",
    "HDND_XA": "Đại biểu Hội đồng nhân dân xã, phường, thị trấn nhiệm kỳ 2021 - 2026",
}
# 2026: no district councils (districts were abolished on 1 July 2025).
CONTEST_NAMES_2026 = {
    "QH": "Đại biểu Quốc hội khóa XVI",
    "HDND_TINH": "Đại biểu Hội đồng nhân dân thành phố nhiệm kỳ 2026 - 2031",
    "HDND_XA": "Đại biểu Hội đồng nhân dân xã, phường, đặc khu nhiệm kỳ 2026 - 2031",
}
CONTEST_LABELS = {
    "QH": "Quốc hội",
    "HDND_TINH": "HĐND cấp tỉnh/thành phố",
    "HDND_HUYEN": "HĐND cấp huyện",
    "HDND_XA": "HĐND cấp xã",
}
FORM_SETS = ("2021", "2026")
SECOND_KEYING = ("off", "required")
# Administrative levels, from the top. A tree uses a subset, in this order.
LEVELS = {
    "country": "Cả nước",
    "province": "Tỉnh, thành phố",
    "city": "Thành phố",
    "district": "Quận, huyện, thị xã",
    "ward": "Xã, phường, thị trấn",
}
LEVEL_RANK = {code: rank for rank, code in enumerate(LEVELS)}
# The kinds of administrative unit an area's name starts with, in the order a level's name
# lists them ("Xã, phường, thị trấn"; since 2025 "Xã, phường, đặc khu").
AREA_KINDS = ("Tỉnh", "Quận", "Huyện", "Thị xã", "Thành phố", "Xã", "Phường", "Thị trấn", "Đặc khu")


def level_name(level: str, area_names: list[str]) -> str:
    """A level's name from the kinds of area the setup puts on it, e.g. 'Xã, phường, đặc khu'.

    The kinds are read from the areas' names ("Đặc khu Cát Hải" is a special zone); a level
    whose names carry no known kind keeps the generic name of ``LEVELS``.
    """
    found = {kind for name in area_names for kind in AREA_KINDS if name.startswith(kind + " ")}
    kinds = [kind for kind in AREA_KINDS if kind in found]
    if not kinds:
        return LEVELS.get(level, level)
    words = [kinds[0]] + [kind.lower() for kind in kinds[1:]]
    return ", ".join(words)


GENDERS = ("Nam", "Nữ")
MAX_SEATS = {"QH": 3, "HDND_TINH": 5, "HDND_HUYEN": 5, "HDND_XA": 5}
MIN_CANDIDATE_AGE = 21


@dataclass
class ElectionDef:
    name: str | None
    date: dt.date | None
    form_set: str | None
    second_keying: str | None = None  # "off" (default) or "required" (CONTRACT §6.3)
    row: int = 2


@dataclass
class AreaDef:
    code: str | None
    name: str | None
    level: str | None
    parent: str | None
    row: int = 0


@dataclass
class ContestDef:
    code: str | None
    name: str | None
    row: int = 0


@dataclass
class UnitDef:
    code: str | None
    contest: str | None
    name: str | None
    seats: int | None
    row: int = 0


@dataclass
class CandidateDef:
    code: str | None
    unit: str | None
    order: int | None
    full_name: str | None
    date_of_birth: dt.date | None
    gender: str | None
    row: int = 0


@dataclass
class VotingAreaDef:
    code: str | None
    name: str | None
    area: str | None
    # contest code → unit code, for the contests the voting area takes part in
    units: dict[str, str] = field(default_factory=dict)
    row: int = 0


@dataclass
class VoterCountDef:
    voting_area: str | None
    contest: str | None
    voters: int | None
    row: int = 0


@dataclass
class Setup:
    election: ElectionDef | None
    areas: list[AreaDef]
    contests: list[ContestDef]
    units: list[UnitDef]
    candidates: list[CandidateDef]
    voting_areas: list[VotingAreaDef]
    voters: list[VoterCountDef]


def minimum_candidates(contest: str, seats: int) -> int:
    """The fewest candidates a unit with ``seats`` seats may have (domain.md §3)."""
    if contest == "QH":
        return seats + 2
    if seats >= 4:
        return seats + 3
    if seats == 3:
        return seats + 2
    return seats + 1


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
