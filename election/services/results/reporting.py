"""How far the count has come: voting areas reported and verified, per contest."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from election.domain.errors import Forbidden
from election.models import (
    Area,
    Contest,
    ResultTotal,
    User,
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


def backing(session: Session, area: Area, contest_id: int) -> Backing:
    """The area's first-round records of a contest with a photo, keyed, and matched."""
    row = session.execute(
        select(ResultTotal.with_photo, ResultTotal.keyed, ResultTotal.matched).where(
            *_first_round_of(area), ResultTotal.contest_id == contest_id
        )
    ).first()
    return Backing(*row) if row is not None else Backing()


def _first_round_of(area: Area) -> tuple[ColumnElement[bool], ...]:
    """The area's running totals of round 1, one row per contest."""
    return (
        ResultTotal.scope_kind == "area",
        ResultTotal.scope_id == area.id,
        ResultTotal.round_no == 1,
    )


def progress(session: Session, user: User, code: str | None) -> tuple[Area, list[Progress]]:
    """How many voting areas of an area have reported and been verified, per contest."""
    area = area_or_root(session, code)
    if not scope.area_inside(user, area):
        raise Forbidden("Khu vực này nằm ngoài phạm vi của bạn")
    rows = session.execute(
        select(Contest.code, ResultTotal)
        .join(ResultTotal, ResultTotal.contest_id == Contest.id)
        .where(*_first_round_of(area))
        .order_by(Contest.id)
    )
    return area, [
        Progress(
            code_,
            t.voting_areas_total,
            t.reported,
            t.verified,
            t.updated_at,
            t.with_photo,
            t.keyed,
            t.matched,
        )
        for code_, t in rows
    ]
