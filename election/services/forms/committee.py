"""Values of the committees' records: the city's ĐBQH record, a council's summary, the statistics."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from election.domain import results as algebra
from election.domain import winners as law
from election.domain.numbers import percent
from election.domain.rounds import UnitCourse
from election.models.contests import Contest, Unit, UnitVotingArea
from election.models.geography import Area, VotingArea
from election.models.results import ResultTotal
from election.models.tallies import TallyRecord, TallyVersion
from election.services import results
from election.services.certification import read as certification
from election.services.forms.common import (
    Basics,
    complaints_text,
    council_area,
    council_depth,
    figures,
    lower_first,
    member_names,
    members,
    number_of,
)

LEVELS = {"HDND_TINH": "Cấp tỉnh", "HDND_HUYEN": "Cấp huyện", "HDND_XA": "Cấp xã"}
MISSING = (
    "Các cột để trống là những thông tin hệ thống không lưu trữ nên không thể thống kê: "
    "số đơn vị và khu vực bỏ phiếu bị hủy kết quả bầu cử; dân tộc, tôn giáo, đảng viên, "
    "tái cử, tự ứng cử, trình độ chuyên môn, trình độ lý luận chính trị và nơi công tác "
    "của người trúng cử. Số nữ và số người trẻ tuổi (dưới 40 tuổi vào ngày bầu cử) được "
    "tính từ danh sách người ứng cử. Số đơn vị, khu vực phải bầu cử lại hoặc bầu cử thêm gồm cả "
    "nơi kết quả đã đòi hỏi mà chưa mở vòng bầu cử đó; đơn vị có đúng một nửa số cử tri đi "
    "bầu (chưa quá một nửa) không thuộc cột «dưới 50%» nhưng được tính vào số đơn vị phải bầu "
    "cử lại."
)


class _Unit:
    """A unit of the committee's contest with its rounds, as the tables need it."""

    def __init__(self, session: Session, base: Basics, unit: Unit, no: int) -> None:
        self.unit = unit
        self.no = no
        self.rounds, self.course = results.course_of(session, unit)
        council = council_area(session, unit, base.deepest)
        self.parts = members(session, unit, council, base.deepest)
        self.council = council

    def head(self) -> dict[str, Any]:
        return {
            "no": self.no,
            "unit_no": number_of(self.unit.name),
            "unit_name": self.unit.name,
            "members": member_names(self.parts),
        }

    def first(self) -> results.RoundResult:
        return self.rounds[0]

    def of_kind(self, kind: str) -> results.RoundResult | None:
        found = [r for r in self.rounds if r.kind == kind]
        return found[-1] if found else None

    def deciding(self) -> results.RoundResult:
        """The round whose votes the city record lists: a re-election replaces the first."""
        return self.of_kind(law.RE_ELECTION) or self.first()

    def needs(self, kind: str) -> bool:
        """The unit held a round of ``kind``, or a complete round calls for one (§6.6)."""
        return _needs(self.rounds, kind)

    def elected(self) -> list[str]:
        """Every round's winners, each once (domain.md §6.5)."""
        return list(self.course.elected)

    @property
    def final(self) -> bool:
        """Every round complete and verified."""
        return all(r.fully_verified for r in self.rounds)


