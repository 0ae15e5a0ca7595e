"""The checks of the places: administrative areas, voting areas and their voter counts."""

from __future__ import annotations

from collections import defaultdict

from election.domain.problems import Add, Problem, Report, reporter
from election.domain.setup.definition import (
    LEVEL_RANK,
    LEVELS,
    AreaDef,
    Setup,
    UnitDef,
    VotingAreaDef,
)

# (voting area code, contest code) → (unit code, voting area): where a voting area votes.
Membership = dict[tuple[str, str], tuple[str, VotingAreaDef]]


def check_areas(areas: list[AreaDef], add: Add) -> None:
    """Names, levels and parents of the areas; one root; no loop of parents."""
    by_code = {a.code: a for a in areas if a.code}
    for a in areas:
        report = reporter(add, "areas", a.row)
        if not a.name:
            report("required", "Thiếu tên khu vực hành chính", "name")
        if a.level not in LEVELS:
            report(
                "level_unknown",
                f"Cấp hành chính «{a.level or ''}» không hợp lệ; dùng một trong: "
                + ", ".join(LEVELS),
                "level",
            )
        if a.parent:
            _check_parent(a, by_code, report)
    roots = [a for a in areas if not a.parent]
    if areas and len(roots) != 1:
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
    if not areas:
        add(Problem("areas_missing", "Chưa có khu vực hành chính nào", "areas", 2, "code"))
    for a in _cycle_members(areas):
        add(
            Problem(
                "area_cycle",
                f"Khu vực «{a.code}» nằm trong một vòng lặp khu vực cha",
                "areas",
                a.row,
                "parent",
            )
        )


def _check_parent(a: AreaDef, by_code: dict[str, AreaDef], report: Report) -> None:
    """The parent exists, is not the area itself and lies on a higher level."""
    if a.parent not in by_code:
        report("unknown_code", f"Không có khu vực hành chính mã «{a.parent}»", "parent")
    elif a.parent == a.code:
        report("area_cycle", f"Khu vực «{a.code}» là cha của chính nó", "parent")
    else:
        parent = by_code[a.parent]
        if (
            a.level in LEVEL_RANK
            and parent.level in LEVEL_RANK
            and LEVEL_RANK[a.level] <= LEVEL_RANK[parent.level]
        ):
            report(
                "level_order",
                f"Khu vực cấp «{a.level}» không thể trực thuộc khu vực cấp «{parent.level}» ({parent.code})",
                "level",
            )


def check_voting_areas(setup: Setup, add: Add) -> Membership:
    """Each voting area's place and units, then each unit's voting areas; where each votes."""
    areas = {a.code for a in setup.areas if a.code}
    has_children = {a.parent for a in setup.areas if a.parent and a.parent != a.code}
    contests = {c.code for c in setup.contests if c.code}
    units = {u.code: u for u in setup.units if u.code}
    membership: Membership = {}
    unit_members: dict[str, list[VotingAreaDef]] = defaultdict(list)
    for v in setup.voting_areas:
        report = reporter(add, "voting_areas", v.row)
        if not v.name:
            report("required", "Thiếu tên khu vực bỏ phiếu", "name")
        if v.area not in areas:
            report("unknown_code", f"Không có khu vực hành chính mã «{v.area or ''}»", "area")
        elif v.area in has_children:
            report(
                "area_not_lowest",
                f"Khu vực bỏ phiếu phải thuộc một đơn vị hành chính cấp xã (xã, phường, thị trấn, đặc khu); «{v.area}» còn có khu vực cấp dưới",
                "area",
            )
        _join_units(v, contests, units, membership, unit_members, report)
    parent_of = {a.code: a.parent for a in setup.areas if a.code}
    level_of = {a.code: a.level for a in setup.areas if a.code}
    for u in setup.units:
        members = unit_members.get(u.code or "", [])
        _check_unit_members(u, members, parent_of, level_of, reporter(add, "units", u.row))
    return membership


