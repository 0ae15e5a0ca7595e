"""The accounts of every polling team of an area in one step, and the staff of a sheet.

One officer per voting area (``to.<code>``) plus the rows of an uploaded sheet, each with a
generated password returned once, for the credential slips; nothing is created when any
row is wrong or the batch is larger than the limit. Running it again creates only what is
missing (and gives a password to team accounts made without one by ``demo --fill``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from election.db import begin_write
from election.domain.clock import utcnow
from election.domain.errors import Conflict, InvalidInput, NotFound
from election.domain.numbers import fmt_int
from election.domain.problems import Problem
from election.models import Area, AreaClosure, User, VotingArea
from election.services import scope
from election.services.audit import chain as audit
from election.services.audit.chain import Actor
from election.services.identity.passwords import generate_password, hash_generated_password
from election.services.identity.team_sheet import COLUMNS, Sheet
from election.services.identity.users import DISABLED_PASSWORD, has_control, team_username

DEFAULT_LIMIT = 300
OVERTAKEN = "Tài khoản của khu vực này vừa được người khác tạo hoặc cấp mật khẩu; hãy thử lại"
AGAIN = "Hãy gửi lại để tạo những tài khoản còn thiếu"


@dataclass(frozen=True)
class Credential:
    """A new account's sign-in, for its slip; the password exists nowhere else."""

    username: str
    full_name: str
    role: str
    scope_code: str
    scope_name: str
    password: str


@dataclass(frozen=True)
class TeamBatch:
    area_code: str
    area_name: str
    voting_areas: int  # in the area
    credentials: list[Credential]  # new accounts and team accounts given their first password
    existing: int  # accounts of the batch that already had a password: left alone


@dataclass(frozen=True)
class _Place:
    id: int
    code: str
    name: str


def create_teams(
    session: Session,
    admin: User,
    area_code: str,
    sheet: Sheet | None = None,
    limit: int = DEFAULT_LIMIT,
) -> TeamBatch:
    """Create the missing team accounts of ``area_code`` and the sheet's, all or nothing."""
    scope.require_role(admin, ("admin",), "tạo tài khoản các tổ bầu cử")
    code = area_code.strip()
    area = None if has_control(code) else session.scalar(select(Area).where(Area.code == code))
    if area is None:
        raise NotFound(
            f"Không có khu vực hành chính mã «{area_code}»", {"area": ["Chọn một khu vực có thật"]}
        )
    below = select(AreaClosure.descendant_id).where(AreaClosure.ancestor_id == area.id)
    places = [
        _Place(*row)
        for row in session.execute(
            select(VotingArea.id, VotingArea.code, VotingArea.name)
            .where(VotingArea.area_id.in_(below))
            .order_by(VotingArea.code)
        )
    ]
    wanted = {team_username(p.code): p for p in places}
    staff = sheet.rows if sheet else []
    known = _known(session, [*wanted, *(r.username for r in staff)])
    problems = list(sheet.problems) if sheet else []
    areas = _sheet_areas(session, area, sheet, problems)
    seen: set[str] = set()
    new_staff = []
    for row in staff:
        target = areas.get((row.role, row.area))
        where = Problem("", "", sheet.name if sheet else None, row.row, "username")
        if row.username in seen or row.username in wanted:
            problems.append(_at(where, f"Tên đăng nhập «{row.username}» trùng trong lô này"))
        elif row.username in known and known[row.username][:2] != (row.role, target and target.id):
            problems.append(
                _at(where, f"Tên đăng nhập «{row.username}» đã có người dùng khác vai trò/phạm vi")
            )
        elif row.username not in known and target is not None:
            new_staff.append((row, target))
        seen.add(row.username)
    taken = [n for n, p in wanted.items() if n in known and known[n][:2] != ("officer", p.id)]
    if taken:
        raise Conflict(
            "Tên đăng nhập của tổ bầu cử đã thuộc người dùng khác: " + ", ".join(taken[:20]),
            {"area": ["Đổi tên hoặc vô hiệu hóa các tài khoản đó trước"]},
        )
    if problems:
        problems.sort(key=lambda p: (p.row or 0, COLUMNS.index(p.field or "username")))
        lines = [sheet.describe(p) for p in problems] if sheet else [p.message for p in problems]
        raise InvalidInput(
            f"Tệp danh sách có {fmt_int(len(problems))} lỗi; chưa tạo tài khoản nào",
            {"sheet": lines},
        )
    new_teams = [name for name in wanted if name not in known]
    unpassworded = [name for name in wanted if name in known and known[name][2]]
    count = len(new_teams) + len(unpassworded) + len(new_staff)
    if count > limit:
        raise InvalidInput(
            f"Lô này cần tạo {fmt_int(count)} tài khoản, quá giới hạn {fmt_int(limit)} "
            "tài khoản mỗi lần; hãy chọn từng quận/huyện hoặc phường/xã",
            {"area": [f"Tối đa {fmt_int(limit)} tài khoản mỗi lần"]},
        )
    # Hashing a few hundred passwords takes seconds: done before the write transaction, so
    # SQLite's write lock (every team's submissions wait on it) is held only to insert.
    passwords = {
        name: _secret() for name in [*new_teams, *unpassworded] + [r.username for r, _ in new_staff]
    }
    session.commit()
    begin_write(session)
    if _changed(session, new_teams + [r.username for r, _ in new_staff], unpassworded):
        raise Conflict(OVERTAKEN, {"area": [AGAIN]})
    credentials = _write(session, wanted, new_teams, unpassworded, new_staff, passwords)
    if credentials:
        audit.append(
            session,
            Actor.of(admin),
            "user.batch_create",
            "area",
            area.code,
            None,
            {
                "area": area.code,
                "created": len(new_teams) + len(new_staff),
                "passwords_given": len(unpassworded),
                "existing": len(wanted) + len(staff) - count,
                "officers": sorted(new_teams),
                "staff": sorted(r.username for r, _t in new_staff),
                "first_passwords": sorted(unpassworded),
            },
        )
    session.commit()
    return TeamBatch(
        area.code, area.name, len(places), credentials, len(wanted) + len(staff) - count
    )