def committee_record(
    session: Session, base: Basics, contest: Contest, council: Area
) -> dict[str, Any]:
    """Form D (the city, ĐBQH) or F (a council's summary): every unit of the contest in ``council``."""
    units = [
        _Unit(session, base, unit, no)
        for no, unit in enumerate(_units_in(session, contest, council), 1)
    ]
    reelected = [u for u in units if u.of_kind(law.RE_ELECTION)]
    added = [u for u in units if u.of_kind(law.ADDITIONAL)]
    # Named in the record as soon as the law calls for the round, opened or not; the tables
    # hold the figures of the rounds held.
    reelect_due = [u for u in units if u.needs(law.RE_ELECTION)]
    add_due = [u for u in units if u.needs(law.ADDITIONAL)]
    cert = certification.area_certified(session, council.id, contest.id)
    return {
        **base.values(),
        "council": lower_first(council.name),
        "council_name": council.name,
        "term_no": None,
        "seats": sum(u.unit.seats for u in units),
        "candidates_count": sum(len(u.unit.candidates) for u in units),
        "units": [_figures_row(u, u.first()) for u in units],
        "units_total": _total([u.first().result for u in units]),
        "reelection_units": [_figures_row(u, u.of_kind(law.RE_ELECTION)) for u in reelected],
        "reelection_total": _total([u.of_kind(law.RE_ELECTION).result for u in reelected]),
        "reelection_list": _names(reelect_due),
        "unit_candidates": [_candidates_row(u, u.deciding(), all_=True) for u in units],
        "unit_winners": [_winner_rows(u, (law.FIRST, law.RE_ELECTION)) for u in units],
        "additional_units": [_figures_row(u, u.of_kind(law.ADDITIONAL)) for u in added],
        "additional_total": _total([u.of_kind(law.ADDITIONAL).result for u in added]),
        "additional_list": _names(add_due),
        "additional_candidates": [
            _candidates_row(u, u.of_kind(law.ADDITIONAL), all_=True) for u in added
        ],
        "additional_winners": [_winner_rows(u, law.ROUNDS) for u in added],
        "has_reelection": bool(reelect_due),
        "has_additional": bool(add_due),
        "incidents": None,
        "complaints_boards": complaints_text(session, [u.unit.id for u in units], None),
        "recipients": _recipients(contest, base.form_set.name),
        "reported": sum(u.first().result.voting_areas_reported for u in units),
        "voting_areas": sum(u.first().result.voting_areas_total for u in units),
        "verified": sum(u.first().verified for u in units),
        # Final only once the result over this area is certified, and still valid (#17).
        "provisional": cert is None,
        "certification": certification.line(cert) if cert else None,
        "certification_id": cert.id if cert else None,
    }


def _recipients(contest: Contest, form_set: str) -> str | None:
    """Footnote (10) of form F: where a council level's summary record goes."""
    if contest.code == "HDND_TINH":
        return (
            "Hội đồng nhân dân, Ủy ban nhân dân, Ban Thường trực Ủy ban Mặt trận Tổ quốc "
            "Việt Nam cùng cấp, Ủy ban Thường vụ Quốc hội, Chính phủ, Ủy ban Trung ương "
            "Mặt trận Tổ quốc Việt Nam"
        )
    if form_set == "2021":
        return (
            "Hội đồng nhân dân, Ủy ban nhân dân, Ban Thường trực Ủy ban Mặt trận Tổ quốc "
            "Việt Nam cùng cấp và cấp trên trực tiếp"
        )
    return (
        "Hội đồng nhân dân, Ủy ban nhân dân, Ban thường trực Ủy ban Mặt trận Tổ quốc "
        "Việt Nam cùng cấp và tỉnh, thành phố"
    )


def _units_in(session: Session, contest: Contest, council: Area) -> list[Unit]:
    inside = (
        select(UnitVotingArea.unit_id)
        .join(VotingArea, VotingArea.id == UnitVotingArea.voting_area_id)
        .join(Area, Area.id == VotingArea.area_id)
        .where(UnitVotingArea.contest_id == contest.id)
        .where(Area.path.startswith(council.path, autoescape=True))
    )
    return list(session.scalars(select(Unit).where(Unit.id.in_(inside)).order_by(Unit.id)).all())


def _figures_row(u: _Unit, round_: results.RoundResult | None) -> dict[str, Any]:
    assert round_ is not None
    return {**u.head(), **figures(round_.result), "note": None}


def _total(parts: list[algebra.Result]) -> dict[str, Any]:
    """Summed counts, with the percentages recomputed from the sums (forms-spec §1.4)."""
    if not parts:
        return {}
    return figures(algebra.combine([replace(p, votes=()) for p in parts], candidates=[]))


def _names(units: list[_Unit]) -> str:
    return ", ".join(u.unit.name for u in units) or "Không có"


