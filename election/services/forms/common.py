"""What every form's values share: the election, the city, names and unit composition."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import forms
from election.domain import results as algebra
from election.domain.errors import NotFound
from election.models import Area, AreaLevel, Contest, Election, Unit, UnitVotingArea, VotingArea

# The council's area for each contest: its depth in the area tree (the commune level is the deepest).
COUNCIL_DEPTH = {"QH": 0, "HDND_TINH": 0, "HDND_HUYEN": 1}

_NUMBER = re.compile(r"\bsố\s+(\d+[A-Za-z]?)\b")


@dataclass(frozen=True)
class Basics:
    """The election and its city, as printed on every form."""

    election: Election
    root: Area
    form_set: forms.FormSet
    deepest: int  # depth of the commune level

    def values(self) -> dict[str, Any]:
        day = self.election.date
        return {
            "khoa": self.form_set.khoa,
            "term": self.form_set.term,
            "year": f"{day.year}",
            "province": strip_level(self.root),
            "province_full": lower_first(self.root.name),
            "dd": f"{day.day:02d}",
            "mm": f"{day.month:02d}",
            "yyyy": f"{day.year}",
            "place": None,
        }


def basics(session: Session) -> Basics:
    election = session.scalars(select(Election)).first()
    root = session.scalar(select(Area).where(Area.parent_id.is_(None)))
    if election is None or root is None:
        raise NotFound("Chưa có cuộc bầu cử nào được thiết lập")
    deepest = session.scalar(select(func.max(AreaLevel.depth))) or 0
    return Basics(election, root, forms.form_sets()[election.form_set], deepest)


def number_of(name: str) -> str:
    """ "Đơn vị bầu cử số 3" → "3"; a name without a number is printed whole."""
    match = _NUMBER.search(name)
    return match.group(1) if match else name


def lower_first(name: str) -> str:
    """ "Thành phố Hải Phòng" → "thành phố Hải Phòng", as inside a sentence."""
    return name[:1].lower() + name[1:]


def strip_level(area: Area) -> str:
    """ "Thành phố Hải Phòng" → "Hải Phòng" when the name starts with its level's name."""
    prefix = area.level.name.split(",")[0].strip()
    if area.name.lower().startswith(prefix.lower() + " "):
        return area.name[len(prefix) + 1 :]
    return area.name


def ancestor_codes(path: str) -> list[str]:
    """ "/HP/HP01/HP01-01/" → ["HP", "HP01", "HP01-01"]: the area and its ancestors, root first."""
    return [part for part in path.strip("/").split("/") if part]


def council_depth(contest: Contest, deepest: int) -> int:
    return COUNCIL_DEPTH.get(contest.code, deepest)


def council_area(session: Session, unit: Unit, deepest: int) -> Area:
    """The area whose council (or, for the National Assembly, the city) the unit elects for."""
    va = session.scalars(
        select(VotingArea)
        .join(UnitVotingArea, UnitVotingArea.voting_area_id == VotingArea.id)
        .where(UnitVotingArea.unit_id == unit.id)
        .limit(1)
    ).first()
    if va is None:
        raise NotFound(f"Đơn vị bầu cử «{unit.name}» chưa có khu vực bỏ phiếu nào")
    codes = ancestor_codes(va.area.path)
    depth = min(council_depth(unit.contest, deepest), len(codes) - 1)
    area = session.scalar(select(Area).where(Area.code == codes[depth]))
    assert area is not None
    return area


@dataclass(frozen=True)
class Member:
    """A part of a unit (a district, a commune or a voting area) and its voting areas."""

    code: str | None
    name: str
    voting_areas: int


def members(session: Session, unit: Unit, council: Area, deepest: int) -> list[Member]:
    """The unit's parts one level below its council: districts, communes, or voting areas."""
    rows = session.execute(
        select(VotingArea.id, VotingArea.name, Area.path)
        .join(UnitVotingArea, UnitVotingArea.voting_area_id == VotingArea.id)
        .join(Area, Area.id == VotingArea.area_id)
        .where(UnitVotingArea.unit_id == unit.id)
        .order_by(VotingArea.id)
    ).all()
    depth = len(ancestor_codes(council.path))  # the level below the council
    if depth > deepest:
        return [Member(None, name, 1) for _id, name, _path in rows]
    counts: dict[str, int] = {}
    for _id, _name, path in rows:
        codes = ancestor_codes(path)
        part = codes[min(depth, len(codes) - 1)]  # an island district may have no wards
        counts[part] = counts.get(part, 0) + 1
    names = dict(session.execute(select(Area.code, Area.name).where(Area.code.in_(counts))).all())
    return [Member(code, names[code], n) for code, n in counts.items()]


def member_names(parts: list[Member]) -> str:
    return ", ".join(part.name for part in parts)


def figures(result: algebra.Result) -> dict[str, Any]:
    """A result's totals and percentages under the names the form definitions use."""
    shares = algebra.shares(result)
    return {
        "voters": result.voters_on_roll,
        "voted": result.voters_voted,
        "turnout_pct": shares.turnout_pct,
        "issued": result.ballots_issued,
        "received": result.ballots_received,
        "valid": result.ballots_valid,
        "valid_pct": shares.valid_pct,
        "invalid": result.ballots_invalid,
        "invalid_pct": shares.invalid_pct,
    }


def complaints_text(session: Session, unit_ids: list[int], round_no: int | None) -> str:
    """What the polling teams of these units recorded about complaints, as a sentence."""
    from election.models import TallyRecord, TallyVersion

    query = (
        select(
            func.coalesce(func.sum(TallyVersion.complaints_received), 0),
            func.coalesce(func.sum(TallyVersion.complaints_settled), 0),
            func.coalesce(func.sum(TallyVersion.complaints_forwarded), 0),
        )
        .select_from(TallyRecord)
        .join(
            TallyVersion,
            (TallyVersion.record_id == TallyRecord.id)
            & (TallyVersion.version == TallyRecord.current_version),
        )
        .join(
            UnitVotingArea,
            (UnitVotingArea.voting_area_id == TallyRecord.voting_area_id)
            & (UnitVotingArea.contest_id == TallyRecord.contest_id),
        )
        .where(UnitVotingArea.unit_id.in_(unit_ids))
    )
    if round_no is not None:
        query = query.where(TallyRecord.round_no == round_no)
    received, settled, forwarded = session.execute(query).one()
    if not received:
        return "Không có"
    text = f"Các Tổ bầu cử nhận {received} khiếu nại, tố cáo, đã giải quyết {settled}"
    if forwarded:
        text += f", chuyển lên Ban bầu cử {forwarded}"
    return text + "."
