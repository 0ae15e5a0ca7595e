"""Users: creation, passwords, one-time code secrets, API tokens and team accounts."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from election.db import begin_write, inserted
from election.domain.clock import as_utc, utcnow
from election.domain.errors import Conflict, InvalidInput, NotFound
from election.models import ROLES, ApiToken, Area, User, VotingArea
from election.services import scope
from election.services.audit import chain as audit
from election.services.audit.chain import Actor
from election.services.identity import secretbox, totp
from election.services.identity.passwords import (
    MIN_PASSWORD_LENGTH,
    check_password,
    generate_password,
    hash_generated_password,
    hash_password,
    hash_token,
    new_token,
)

DISABLED_PASSWORD = "!"  # not an argon2 hash: no password logs in until an admin sets one
USERNAME = re.compile(r"^[A-Za-z0-9._-]{3,80}$")
ROLE_NAMES = {
    "officer": "Tổ bầu cử",
    "reviewer": "Người kiểm tra",
    "board": "Ủy ban bầu cử",
    "admin": "Quản trị hệ thống",
}
SYSTEM_ACTOR = Actor(None, audit.SYSTEM)
# A token's last use is written at most this often, to keep reads cheap.
TOKEN_TOUCH_INTERVAL = dt.timedelta(minutes=1)
# Roles who must enrol a one-time code (TOTP) at their next page sign-in; the web app takes
# its list from the TOTP_REQUIRED_ROLES setting.
TOTP_ROLES = ("board", "admin")


@dataclass(frozen=True)
class NewUser:
    user: User
    password: str
    # An API token only when one was asked for (``token_label``); shown once.
    token: str | None
    generated_password: bool


def has_control(text: str) -> bool:
    """Whether ``text`` holds a control character (NUL, a line break…), which no name or code
    may: PostgreSQL refuses NUL in any text it stores or compares."""
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in text)


def scope_errors(role: str | None, area_code: str | None, service: bool = False) -> dict:
    """What is wrong with a role and its scope (an area code), field by field."""
    errors: dict[str, list[str]] = {}
    if area_code and (has_control(area_code) or len(area_code) > 40):
        errors["area"] = ["Mã khu vực không hợp lệ (tối đa 40 ký tự, không có ký tự điều khiển)"]
        area_code = None
    if role is None and not service:
        errors["role"] = ["Người dùng phải có vai trò; chỉ tài khoản dịch vụ mới không có"]
    elif role is not None and role not in ROLES:
        errors["role"] = [f"Vai trò «{role}» không hợp lệ; chọn một trong: {', '.join(ROLES)}"]
    if role == "officer" and not area_code and "area" not in errors:
        errors["area"] = ["Tổ bầu cử cần mã khu vực bỏ phiếu"]
    if role == "reviewer" and not area_code and "area" not in errors:
        errors["area"] = ["Người kiểm tra cần mã khu vực hành chính (phường/xã, quận/huyện)"]
    if role in ("board", "admin") and area_code:
        errors["area"] = ["Vai trò này có phạm vi toàn thành phố; để trống mã khu vực"]
    return errors


def resolve_scope(
    session: Session, role: str | None, area_code: str | None
) -> tuple[int | None, int | None]:
    """(voting_area_id, area_id) of a role's scope; NotFound for an unknown code."""
    if role == "officer":
        voting_area_id = session.scalar(select(VotingArea.id).where(VotingArea.code == area_code))
        if voting_area_id is None:
            raise NotFound(
                f"Không có khu vực bỏ phiếu mã «{area_code}»", {"area": ["Mã không tồn tại"]}
            )
        return voting_area_id, None
    if role == "reviewer":
        area_id = session.scalar(select(Area.id).where(Area.code == area_code))
        if area_id is None:
            raise NotFound(
                f"Không có khu vực hành chính mã «{area_code}»", {"area": ["Mã không tồn tại"]}
            )
        return None, area_id
    return None, None