def _candidates_row(u: _Unit, round_: results.RoundResult | None, all_: bool) -> dict[str, Any]:
    assert round_ is not None
    outcome = round_.outcome
    by_code = {c.code: c for c in outcome.candidates}
    chosen = outcome.candidates if all_ else [by_code[code] for code in outcome.elected]
    return {
        **u.head(),
        "candidates": [{"name": c.name, "votes": c.votes, "pct": c.pct_of_valid} for c in chosen],
    }


def _winner_rows(u: _Unit, kinds: tuple[str, ...]) -> dict[str, Any]:
    """The unit's winners in rounds of ``kinds``, each once, earliest round first.

    A later round only fills the seats still open: the winners of the rounds before it
    stay elected and are listed with the votes of the round that elected them.
    """
    rows, seen = [], set()
    for round_ in u.rounds:
        if round_.kind not in kinds:
            continue
        by_code = {c.code: c for c in round_.outcome.candidates}
        for code in round_.outcome.elected:
            if code not in seen:
                seen.add(code)
                rows.append(by_code[code])
    return {
        **u.head(),
        "candidates": [{"name": c.name, "votes": c.votes, "pct": c.pct_of_valid} for c in rows],
    }


# -- the statistics of the whole election (forms G and H) ------------------------------------


def statistics(session: Session, base: Basics) -> dict[str, Any]:
    """Forms G/H: every contest's figures, units and voting areas; winners by gender and age."""
    contests = list(session.scalars(select(Contest).order_by(Contest.id)))
    rows: list[dict[str, Any]] = []
    section3: list[dict[str, Any]] = []
    section4: list[dict[str, Any]] = []
    parts: list[algebra.Result] = []
    complete = True
    qh: dict[str, Any] = {}
    level_no = 0
    for contest in contests:
        row, people, result, _done = _contest_row(session, base, contest)
        # Official once every contest's result is certified over every council (#17).
        complete = complete and certification.contest_certified(session, contest.id)
        parts.append(result)
        if contest.code == "QH":
            rows.append({**row, "no": "I", "level": "ĐẠI BIỂU QUỐC HỘI"})
            qh = people
            continue
        if level_no == 0:
            rows.append({"no": "II", "label": "ĐẠI BIỂU HỘI ĐỒNG NHÂN DÂN"})
        level_no += 1
        level = LEVELS.get(contest.code, contest.name)
        rows.append({**row, "no": str(level_no), "level": level})
        section3.append({"no": str(level_no), "level": level, **people})
        section4.append({"no": str(level_no), "level": level, "elected": people["elected"]})
    total = _total(parts)
    summed = {
        key: sum(r.get(key) or 0 for r in rows if "label" not in r)
        for key in (
            "units",
            "single_area_units",
            "low_turnout_units",
            "reelection_units",
            "additional_units",
            "short_units",
            "areas",
            "low_turnout_areas",
            "reelection_areas",
            "additional_areas",
        )
    }
    return {
        **base.values(),
        "stage": "CHÍNH THỨC" if complete else "SƠ BỘ",
        "stage_key": "official" if complete else "preliminary",
        "provisional": not complete,
        "section1": rows,
        "section1_total": {
            **summed,
            **total,
            "level": "Tổng cộng",
            "received_pct": percent(total.get("received", 0), total.get("issued", 0)),
            "valid_pct": percent(total.get("valid", 0), total.get("received", 0)),
            "voided_units": None,
            "voided_areas": None,
        },
        "section2": [qh] if qh else [],
        "section3": section3,
        "section4": section4,
        "missing_note": MISSING,
    }