def _join_units(
    v: VotingAreaDef,
    contests: set[str],
    units: dict[str, UnitDef],
    membership: Membership,
    unit_members: dict[str, list[VotingAreaDef]],
    report: Report,
) -> None:
    """Add ``v`` to the unit it names for each contest, if that unit can take it."""
    for contest, unit_code in v.units.items():
        unit = units.get(unit_code)
        if contest not in contests:
            report("unknown_code", f"Không có cấp bầu cử mã «{contest}»", contest)
            continue
        if unit is None:
            report("unknown_code", f"Không có đơn vị bầu cử mã «{unit_code}»", contest)
            continue
        if unit.contest != contest:
            report(
                "unit_wrong_contest",
                f"Đơn vị bầu cử «{unit_code}» thuộc cấp {unit.contest}, không phải {contest}",
                contest,
            )
            continue
        if v.code:
            # A voting area listed twice keeps its first unit; a second, different one is wrong.
            seen = membership.get((v.code, contest))
            if seen is not None and seen[0] != unit_code:
                report(
                    "voting_area_two_units",
                    f"Khu vực bỏ phiếu «{v.code}» thuộc hai đơn vị bầu cử cấp {contest}: «{seen[0]}» và «{unit_code}»",
                    contest,
                )
                continue
            membership[(v.code, contest)] = (unit_code, v)
        unit_members[unit_code].append(v)


def _check_unit_members(
    u: UnitDef,
    members: list[VotingAreaDef],
    parent_of: dict[str, str | None],
    level_of: dict[str, str | None],
    report: Report,
) -> None:
    """A unit has voting areas, and a council unit stays inside its commune or district."""
    if u.code and not members:
        report("unit_empty", f"Đơn vị bầu cử «{u.code}» chưa có khu vực bỏ phiếu nào", "code")
    # A commune's People's Council unit lies inside its commune, a district's inside its district.
    if u.contest in ("HDND_XA", "HDND_HUYEN") and members:
        up = 0 if u.contest == "HDND_XA" else 1
        homes = {
            m.area if up == 0 else _district_of(m.area, parent_of, level_of)
            for m in members
            if m.area in parent_of
        }
        if len(homes) > 1:
            report(
                "unit_spans_areas",
                f"Đơn vị bầu cử «{u.code}» ({u.contest}) gồm khu vực bỏ phiếu của nhiều "
                + ("xã, phường" if up == 0 else "quận, huyện")
                + ": "
                + ", ".join(sorted(h or "" for h in homes)),
                "code",
            )


def check_voters(setup: Setup, membership: Membership, add: Add) -> None:
    """Voter counts: a known voting area in a contest it takes part in, once each."""
    contests = {c.code for c in setup.contests if c.code}
    seen_counts: set[tuple[str, str]] = set()
    voting_area_codes = {v.code for v in setup.voting_areas if v.code}
    for c in setup.voters:
        report = reporter(add, "voters", c.row)
        if c.voters is None or c.voters < 0:
            report("count_invalid", "Số cử tri phải là số nguyên không âm", "voters")
        if c.voting_area not in voting_area_codes:
            report(
                "unknown_code",
                f"Không có khu vực bỏ phiếu mã «{c.voting_area or ''}»",
                "voting_area",
            )
            continue
        if c.contest not in contests:
            report("unknown_code", f"Không có cấp bầu cử mã «{c.contest or ''}»", "contest")
            continue
        if (c.voting_area, c.contest) not in membership:
            report(
                "not_in_contest",
                f"Khu vực bỏ phiếu «{c.voting_area}» không tham gia cấp bầu cử {c.contest}",
                "contest",
            )
        key = (c.voting_area, c.contest)
        if key in seen_counts:
            report(
                "duplicate",
                f"Số cử tri của khu vực «{c.voting_area}», cấp {c.contest} bị khai hai lần",
                "voting_area",
            )
        seen_counts.add(key)


def _cycle_members(areas: list[AreaDef]) -> list[AreaDef]:
    """Areas whose chain of parents loops (a self-parent is reported separately)."""
    parent = {a.code: a.parent for a in areas if a.code}
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = done
    looping: set[str] = set()
    for start in parent:
        walk = []
        node: str | None = start
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