def _secret() -> tuple[str, str]:
    """A generated password and its stored hash."""
    password = generate_password()
    return password, hash_generated_password(password)


def _changed(session: Session, new: list[str], unpassworded: list[str]) -> bool:
    """Whether, since the batch was planned, one of its new names was taken or one of the
    accounts without a password was given one."""
    now = _known(session, new + unpassworded)
    return any(name in now for name in new) or not all(now[n][2] for n in unpassworded if n in now)


def _at(where: Problem, message: str) -> Problem:
    return Problem("username_taken", message, where.sheet, where.row, where.field)


def _known(session: Session, names: list[str]) -> dict[str, tuple[str | None, int | None, bool]]:
    """Existing users among ``names``: (role, scope id, a person's account without a usable
    password); a service account's role is None, so it matches no row of a batch."""
    known = {}
    for start in range(0, len(names), 5000):  # PostgreSQL takes at most 65.535 parameters
        chunk = names[start : start + 5000]
        for u in session.execute(
            select(
                User.username,
                User.role,
                User.service,
                User.voting_area_id,
                User.area_id,
                User.password_hash,
            ).where(User.username.in_(chunk))
        ):
            scope_id = u.voting_area_id if u.role == "officer" else u.area_id
            unusable = u.password_hash == DISABLED_PASSWORD and not u.service
            known[u.username] = (None if u.service else u.role, scope_id, unusable)
    return known


def _sheet_areas(
    session: Session, area: Area, sheet: Sheet | None, problems: list[Problem]
) -> dict[tuple[str, str], _Place]:
    """The scope of each sheet row, which must lie inside ``area``; problems for the others."""
    if sheet is None:
        return {}
    found: dict[tuple[str, str], _Place] = {}
    for row in sheet.rows:
        if row.role == "officer":
            hit = session.execute(
                select(VotingArea.id, VotingArea.code, VotingArea.name, Area.path)
                .join(Area, Area.id == VotingArea.area_id)
                .where(VotingArea.code == row.area)
            ).first()
            kind = "khu vực bỏ phiếu"
        else:
            hit = session.execute(
                select(Area.id, Area.code, Area.name, Area.path).where(Area.code == row.area)
            ).first()
            kind = "khu vực hành chính"
        where = (sheet.name, row.row, "area")
        if hit is None:
            problems.append(Problem("area_unknown", f"Không có {kind} mã «{row.area}»", *where))
        elif not hit.path.startswith(area.path):
            problems.append(
                Problem("area_outside", f"«{row.area}» nằm ngoài {area.name} ({area.code})", *where)
            )
        else:
            found[(row.role, row.area)] = _Place(hit.id, hit.code, hit.name)
    return found


def _write(
    session: Session,
    wanted: dict[str, _Place],
    new_teams: list[str],
    unpassworded: list[str],
    new_staff: list,
    passwords: dict[str, tuple[str, str]],
) -> list[Credential]:
    now = utcnow()
    credentials = []

    def add(username: str, full_name: str, role: str, place: _Place) -> None:
        password, hashed = passwords[username]
        session.add(
            User(
                username=username,
                full_name=full_name,
                role=role,
                service=False,
                voting_area_id=place.id if role == "officer" else None,
                area_id=place.id if role == "reviewer" else None,
                password_hash=hashed,
                must_change_password=True,
                active=True,
                session_epoch=0,
                created_at=now,
            )
        )
        credentials.append(Credential(username, full_name, role, place.code, place.name, password))

    for name in new_teams:
        add(name, f"Tổ bầu cử {wanted[name].name}", "officer", wanted[name])
    for row, place in new_staff:
        add(row.username, row.full_name, row.role, place)
    for user in session.scalars(select(User).where(User.username.in_(unpassworded))):
        place = wanted[user.username]
        password, user.password_hash = passwords[user.username]
        user.must_change_password = True
        user.session_epoch += 1
        credentials.append(
            Credential(user.username, user.full_name, "officer", place.code, place.name, password)
        )
    try:
        session.flush()
    except IntegrityError:
        # PostgreSQL: a name taken by another request since ``_changed`` looked.
        session.rollback()
        raise Conflict(OVERTAKEN, {"area": [AGAIN]}) from None
    credentials.sort(key=lambda c: (c.role != "officer", c.scope_code, c.username))
    return credentials