def _contest_row(
    session: Session, base: Basics, contest: Contest
) -> tuple[dict[str, Any], dict[str, Any], algebra.Result, bool]:
    units = list(
        session.scalars(select(Unit).where(Unit.contest_id == contest.id).order_by(Unit.id))
    )
    sizes = dict(
        session.execute(
            select(UnitVotingArea.unit_id, func.count())
            .where(UnitVotingArea.contest_id == contest.id)
            .group_by(UnitVotingArea.unit_id)
        ).all()
    )
    courses = {u.id: results.course_of(session, u) for u in units}
    rounds = {u.id: courses[u.id][0] for u in units}
    reelect = [u for u in units if _needs(rounds[u.id], law.RE_ELECTION)]
    added = [u for u in units if _needs(rounds[u.id], law.ADDITIONAL)]
    elected = [(u, code) for u in units for code in courses[u.id][1].elected]
    total = session.get(ResultTotal, ("area", base.root.id, contest.id, 1))
    result = results.result_of(total)
    shares = figures(result)
    low_areas = session.scalar(
        select(func.count())
        .select_from(TallyRecord)
        .join(
            TallyVersion,
            (TallyVersion.record_id == TallyRecord.id)
            & (TallyVersion.version == TallyRecord.current_version),
        )
        .where(TallyRecord.contest_id == contest.id, TallyRecord.round_no == 1)
        .where(TallyVersion.voters_voted * 2 < TallyVersion.voters_on_roll)
    )
    verified = total.verified if total else 0
    areas = sum(sizes.values())
    row = {
        **shares,
        "units": len(units),
        "single_area_units": sum(1 for u in units if sizes.get(u.id, 0) == 1),
        "low_turnout_units": sum(1 for u in units if _low(rounds[u.id][0].result)),
        "voided_units": None,
        "reelection_units": len(reelect),
        "additional_units": len(added),
        "short_units": sum(1 for u in units if _short(contest, u, courses[u.id])),
        "areas": areas,
        "low_turnout_areas": low_areas or 0,
        "voided_areas": None,
        "reelection_areas": sum(sizes.get(u.id, 0) for u in reelect),
        "additional_areas": sum(sizes.get(u.id, 0) for u in added),
        "received_pct": percent(result.ballots_received, result.ballots_issued),
        "valid_pct": percent(result.ballots_valid, result.ballots_received),
    }
    people = _people(session, base.election.date, units, elected)
    # Final only when every round of every unit is complete and verified (domain.md §6.6).
    later = all(r.fully_verified for rs in rounds.values() for r in rs)
    return row, people, result, areas > 0 and verified == areas and later


def _needs(rounds: list[results.RoundResult], kind: str) -> bool:
    """A round of ``kind`` was held, or a complete round calls for one not opened yet.

    A unit at exactly half turnout is void ("chưa đạt quá một nửa"): it counts here with the
    units to re-elect, though not in the "dưới 50%" column (MISSING says so on the form).
    """
    if any(r.kind == kind for r in rounds):
        return True
    if kind == law.RE_ELECTION:
        return any(r.outcome.re_election for r in rounds)
    return any(r.outcome.additional_election for r in rounds)


def _low(result: algebra.Result) -> bool:
    return result.voting_areas_reported > 0 and result.voters_voted * 2 < result.voters_on_roll


def _short(
    contest: Contest, unit: Unit, judged: tuple[list[results.RoundResult], UnitCourse]
) -> bool:
    """Form H's footnote (*): ĐBQH fewer than the seats, HĐND fewer than two thirds of them."""
    rounds, course = judged
    if not rounds[-1].complete:
        return False  # nothing is concluded from partial data (domain.md §6.6)
    filled = len(course.elected)
    if contest.code == "QH":
        return filled < unit.seats
    return filled * 3 < unit.seats * 2


def _people(
    session: Session, day: dt.date, units: list[Unit], elected: list[tuple[Unit, str]]
) -> dict[str, Any]:
    """Sections II/III: seats, elected, women and under-40s among the elected."""
    by_code = {c.code: c for u in units for c in u.candidates}
    people = [by_code[code] for _u, code in elected]
    women = sum(1 for c in people if c.gender == "Nữ")
    young = sum(1 for c in people if _age(c.date_of_birth, day) < 40)
    return {
        "seats": sum(u.seats for u in units),
        "elected": len(people),
        "women": women,
        "women_pct": percent(women, len(people)),
        "young": young,
        "young_pct": percent(young, len(people)),
    }


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def council_of(session: Session, base: Basics, contest: Contest, area: Area) -> bool:
    """Whether ``area`` holds a council for ``contest`` (the city for ĐBQH and HĐND tỉnh)."""
    return len(area.path.strip("/").split("/")) - 1 == council_depth(contest, base.deepest)
