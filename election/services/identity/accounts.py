"""The admin's users page: the listing, one new person, reset, unlock, (de)activate, scope.

Every change is one audited transaction. An admin never locks themselves out and never
removes the last active admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from election.db import begin_write
from election.domain.errors import Conflict, InvalidInput, NotFound
from election.models import ROLES, Area, AreaClosure, User, VotingArea
from election.services import scope
from election.services.audit import chain as audit
from election.services.audit.chain import Actor
from election.services.identity import throttle, users
from election.services.identity.passwords import generate_password, hash_generated_password

PAGE_SIZE = 50
MAX_SEARCH = 100


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    full_name: str
    role: str | None
    service: bool
    scope_code: str | None
    scope_name: str | None
    active: bool
    must_change_password: bool
    # No usable password yet (a team account made by ``demo --fill`` or a service account).
    no_password: bool
    # Seconds the sign-in throttle still holds the account (0: not locked).
    locked_seconds: int


@dataclass(frozen=True)
class UserPage:
    rows: list[UserRow]
    total: int
    page: int
    pages: int


def listing(
    session: Session,
    admin: User,
    search: str = "",
    role: str = "",
    area_code: str = "",
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> UserPage:
    """Every account matching the filters, by username, one page of them and the true total.

    ``search`` matches part of the username or the full name; ``area_code`` keeps the users
    whose scope (voting area or administrative area) lies inside that area.
    """
    scope.require_role(admin, ("admin",), "quản lý người dùng")
    errors: dict[str, list[str]] = {}
    if len(search) > MAX_SEARCH:
        errors["q"] = [f"Từ khóa tìm kiếm tối đa {MAX_SEARCH} ký tự"]
    if role and role not in (*ROLES, "service"):
        errors["role"] = [f"Vai trò «{role}» không hợp lệ"]
    if page < 1:
        errors["page"] = ["Số trang phải là số nguyên dương"]
    if errors:
        raise InvalidInput("Bộ lọc người dùng không hợp lệ", errors)
    query = _filtered(session, search.strip(), role, area_code.strip())
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(page, pages)
    va, area = aliased(VotingArea), aliased(Area)
    rows = session.execute(
        query.add_columns(va.code, va.name, area.code, area.name)
        .outerjoin(va, va.id == User.voting_area_id)
        .outerjoin(area, area.id == User.area_id)
        .order_by(User.username)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    locked = throttle.account_waits(session, [r[0].username for r in rows])
    return UserPage(
        [
            UserRow(
                u.id,
                u.username,
                u.full_name,
                u.role,
                u.service,
                va_code or area_code_,
                va_name or area_name,
                u.active,
                u.must_change_password,
                u.password_hash == users.DISABLED_PASSWORD,
                locked.get(u.username, 0),
            )
            for u, va_code, va_name, area_code_, area_name in rows
        ],
        total,
        page,
        pages,
    )


def _filtered(session: Session, search: str, role: str, area_code: str) -> Select:
    query = select(User)
    if search:
        query = query.where(
            User.username.icontains(search, autoescape=True)
            | User.full_name.icontains(search, autoescape=True)
        )
    if role == "service":
        query = query.where(User.service.is_(True))
    elif role:
        query = query.where(User.role == role)
    if area_code:
        area_id = session.scalar(select(Area.id).where(Area.code == area_code))
        if area_id is None:
            raise NotFound(
                f"Không có khu vực hành chính mã «{area_code}»", {"area": ["Mã không tồn tại"]}
            )
        below = select(AreaClosure.descendant_id).where(AreaClosure.ancestor_id == area_id)
        query = query.where(
            User.area_id.in_(below)
            | User.voting_area_id.in_(select(VotingArea.id).where(VotingArea.area_id.in_(below)))
        )
    return query


def create_person(
    session: Session, admin: User, username: str, full_name: str, role: str, area_code: str
) -> users.NewUser:
    """A new user with a generated password, shown once; they change it at first sign-in."""
    scope.require_role(admin, ("admin",), "tạo người dùng")
    return users.create_user(
        session, username, role or None, area_code or None, None, full_name, Actor.of(admin)
    )


def _target(session: Session, admin: User, user_id: int, what: str) -> User:
    """The user an admin acts on, locked for the change."""
    scope.require_role(admin, ("admin",), what)
    begin_write(session)
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound(f"Không có người dùng số {user_id}")
    return user


def _refuse_service(user: User, what: str) -> None:
    if user.service:
        raise Conflict(
            f"Tài khoản dịch vụ «{user.username}» không có mật khẩu hay phạm vi để {what}"
        )


def _refuse_last_admin(session: Session, admin: User, user: User, what: str) -> None:
    """Refuse to take ``user`` away from the active admins if that leaves none, or is oneself."""
    if user.id == admin.id:
        raise Conflict(f"Bạn không thể tự {what} tài khoản của mình; hãy nhờ quản trị khác")
    if user.role != "admin" or not user.active:
        return
    # Locked together, so two admins removing each other at once cannot both succeed.
    admins = session.scalars(
        select(User.id).where(User.role == "admin", User.active.is_(True)).with_for_update()
    ).all()
    if len(admins) <= 1:
        raise Conflict("Đây là quản trị hệ thống cuối cùng đang hoạt động; không thể " + what)


def _done(
    session: Session, admin: User, action: str, user: User, before: dict | None, after: dict
) -> None:
    """Audit an admin's change to ``user`` in the change's transaction, and commit both."""
    session.flush()
    audit.append(session, Actor.of(admin), action, "user", user.username, before, after)
    session.commit()


def reset_password(session: Session, admin: User, user_id: int) -> tuple[User, str]:
    """A new generated password, shown once; the user must change it at next sign-in.

    Every session of the user ends.
    """
    user = _target(session, admin, user_id, "đặt lại mật khẩu")
    _refuse_service(user, "đặt lại")
    password = generate_password()
    user.password_hash = hash_generated_password(password)
    user.must_change_password = True
    user.session_epoch += 1
    _done(
        session,
        admin,
        "user.password_reset",
        user,
        None,
        {"must_change_password": True, "epoch": user.session_epoch},
    )
    return user, password


def unlock(session: Session, admin: User, user_id: int) -> User:
    """Lift the sign-in throttle of an account at once (its counted failures are forgotten)."""
    scope.require_role(admin, ("admin",), "mở khóa tài khoản")
    username = session.scalar(select(User.username).where(User.id == user_id))
    waited = throttle.account_wait(session, username) if username else 0
    user = _target(session, admin, user_id, "mở khóa tài khoản")
    throttle.unlock(session, user.username)
    _done(
        session, admin, throttle.UNLOCKED, user, {"locked_seconds": waited}, {"locked_seconds": 0}
    )
    return user


def set_active(session: Session, admin: User, user_id: int, active: bool) -> User:
    """Deactivate (no sign-in, no token, every session ends) or reactivate an account."""
    what = "vô hiệu hóa" if not active else "kích hoạt lại"
    user = _target(session, admin, user_id, what + " tài khoản")
    if user.active == active:
        state = "đang hoạt động" if active else "đã bị vô hiệu hóa"
        raise Conflict(f"Tài khoản «{user.username}» {state}")
    if not active:
        _refuse_last_admin(session, admin, user, what)
    user.active = active
    user.session_epoch += 1
    _done(
        session,
        admin,
        "user.reactivate" if active else "user.deactivate",
        user,
        {"active": not active},
        {"active": active, "epoch": user.session_epoch},
    )
    return user


def change_scope(session: Session, admin: User, user_id: int, role: str, area_code: str) -> User:
    """Give a user another role and scope; their sessions end so the new one applies at once."""
    role, area_code = role.strip(), area_code.strip()
    errors = users.scope_errors(role or None, area_code or None)
    if errors:
        raise InvalidInput("Vai trò hoặc phạm vi không hợp lệ", errors)
    user = _target(session, admin, user_id, "đổi vai trò, phạm vi")
    _refuse_service(user, "đổi")
    if role != "admin":
        _refuse_last_admin(session, admin, user, "đổi vai trò")
    voting_area_id, area_id = users.resolve_scope(session, role, area_code or None)
    before = {"role": user.role, "area": _scope_code(session, user)}
    if (user.role, user.voting_area_id, user.area_id) == (role, voting_area_id, area_id):
        raise Conflict(f"Người dùng «{user.username}» đã có đúng vai trò và phạm vi này")
    user.role, user.voting_area_id, user.area_id = role, voting_area_id, area_id
    user.session_epoch += 1
    _done(
        session,
        admin,
        "user.scope_change",
        user,
        before,
        {"role": role, "area": area_code or None, "epoch": user.session_epoch},
    )
    return user


def _scope_code(session: Session, user: User) -> str | None:
    if user.voting_area_id is not None:
        return session.scalar(select(VotingArea.code).where(VotingArea.id == user.voting_area_id))
    if user.area_id is not None:
        return session.scalar(select(Area.code).where(Area.id == user.area_id))
    return None


@dataclass(frozen=True)
class AreaChoice:
    code: str
    name: str
    depth: int  # 0: the city


def area_choices(session: Session) -> list[AreaChoice]:
    """Every administrative area in tree order, for the page's area pickers."""
    rows = session.execute(select(Area.code, Area.name, Area.path).order_by(Area.path)).all()
    return [AreaChoice(code, name, path.count("/") - 2) for code, name, path in rows]
