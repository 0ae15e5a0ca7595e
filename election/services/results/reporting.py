"""How far the count has come: voting areas reported and verified, per contest."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from election.domain.errors import Forbidden
from election.models import (
    Area,
    Contest,
    ResultTotal,
    TallyEvidence,
    TallyKeying,
    TallyRecord,
    User,
    VotingArea,
)
from election.services import scope
from election.services.results.areas import area_or_root


@dataclass(frozen=True)
class Progress:
    contest: str
    voting_areas_total: int
    reported: int
    verified: int
    updated_at: dt.datetime | None
    # Records (first round) backed by a photo, keyed a second time, and matched (issue #16).
    with_photo: int = 0
    keyed: int = 0
    matched: int = 0


@dataclass(frozen=True)
class Backing:
    with_photo: int = 0
    keyed: int = 0
    matched: int = 0


def backing(session: Session, area: Area) -> dict[int, Backing]:
    """Per contest id: the area's first-round records with a photo, keyed, and matched."""
    current = TallyKeying.version == TallyRecord.current_version
    keyed = (
        select(
            TallyKeying.record_id,
            func.max(case((TallyKeying.matches, 1), else_=0)).label("matched"),
        )
        .join(TallyRecord, (TallyRecord.id == TallyKeying.record_id) & current)
        .group_by(TallyKeying.record_id)
        .subquery()
    )
    photo = select(TallyEvidence.record_id).distinct().subquery()
    rows = session.execute(
        select(
            TallyRecord.contest_id,
            func.count(photo.c.record_id),
            func.count(keyed.c.record_id),
            func.coalesce(func.sum(keyed.c.matched), 0),
        )
        .join(VotingArea, VotingArea.id == TallyRecord.voting_area_id)
        .join(Area, Area.id == VotingArea.area_id)
        .outerjoin(photo, photo.c.record_id == TallyRecord.id)
        .outerjoin(keyed, keyed.c.record_id == TallyRecord.id)
        .where(TallyRecord.round_no == 1, Area.path.startswith(area.path, autoescape=True))
        .group_by(TallyRecord.contest_id)
    )
    return {contest_id: Backing(int(p), int(k), int(m)) for contest_id, p, k, m in rows}


def progress(session: Session, user: User, code: str | None) -> tuple[Area, list[Progress]]:
    """How many voting areas of an area have reported and been verified, per contest."""
    area = area_or_root(session, code)
    if not scope.area_inside(user, area):
        raise Forbidden("Khu vực này nằm ngoài phạm vi của bạn")
    backed = backing(session, area)
    rows = session.execute(
        select(Contest.id, Contest.code, ResultTotal)
        .join(ResultTotal, ResultTotal.contest_id == Contest.id)
        .where(
            ResultTotal.scope_kind == "area",
            ResultTotal.scope_id == area.id,
            ResultTotal.round_no == 1,
        )
        .order_by(Contest.id)
    )
    return area, [
        Progress(
            code_,
            t.voting_areas_total,
            t.reported,
            t.verified,
            t.updated_at,
            **vars(backed.get(contest_id, Backing())),
        )
        for contest_id, code_, t in rows
    ]
