"""How far the count has come: voting areas reported and verified, per contest."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.domain.errors import Forbidden
from election.models import Area, Contest, ResultTotal, User
from election.services import scope
from election.services.results.areas import area_or_root


@dataclass(frozen=True)
class Progress:
    contest: str
    voting_areas_total: int
    reported: int
    verified: int
    updated_at: dt.datetime | None


def progress(session: Session, user: User, code: str | None) -> tuple[Area, list[Progress]]:
    """How many voting areas of an area have reported and been verified, per contest."""
    area = area_or_root(session, code)
    if not scope.area_inside(user, area):
        raise Forbidden("Khu vực này nằm ngoài phạm vi của bạn")
    rows = session.execute(
        select(Contest.code, ResultTotal)
        .join(ResultTotal, ResultTotal.contest_id == Contest.id)
        .where(
            ResultTotal.scope_kind == "area",
            ResultTotal.scope_id == area.id,
            ResultTotal.round_no == 1,
        )
        .order_by(Contest.id)
    )
    return area, [
        Progress(code_, t.voting_areas_total, t.reported, t.verified, t.updated_at)
        for code_, t in rows
    ]