def create_user(
    session: Session,
    username: str,
    role: str | None,
    area_code: str | None = None,
    password: str | None = None,
    full_name: str = "",
    actor: Actor = Actor(None, audit.SYSTEM),
    service: bool = False,
    token_label: str | None = None,
) -> NewUser:
    """Create a user; a generated password (and a token, if ``token_label``) returned once.

    No token comes with a new user unless ``token_label`` asks for one (a script's or a
    service account's). A ``service`` account is an integration's: it has no password (no
    page sign-in) and may have no role, which lets it read and never write.
    """
    errors: dict[str, list[str]] = {}
    if not USERNAME.fullmatch(username or ""):
        errors["username"] = ["Tên đăng nhập gồm 3–80 ký tự: chữ không dấu, số, dấu chấm, gạch"]
    if service and password is not None:
        errors["password"] = ["Tài khoản dịch vụ không có mật khẩu; nó dùng mã truy cập API"]
    errors |= scope_errors(role, area_code, service)
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = [f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự"]
    if len(full_name) > 200 or has_control(full_name):
        errors["full_name"] = ["Họ và tên tối đa 200 ký tự, không có ký tự điều khiển"]
    if errors:
        raise InvalidInput("Thông tin người dùng không hợp lệ", errors)

    begin_write(session)
    voting_area_id, area_id = resolve_scope(session, role, area_code)
    generated = password is None and not service
    if generated:
        password = generate_password()
        password_hash = hash_generated_password(password)
    else:
        password = password or ""
        password_hash = DISABLED_PASSWORD if service else hash_password(password)
    now = utcnow()
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        service=service,
        voting_area_id=voting_area_id,
        area_id=area_id,
        password_hash=password_hash,
        must_change_password=generated,
        active=True,
        session_epoch=0,
        created_at=now,
    )
    if not inserted(session, user):
        raise Conflict(f"Tên đăng nhập «{username}» đã có người dùng", {"username": ["Đã tồn tại"]})
    token = None
    if token_label is not None:
        token = new_token()
        session.add(
            ApiToken(
                user_id=user.id, token_hash=hash_token(token), label=token_label, created_at=now
            )
        )
    audit.append(
        session,
        actor,
        "user.create",
        "user",
        user.username,
        None,
        {"username": username, "role": role, "area": area_code, "full_name": full_name}
        | ({"service": True} if service else {})
        | ({"token": token_label} if token_label is not None else {}),
    )
    session.commit()
    return NewUser(user, password, token, generated)


def create_service_account(session: Session, admin: User, username: str, full_name: str) -> NewUser:
    """An admin's new service account: no role (it only reads), its first token shown once.

    A role for one (an integration that submits a polling team's records) is given at setup,
    by ``flask create-service --role``, never from the pages.
    """
    scope.require_role(admin, ("admin",), "tạo tài khoản dịch vụ")
    return create_user(
        session,
        username,
        None,
        None,
        None,
        full_name,
        Actor.of(admin),
        service=True,
        token_label="service",
    )


def enroll_totp(
    session: Session, user: User | str, secret: str, actor: Actor | None = None
) -> User:
    """Give a user a known TOTP secret without a code (demo data, tests, automation)."""
    if not totp.is_secret(secret):
        raise InvalidInput(
            "Khóa bí mật không hợp lệ", {"secret": ["Cần chuỗi base32 dài ít nhất 26 ký tự"]}
        )
    username = user if isinstance(user, str) else user.username
    begin_write(session)
    row = require_user(session, username)
    row.totp_secret = secretbox.seal(secretbox.key_of(session), row.id, secret)
    row.totp_last_step = None
    session.flush()
    audit.append(
        session, actor or Actor(None, audit.SYSTEM), "user.totp_enrol", "user", username, None, {}
    )
    session.commit()
    return row


