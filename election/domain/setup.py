"""An election definition as plain values, and the checks it must pass.

The same shapes come from a setup workbook, from the demo generator and from
an existing database (for export), so every path is checked by one function.
``row`` is the 1-based row in the source sheet (the header is row 1).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from election.domain.problems import Problem

CONTEST_NAMES_2021 = {
    "QH": "Đại biểu Quốc hội khóa XV",
    "HDND_TINH": "Đại biểu Hội đồng nhân dân thành phố nhiệm kỳ 2021 - 2026",
    "HDND_HUYEN": "Đại biểu Hội đồng nhân dân quận, huyện nhiệm kỳ 2021 - 2026",
    "HDND_XA": "Đại biểu Hội đồng nhân dân xã, phường, thị trấn nhiệm kỳ 2021 - 2026",
}
CONTEST_CODES = ("QH", "HDND_TINH", "HDND_HUYEN", "HDND_XA")
CONTEST_LABELS = {
    "QH": "Quốc hội",
    "HDND_TINH": "HĐND cấp tỉnh/thành phố",
    "HDND_HUYEN": "HĐND cấp huyện",
    "HDND_XA": "HĐND cấp xã",
}
FORM_SETS = ("2021", "2026")
# Administrative levels, from the top. A tree uses a subset, in this order.
LEVELS = {
    "country": "Cả nước",
    "province": "Tỉnh, thành phố",
    "city": "Thành phố",
    "district": "Quận, huyện, thị xã",
    "ward": "Xã, phường, thị trấn",
}
LEVEL_RANK = {code: rank for rank, code in enumerate(LEVELS)}
GENDERS = ("Nam", "Nữ")
MAX_SEATS = {"QH": 3, "HDND_TINH": 5, "HDND_HUYEN": 5, "HDND_XA": 5}
MIN_CANDIDATE_AGE = 21


@dataclass
class ElectionDef:
    name: str | None
    date: dt.date | None
    form_set: str | None
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


def check_setup(setup: Setup) -> list[Problem]:
    """Every problem of a definition, in sheet order."""
    problems: list[Problem] = []
    add = problems.append

    # -- election
    election = setup.election
    if election is None:
        add(Problem("election_missing", "Thiếu dòng thông tin cuộc bầu cử", "election", 2, "name"))
        election_date = None
        form_set = None
    else:
        if not election.name:
            add(Problem("required", "Thiếu tên cuộc bầu cử", "election", election.row, "name"))
        if election.date is None:
            add(Problem("required", "Thiếu ngày bầu cử", "election", election.row, "date"))
        if election.form_set not in FORM_SETS:
            add(
                Problem(
                    "form_set_unknown",
                    f"Bộ biểu mẫu «{election.form_set or ''}» không hợp lệ; chọn 2021 hoặc 2026",
                    "election",
                    election.row,
                    "form_set",
                )
            )
        election_date = election.date
        form_set = election.form_set

    # -- areas
    areas = {a.code: a for a in setup.areas if a.code}
    _check_codes(setup.areas, "areas", "khu vực hành chính", add)
    roots = []
    for a in setup.areas:
        if not a.name:
            add(Problem("required", "Thiếu tên khu vực hành chính", "areas", a.row, "name"))
        if a.level not in LEVELS:
            add(
                Problem(
                    "level_unknown",
                    f"Cấp hành chính «{a.level or ''}» không hợp lệ; dùng một trong: "
                    + ", ".join(LEVELS),
                    "areas",
                    a.row,
                    "level",
                )
            )
        if not a.parent:
            roots.append(a)
        elif a.parent not in areas:
            add(
                Problem(
                    "unknown_code",
                    f"Không có khu vực hành chính mã «{a.parent}»",
                    "areas",
                    a.row,
                    "parent",
                )
            )
        elif a.parent == a.code:
            add(
                Problem(
                    "area_cycle",
                    f"Khu vực «{a.code}» là cha của chính nó",
                    "areas",
                    a.row,
                    "parent",
                )
            )
        else:
            parent = areas[a.parent]
            if (
                a.level in LEVEL_RANK
                and parent.level in LEVEL_RANK
                and LEVEL_RANK[a.level] <= LEVEL_RANK[parent.level]
            ):
                add(
                    Problem(
                        "level_order",
                        f"Khu vực cấp «{a.level}» không thể trực thuộc khu vực cấp «{parent.level}» ({parent.code})",
                        "areas",
                        a.row,
                        "level",
                    )
                )
    if setup.areas and len(roots) != 1:
        if not roots:
            add(
                Problem(
                    "root_missing",
                    "Cần đúng một khu vực gốc (cột parent để trống)",
                    "areas",
                    2,
                    "parent",
                )
            )
        for a in roots[1:]:
            add(
                Problem(
                    "root_many",
                    f"Chỉ được một khu vực gốc; «{a.code}» cũng không có khu vực cha",
                    "areas",
                    a.row,
                    "parent",
                )
            )
    if not setup.areas:
        add(Problem("areas_missing", "Chưa có khu vực hành chính nào", "areas", 2, "code"))
    for a in _cycle_members(setup.areas):
        add(
            Problem(
                "area_cycle",
                f"Khu vực «{a.code}» nằm trong một vòng lặp khu vực cha",
                "areas",
                a.row,
                "parent",
            )
        )
    has_children = {a.parent for a in setup.areas if a.parent and a.parent != a.code}

    # -- contests
    _check_codes(setup.contests, "contests", "cấp bầu cử", add)
    contests = {c.code for c in setup.contests if c.code}
    for c in setup.contests:
        if c.code and c.code not in CONTEST_CODES:
            add(
                Problem(
                    "contest_unknown",
                    f"Cấp bầu cử «{c.code}» không hợp lệ; dùng một trong: "
                    + ", ".join(CONTEST_CODES),
                    "contests",
                    c.row,
                    "code",
                )
            )
        if c.code == "HDND_HUYEN" and form_set == "2026":
            add(
                Problem(
                    "contest_abolished",
                    "Năm 2026 không còn bầu cử HĐND cấp huyện",
                    "contests",
                    c.row,
                    "code",
                )
            )
        if not c.name:
            add(Problem("required", "Thiếu tên cấp bầu cử", "contests", c.row, "name"))

    # -- units
    _check_codes(setup.units, "units", "đơn vị bầu cử", add)
    units = {u.code: u for u in setup.units if u.code}
    for u in setup.units:
        if u.contest not in contests:
            add(
                Problem(
                    "unknown_code",
                    f"Không có cấp bầu cử mã «{u.contest or ''}»",
                    "units",
                    u.row,
                    "contest",
                )
            )
        if not u.name:
            add(Problem("required", "Thiếu tên đơn vị bầu cử", "units", u.row, "name"))
        if u.seats is None:
            add(Problem("required", "Thiếu số đại biểu được bầu", "units", u.row, "seats"))
        else:
            limit = MAX_SEATS.get(u.contest or "", 5)
            if not 1 <= u.seats <= limit:
                add(
                    Problem(
                        "seats_range",
                        f"Số đại biểu được bầu của đơn vị «{u.code}» phải từ 1 đến {limit} (đang là {u.seats})",
                        "units",
                        u.row,
                        "seats",
                    )
                )

    # -- candidates
    _check_codes(setup.candidates, "candidates", "người ứng cử", add)
    per_unit: dict[str, list[CandidateDef]] = defaultdict(list)
    for c in setup.candidates:
        if c.unit not in units:
            add(
                Problem(
                    "unknown_code",
                    f"Không có đơn vị bầu cử mã «{c.unit or ''}»",
                    "candidates",
                    c.row,
                    "unit",
                )
            )
        else:
            per_unit[c.unit].append(c)
        if c.order is None or c.order < 1:
            add(
                Problem(
                    "order_invalid",
                    "Thứ tự trên phiếu bầu phải là số nguyên dương",
                    "candidates",
                    c.row,
                    "order",
                )
            )
        if not c.full_name:
            add(
                Problem(
                    "required", "Thiếu họ và tên người ứng cử", "candidates", c.row, "full_name"
                )
            )
        if c.date_of_birth is None:
            add(
                Problem(
                    "date_invalid",
                    "Thiếu ngày sinh hoặc ngày sinh không hợp lệ (YYYY-MM-DD)",
                    "candidates",
                    c.row,
                    "date_of_birth",
                )
            )
        elif (
            election_date is not None and age_on(c.date_of_birth, election_date) < MIN_CANDIDATE_AGE
        ):
            add(
                Problem(
                    "candidate_too_young",
                    f"Người ứng cử {c.full_name or c.code} chưa đủ {MIN_CANDIDATE_AGE} tuổi vào ngày bầu cử",
                    "candidates",
                    c.row,
                    "date_of_birth",
                )
            )
        if c.gender not in GENDERS:
            add(
                Problem(
                    "gender_invalid",
                    f"Giới tính «{c.gender or ''}» không hợp lệ; dùng Nam hoặc Nữ",
                    "candidates",
                    c.row,
                    "gender",
                )
            )
    for code, members in per_unit.items():
        orders = Counter(c.order for c in members if c.order is not None)
        for c in members:
            if c.order is not None and orders[c.order] > 1:
                add(
                    Problem(
                        "order_duplicate",
                        f"Thứ tự {c.order} bị trùng trong đơn vị bầu cử «{code}»",
                        "candidates",
                        c.row,
                        "order",
                    )
                )
    for u in setup.units:
        if not u.code or u.seats is None or u.contest not in CONTEST_CODES:
            continue
        have = len(per_unit.get(u.code, []))
        need = minimum_candidates(u.contest, u.seats)
        if have < need:
            add(
                Problem(
                    "candidates_too_few",
                    f"Đơn vị bầu cử «{u.code}» bầu {u.seats} đại biểu nên cần ít nhất {need} người ứng cử (đang có {have})",
                    "units",
                    u.row,
                    "code",
                )
            )

    # -- voting areas
    _check_codes(setup.voting_areas, "voting_areas", "khu vực bỏ phiếu", add)
    membership: dict[tuple[str, str], tuple[str, VotingAreaDef]] = {}
    unit_members: dict[str, list[VotingAreaDef]] = defaultdict(list)
    for v in setup.voting_areas:
        if not v.name:
            add(Problem("required", "Thiếu tên khu vực bỏ phiếu", "voting_areas", v.row, "name"))
        if v.area not in areas:
            add(
                Problem(
                    "unknown_code",
                    f"Không có khu vực hành chính mã «{v.area or ''}»",
                    "voting_areas",
                    v.row,
                    "area",
                )
            )
        elif v.area in has_children:
            add(
                Problem(
                    "area_not_lowest",
                    f"Khu vực bỏ phiếu phải thuộc một xã, phường, thị trấn; «{v.area}» còn có khu vực cấp dưới",
                    "voting_areas",
                    v.row,
                    "area",
                )
            )
        for contest, unit_code in v.units.items():
            unit = units.get(unit_code)
            if contest not in contests:
                add(
                    Problem(
                        "unknown_code",
                        f"Không có cấp bầu cử mã «{contest}»",
                        "voting_areas",
                        v.row,
                        contest,
                    )
                )
                continue
            if unit is None:
                add(
                    Problem(
                        "unknown_code",
                        f"Không có đơn vị bầu cử mã «{unit_code}»",
                        "voting_areas",
                        v.row,
                        contest,
                    )
                )
                continue
            if unit.contest != contest:
                add(
                    Problem(
                        "unit_wrong_contest",
                        f"Đơn vị bầu cử «{unit_code}» thuộc cấp {unit.contest}, không phải {contest}",
                        "voting_areas",
                        v.row,
                        contest,
                    )
                )
                continue
            if v.code:
                seen = membership.get((v.code, contest))
                if seen is not None and seen[0] != unit_code:
                    add(
                        Problem(
                            "voting_area_two_units",
                            f"Khu vực bỏ phiếu «{v.code}» thuộc hai đơn vị bầu cử cấp {contest}: «{seen[0]}» và «{unit_code}»",
                            "voting_areas",
                            v.row,
                            contest,
                        )
                    )
                    continue
                membership[(v.code, contest)] = (unit_code, v)
            unit_members[unit_code].append(v)
    parent_of = {a.code: a.parent for a in setup.areas if a.code}
    level_of = {a.code: a.level for a in setup.areas if a.code}
    for u in setup.units:
        members = unit_members.get(u.code or "", [])
        if u.code and not members:
            add(
                Problem(
                    "unit_empty",
                    f"Đơn vị bầu cử «{u.code}» chưa có khu vực bỏ phiếu nào",
                    "units",
                    u.row,
                    "code",
                )
            )
        # A commune's People's Council unit lies inside its commune, a district's inside its district.
        if u.contest in ("HDND_XA", "HDND_HUYEN") and members:
            up = 0 if u.contest == "HDND_XA" else 1
            homes = {
                m.area if up == 0 else _district_of(m.area, parent_of, level_of)
                for m in members
                if m.area in areas
            }
            if len(homes) > 1:
                add(
                    Problem(
                        "unit_spans_areas",
                        f"Đơn vị bầu cử «{u.code}» ({u.contest}) gồm khu vực bỏ phiếu của nhiều "
                        + ("xã, phường" if up == 0 else "quận, huyện")
                        + ": "
                        + ", ".join(sorted(h or "" for h in homes)),
                        "units",
                        u.row,
                        "code",
                    )
                )

    # -- voter counts
    seen_counts: set[tuple[str, str]] = set()
    voting_area_codes = {v.code for v in setup.voting_areas if v.code}
    for c in setup.voters:
        if c.voters is None or c.voters < 0:
            add(
                Problem(
                    "count_invalid",
                    "Số cử tri phải là số nguyên không âm",
                    "voters",
                    c.row,
                    "voters",
                )
            )
        if c.voting_area not in voting_area_codes:
            add(
                Problem(
                    "unknown_code",
                    f"Không có khu vực bỏ phiếu mã «{c.voting_area or ''}»",
                    "voters",
                    c.row,
                    "voting_area",
                )
            )
            continue
        if c.contest not in contests:
            add(
                Problem(
                    "unknown_code",
                    f"Không có cấp bầu cử mã «{c.contest or ''}»",
                    "voters",
                    c.row,
                    "contest",
                )
            )
            continue
        if (c.voting_area, c.contest) not in membership:
            add(
                Problem(
                    "not_in_contest",
                    f"Khu vực bỏ phiếu «{c.voting_area}» không tham gia cấp bầu cử {c.contest}",
                    "voters",
                    c.row,
                    "contest",
                )
            )
        key = (c.voting_area, c.contest)
        if key in seen_counts:
            add(
                Problem(
                    "duplicate",
                    f"Số cử tri của khu vực «{c.voting_area}», cấp {c.contest} bị khai hai lần",
                    "voters",
                    c.row,
                    "voting_area",
                )
            )
        seen_counts.add(key)

    return problems


def _check_codes(items: Iterable, sheet: str, what: str, add) -> None:
    seen: dict[str, int] = {}
    for item in items:
        if not item.code:
            add(Problem("required", f"Thiếu mã {what}", sheet, item.row, "code"))
            continue
        if item.code in seen:
            add(
                Problem(
                    "duplicate_code",
                    f"Mã {what} «{item.code}» bị trùng (đã có ở dòng {seen[item.code]})",
                    sheet,
                    item.row,
                    "code",
                )
            )
        else:
            seen[item.code] = item.row


def _cycle_members(areas: list[AreaDef]) -> list[AreaDef]:
    """Areas whose chain of parents loops (a self-parent is reported separately)."""
    parent = {a.code: a.parent for a in areas if a.code}
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = done
    looping: set[str] = set()
    for start in parent:
        walk = []
        node = start
        while node in parent and state.get(node) is None:
            state[node] = 1
            walk.append(node)
            node = parent[node]
        if node in parent and state.get(node) == 1 and parent[node] != node:
            looping.update(walk[walk.index(node) :])
        for n in walk:
            state[n] = 2
    return [a for a in areas if a.code in looping]


def _district_of(
    code: str | None, parent_of: dict[str, str | None], level_of: dict[str, str | None]
) -> str | None:
    """The district an area lies in (itself for a district without wards)."""
    seen = set()
    while code is not None and code not in seen:
        if level_of.get(code) == "district":
            return code
        seen.add(code)
        code = parent_of.get(code)
    return None
