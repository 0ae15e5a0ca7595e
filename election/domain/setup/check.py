"""``check_setup``: every problem of an election definition, sheet by sheet.

The same shapes come from a setup workbook, from the demo generator and from
an existing database (for export), so every path is checked by one function.
Each sheet's codes are checked first (present, not repeated), then its own rules;
rules that need another sheet only read it, never report on it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable

from election.domain.contests import CONTEST_CODES
from election.domain.problems import Add, Problem, Report, reporter
from election.domain.setup import definition as defs
from election.domain.setup.geography import check_areas, check_voters, check_voting_areas

Coded = defs.AreaDef | defs.ContestDef | defs.UnitDef | defs.CandidateDef | defs.VotingAreaDef


def check_setup(setup: defs.Setup) -> list[Problem]:
    """Every problem of a definition, in sheet order."""
    problems: list[Problem] = []
    add = problems.append
    _check_election(setup.election, add)
    _check_codes(setup.areas, "areas", "khu vực hành chính", add)
    check_areas(setup.areas, add)
    _check_codes(setup.contests, "contests", "cấp bầu cử", add)
    _check_contests(setup, add)
    _check_codes(setup.units, "units", "đơn vị bầu cử", add)
    _check_units(setup, add)
    _check_codes(setup.candidates, "candidates", "người ứng cử", add)
    _check_candidates(setup, add)
    _check_codes(setup.voting_areas, "voting_areas", "khu vực bỏ phiếu", add)
    membership = check_voting_areas(setup, add)
    check_voters(setup, membership, add)
    return problems


def _check_codes(items: Iterable[Coded], sheet: str, what: str, add: Add) -> None:
    seen: dict[str, int] = {}
    for item in items:
        report = reporter(add, sheet, item.row)
        if not item.code:
            report("required", f"Thiếu mã {what}", "code")
            continue
        if item.code in seen:
            report(
                "duplicate_code",
                f"Mã {what} «{item.code}» bị trùng (đã có ở dòng {seen[item.code]})",
                "code",
            )
        else:
            seen[item.code] = item.row


def _check_election(election: defs.ElectionDef | None, add: Add) -> None:
    if election is None:
        add(Problem("election_missing", "Thiếu dòng thông tin cuộc bầu cử", "election", 2, "name"))
        return
    report = reporter(add, "election", election.row)
    if not election.name:
        report("required", "Thiếu tên cuộc bầu cử", "name")
    if election.date is None:
        report("required", "Thiếu ngày bầu cử", "date")
    if election.form_set not in defs.FORM_SETS:
        report(
            "form_set_unknown",
            f"Bộ biểu mẫu «{election.form_set or ''}» không hợp lệ; chọn 2021 hoặc 2026",
            "form_set",
        )
    if election.second_keying not in (None, *defs.SECOND_KEYING):
        report(
            "second_keying_unknown",
            f"Nhập lại đối chiếu «{election.second_keying}» không hợp lệ; chọn off hoặc required",
            "second_keying",
        )


def _check_contests(setup: defs.Setup, add: Add) -> None:
    form_set = setup.election.form_set if setup.election is not None else None
    for c in setup.contests:
        report = reporter(add, "contests", c.row)
        if c.code and c.code not in CONTEST_CODES:
            report(
                "contest_unknown",
                f"Cấp bầu cử «{c.code}» không hợp lệ; dùng một trong: " + ", ".join(CONTEST_CODES),
                "code",
            )
        # No districts since 1 July 2025 (domain.md §1): 2026 elects no district councils.
        if c.code == "HDND_HUYEN" and form_set == "2026":
            report("contest_abolished", "Năm 2026 không còn bầu cử HĐND cấp huyện", "code")
        if not c.name:
            report("required", "Thiếu tên cấp bầu cử", "name")


def _check_units(setup: defs.Setup, add: Add) -> None:
    contests = {c.code for c in setup.contests if c.code}
    for u in setup.units:
        report = reporter(add, "units", u.row)
        if u.contest not in contests:
            report("unknown_code", f"Không có cấp bầu cử mã «{u.contest or ''}»", "contest")
        if not u.name:
            report("required", "Thiếu tên đơn vị bầu cử", "name")
        if u.seats is None:
            report("required", "Thiếu số đại biểu được bầu", "seats")
        else:
            limit = defs.MAX_SEATS.get(u.contest or "", 5)
            if not 1 <= u.seats <= limit:
                report(
                    "seats_range",
                    f"Số đại biểu được bầu của đơn vị «{u.code}» phải từ 1 đến {limit} (đang là {u.seats})",
                    "seats",
                )


def _check_candidates(setup: defs.Setup, add: Add) -> None:
    """Each candidate's row, then each unit's ballot order and its number of candidates."""
    units = {u.code for u in setup.units if u.code}
    election_date = setup.election.date if setup.election is not None else None
    per_unit: dict[str, list[defs.CandidateDef]] = defaultdict(list)
    for c in setup.candidates:
        report = reporter(add, "candidates", c.row)
        if c.unit not in units:
            report("unknown_code", f"Không có đơn vị bầu cử mã «{c.unit or ''}»", "unit")
        else:
            per_unit[c.unit].append(c)
        _check_candidate(c, election_date, report)
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
        need = defs.minimum_candidates(u.contest, u.seats)
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


def _check_candidate(c: defs.CandidateDef, election_date: dt.date | None, report: Report) -> None:
    """One candidate's own fields: ballot order, name, age on election day, gender."""
    if c.order is None or c.order < 1:
        report("order_invalid", "Thứ tự trên phiếu bầu phải là số nguyên dương", "order")
    if not c.full_name:
        report("required", "Thiếu họ và tên người ứng cử", "full_name")
    if c.date_of_birth is None:
        report(
            "date_invalid",
            "Thiếu ngày sinh hoặc ngày sinh không hợp lệ (YYYY-MM-DD)",
            "date_of_birth",
        )
    elif (
        election_date is not None
        and defs.age_on(c.date_of_birth, election_date) < defs.MIN_CANDIDATE_AGE
    ):
        report(
            "candidate_too_young",
            f"Người ứng cử {c.full_name or c.code} chưa đủ {defs.MIN_CANDIDATE_AGE} tuổi vào ngày bầu cử",
            "date_of_birth",
        )
    if c.gender not in defs.GENDERS:
        report(
            "gender_invalid",
            f"Giới tính «{c.gender or ''}» không hợp lệ; dùng Nam hoặc Nữ",
            "gender",
        )
