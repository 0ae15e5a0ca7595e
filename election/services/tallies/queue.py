"""The reviewer's queue (issue #20, CONTRACT §6.6): every record in the caller's scope, the
true count, pages, and filters by status, contest, area, warnings and voting-area code or name.

Records with warnings come first, then the oldest; the order is the database's, so a page
is one query whatever the scope holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, Select, String, and_, case, cast, func, or_, select
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
# The filters as a query string carries them from the queue to a record and on to the next;
# not the page, which a decision moves.
KEYS = ("status", "contest", "area", "warnings", "q")


@dataclass(frozen=True)
class QueueFilter:
    status: str | None = "submitted"  # None: every status
    contest: str | None = None
    area: str | None = None  # an area code inside the caller's scope
    warnings_only: bool = False
    search: str | None = None  # part of a voting area's code or name

    @classmethod
    def of(cls, args: Mapping[str, str]) -> QueueFilter:
        """The filter a query string asks for; no status means the submitted records."""
        status = args.get("status", "submitted")
        if status not in (*STATUSES, "all"):
            raise InvalidInput("Trạng thái lọc không hợp lệ", {"status": ["Không hợp lệ"]})
        return cls(
            status=None if status == "all" else status,
            contest=args.get("contest") or None,
            area=args.get("area") or None,
            warnings_only=args.get("warnings") == "1",
            search=args.get("q") or None,
        )


def carried(args: Mapping[str, str]) -> dict[str, str]:
    """The filters of a query string, to carry in links from the queue to a record and on."""
    return {name: args[name] for name in KEYS if args.get(name)}


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
    total = _count(session, query)
    pages = max(1, -(-total // per_page))
    if page < 1 or page > pages:
        raise InvalidInput(f"Trang không hợp lệ: có {pages} trang", {"page": [f"Từ 1 đến {pages}"]})
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
        .order_by(*_order())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    items = [QueueItem(*row) for row in rows]
    found = keying.quality(session, [(i.id, i.version) for i in items])
    blind = blind_ids(session, user, found) if keying.required(session) else set()
    shown = [replace(i, quality=found[i.id], blind=i.id in blind) for i in items]
    return QueuePage(shown, total, page, pages, per_page)


Position = tuple[int, object, int]  # a record's place in the queue order


@dataclass(frozen=True)
class Spot:
    key: Position
    voting_area: str
    contest: str


def position(session: Session, user: User, record_id: int) -> Spot | None:
    """Where record ``record_id`` stands in the queue order, and its name; None if not seen."""
    query = scope.current_records(*_order(), VotingArea.code, Contest.code)
    row = session.execute(
        scope.records_inside(query.where(TallyRecord.id == record_id), user)
    ).first()
    return None if row is None else Spot((row[0], row[1], row[2]), row[3], row[4])


def waiting(session: Session, user: User) -> int:
    """How many records of the user's scope wait for verification (submitted, any filter)."""
    return _count(session, _filtered(session, user, QueueFilter()))


def _count(session: Session, query: Select) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def check(session: Session, user: User, chosen: QueueFilter) -> None:
    """Refuse a filter the queue would refuse (an unknown contest, an area out of scope)."""
    _filtered(session, user, chosen)


def next_record(
    session: Session, user: User, chosen: QueueFilter, after: Position, skip: int
) -> int | None:
    """The record following ``after`` in the filtered queue, else its first; never ``skip``.

    ``after`` is the position the record just decided held before the decision moved it.
    """
    query = _filtered(session, user, chosen).where(TallyRecord.id != skip)
    warned, updated, rid = _order()
    later = or_(
        warned > after[0],
        and_(warned == after[0], updated > after[1]),
        and_(warned == after[0], updated == after[1], rid > after[2]),
    )
    for where in (later, None):
        chosen_query = query if where is None else query.where(where)
        found = session.scalar(
            chosen_query.with_only_columns(TallyRecord.id).order_by(*_order()).limit(1)
        )
        if found is not None:
            return found
    return None


def areas_in_scope(session: Session, user: User) -> list[tuple[str, str, int]]:
    """(code, name, depth below the scope) of every area the user may filter the queue by."""
    top = user.area if user.role == "reviewer" else None
    query = select(Area.code, Area.name, Area.path).where(Area.parent_id.is_not(None))
    if top is not None:
        query = query.where(Area.path.startswith(top.path, autoescape=True), Area.id != top.id)
    rows = session.execute(query.order_by(Area.path)).all()
    base = min((path.count("/") for _c, _n, path in rows), default=0)
    return [(code, name, path.count("/") - base) for code, name, path in rows]


def _order() -> tuple[ColumnElement, ...]:
    """Records with warnings first, then the oldest change, then the id: a stable order."""
    has_warnings = case((cast(TallyVersion.warnings, String).in_(("[]", "null")), 1), else_=0)
    return has_warnings, TallyRecord.updated_at, TallyRecord.id


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