def change_password(session: Session, user_id: int, current: str, new: str) -> User:
    """Replace a user's password; every other session of theirs ends (the epoch moves on)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Không có người dùng này")
    errors: dict[str, list[str]] = {}
    if not check_password(user.password_hash, current):
        errors["current_password"] = ["Mật khẩu hiện tại không đúng"]
    if len(new) < MIN_PASSWORD_LENGTH:
        errors["new_password"] = [f"Mật khẩu mới phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự"]
    elif new == current:
        errors["new_password"] = ["Mật khẩu mới phải khác mật khẩu hiện tại"]
    session.commit()
    if errors:
        raise InvalidInput("Chưa đổi được mật khẩu", errors)
    begin_write(session)
    user = session.get(User, user_id)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_epoch += 1
    session.flush()
    audit.append(
        session,
        Actor.of(user),
        "user.password_change",
        "user",
        user.username,
        None,
        {"epoch": user.session_epoch},
    )
    session.commit()
    return user


def sign_out(session: Session, user_id: int) -> None:
    """End every page session of a user: the epoch moves on, so no earlier cookie is valid.

    Page sessions live in signed cookies, which the server cannot take back one by one; the
    user's epoch, checked on every request, is what makes a sign-out final.
    """
    begin_write(session)
    user = session.get(User, user_id)
    if user is None:
        session.commit()
        return
    user.session_epoch += 1
    session.flush()
    audit.append(
        session,
        Actor.of(user),
        "logout",
        "user",
        user.username,
        None,
        {"epoch": user.session_epoch},
    )
    session.commit()


# Built once: every API call runs it.
_TOKEN_OWNER = (
    select(User, ApiToken.id, ApiToken.last_used_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)


def user_for_token(session: Session, token: str, writes: bool = False) -> tuple[User, int] | None:
    """The active user owning an unrevoked token, and the token's id; or None.

    The token's last use is recorded once a minute. For a request that ``writes`` (and so
    commits) on PostgreSQL, the record goes into the request's own transaction: a
    separate commit would cost another WAL flush on a third of the submissions of election
    night (a team sends its four records within minutes). If the request fails, that
    minute's record of use is lost with it; the next request records it.
    """
    found = session.execute(_TOKEN_OWNER, {"token_hash": hash_token(token)}).one_or_none()
    if found is None or not found[0].active:
        return None
    user, token_id, last = found
    now = utcnow()
    if last is None or now - as_utc(last) > TOKEN_TOUCH_INTERVAL:
        touch = update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now)
        if writes and session.get_bind().dialect.name != "sqlite":
            # (SQLite must take its write lock at BEGIN: the read cannot turn into a write.)
            session.execute(touch)
            return user, token_id
        session.commit()
        begin_write(session)
        session.execute(touch)
        session.commit()
    return user, token_id


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def require_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"Không có người dùng «{username}»")
    return user


def team_username(voting_area_code: str) -> str:
    return "to." + voting_area_code.lower()


def ensure_team_accounts(
    session: Session, voting_area_codes: list[str], actor: Actor
) -> dict[str, User]:
    """An officer account per voting area (``to.<code>``), created without a usable password."""
    begin_write(session)
    wanted = {team_username(code): code for code in voting_area_codes}
    va_ids = dict(session.execute(select(VotingArea.code, VotingArea.id)).all())
    existing = set(session.scalars(select(User.username).where(User.role == "officer")))
    missing = [name for name in wanted if name not in existing]
    if missing:
        now = utcnow()
        session.execute(
            User.__table__.insert(),
            [
                {
                    "username": name,
                    "full_name": f"Tổ bầu cử {wanted[name]}",
                    "role": "officer",
                    "voting_area_id": va_ids[wanted[name]],
                    "area_id": None,
                    "password_hash": DISABLED_PASSWORD,
                    "must_change_password": True,
                    "active": True,
                    "session_epoch": 0,
                    "created_at": now,
                }
                for name in missing
            ],
        )
        audit.append(
            session, actor, "user.create", "user", None, None, {"officers": sorted(missing)}
        )
    session.commit()
    accounts = {}
    names = list(wanted)
    for start in range(0, len(names), 5000):  # PostgreSQL takes at most 65.535 parameters
        chunk = names[start : start + 5000]
        for user in session.scalars(select(User).where(User.username.in_(chunk))):
            accounts[wanted[user.username]] = user
    return accounts
