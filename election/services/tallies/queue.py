"""The reviewer's queue (issue #20, CONTRACT §6.6): every record in the caller's scope, the
true count, pages, and filters by status, contest, area, warnings and voting-area code or name.

Records with warnings come first, then the oldest; the order is the database's, so a page
is one query whatever the scope holds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Select, String, case, cast, func, or_, select
from sqlalchemy.orm import Session

from election.domain.errors import Forbidden, InvalidInput, NotFound
from election.models.contests import Contest
from election.models.geography import Area, VotingArea
from election.models.tallies import TallyRecord, TallyVersion
from election.models.users import User
from election.services import scope
from election.services.tallies import keying
from election.services.tallies.read import QueueItem, blind_ids

PER_PAGE = 50
STATUSES = ("submitted", "returned", "verified")
MAX_SEARCH = 60


@dataclass(frozen=True)
class QueueFilter:
    status: str | None = "submitted"  # None: every status
    contest: str | None = None
    area: str | None = None  # an area code inside the caller's scope
    warnings_only: bool = False
    search: str | None = None  # part of a voting area's code or name


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    total: int  # records matching the filter in the caller's scope, on every page
    page: int
    pages: int
    per_page: int

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * self.per_page, self.total)


def queue(
    session: Session, user: User, chosen: QueueFilter, page: int = 1, per_page: int = PER_PAGE
) -> QueuePage:
    """One page of the records matching ``chosen`` in the user's scope, and how many in all."""
    query = _filtered(session, user, chosen)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    if page < 1 or page > pages:
        raise InvalidInput(f"Trang không hợp lệ: có {pages} trang", {"page": [f"Từ 1 đến {pages}"]})
    has_warnings = case((cast(TallyVersion.warnings, String).in_(("[]", "null")), 1), else_=0)
    rows = session.execute(
        query.with_only_columns(
            TallyRecord.id,
            VotingArea.code,
            VotingArea.name,
            Area.name,
            Contest.code,
            TallyRecord.status,
            TallyRecord.current_version,
            TallyVersion.warnings,
            TallyRecord.updated_at,
            User.username,
        )
        .order_by(has_warnings, TallyRecord.updated_at, TallyRecord.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    items = [QueueItem(*row) for row in rows]
    found = keying.quality(session, [(i.id, i.version) for i in items])
    blind = blind_ids(session, user, found) if keying.required(session) else set()
    shown = [replace(i, quality=found[i.id], blind=i.id in blind) for i in items]
    return QueuePage(shown, total, page, pages, per_page)


def _filtered(session: Session, user: User, chosen: QueueFilter) -> Select:
    query = (
        scope.current_records(TallyRecord.id)
        .join(Area, Area.id == VotingArea.area_id)
        .join(User, User.id == TallyVersion.actor_id)
    )
    if chosen.status is not None:
        if chosen.status not in STATUSES:
            raise InvalidInput("Trạng thái lọc không hợp lệ", {"status": ["Không hợp lệ"]})
        query = query.where(TallyRecord.status == chosen.status)
    if chosen.contest:
        if session.scalar(select(Contest.id).where(Contest.code == chosen.contest)) is None:
            raise InvalidInput(
                f"Không có cấp bầu cử mã «{chosen.contest}»", {"contest": ["Mã không tồn tại"]}
            )
        query = query.where(Contest.code == chosen.contest)
    if chosen.area:
        area = session.scalar(select(Area).where(Area.code == chosen.area))
        if area is None:
            raise NotFound(
                f"Không có khu vực hành chính mã «{chosen.area}»", {"area": ["Mã không tồn tại"]}
            )
        if not scope.area_inside(user, area):
            raise Forbidden("Khu vực này nằm ngoài phạm vi của bạn")
        query = query.where(Area.path.startswith(area.path, autoescape=True))
    if chosen.warnings_only:
        query = query.where(cast(TallyVersion.warnings, String).not_in(("[]", "null")))
    if chosen.search:
        text = chosen.search.strip()
        if len(text) > MAX_SEARCH:
            raise InvalidInput("Từ khóa quá dài", {"q": [f"Tối đa {MAX_SEARCH} ký tự"]})
        literal = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{literal}%"
        query = query.where(
            or_(
                VotingArea.code.ilike(pattern, escape="\\"),
                VotingArea.name.ilike(pattern, escape="\\"),
            )
        )
    return scope.records_inside(query, user)
