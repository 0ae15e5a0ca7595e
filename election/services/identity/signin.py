"""Signing in: the password, then the one-time code where one is needed; throttled, audited."""

from __future__ import annotations

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from election.db import begin_write
from election.domain.errors import Conflict, InvalidInput, Unauthorized
from election.models import User
from election.services.audit import chain as audit
from election.services.audit.chain import Actor
from election.services.identity import secretbox, throttle, totp
from election.services.identity.passwords import DUMMY_HASH, check_password
from election.services.identity.users import TOTP_ROLES


def needs_totp(user: User, required_roles: tuple[str, ...] | list[str] = TOTP_ROLES) -> bool:
    """Whether signing in to the pages takes a one-time code after the password.

    Always once enrolled; before that, for the roles that must enrol at their next sign-in.
    """
    return user.totp_secret is not None or user.role in required_roles


def authenticate(
    session: Session,
    username: str,
    password: str,
    address: str | None,
    totp_roles: tuple[str, ...] | list[str] = TOTP_ROLES,
) -> User:
    """The active user with this name and password; every attempt is audited.

    Too many failures on the account or from the address (see ``throttle``) refuse further
    attempts for a while without checking the password. A user who also needs a one-time
    code is only half signed in: the attempt is audited as ``login.password``.
    """
    name = username[:80]
    throttle.check(session, name, address)
    user = session.scalar(select(User).where(User.username == username))
    session.commit()  # end the read before the slow hash; the audit write starts afresh
    ok = check_password(user.password_hash if user else DUMMY_HASH, password)
    ok = ok and user is not None and user.active
    begin_write(session)
    if ok:
        action = "login.password" if needs_totp(user, totp_roles) else "login"
    else:
        action = "login.failed"
        throttle.record_failure(session, address, name)
    audit.append(
        session,
        Actor.of(user) if ok else Actor(None, audit.SYSTEM),
        action,
        "user",
        name,
        None,
        {"address": address},
    )
    session.commit()
    if not ok:
        raise Unauthorized("Tên đăng nhập hoặc mật khẩu không đúng")
    return user


CODE_WRONG = "Mã xác thực không đúng hoặc đã hết hạn"
CODE_REUSED = "Mã này đã được dùng; hãy chờ mã tiếp theo trong ứng dụng xác thực"


def verify_totp(session: Session, user_id: int, code: str, address: str | None) -> User:
    """Finish a sign-in with the current one-time code; audited, throttled like the password."""
    user = _second_factor_user(session, user_id, address)
    if user.totp_secret is None:
        raise Conflict("Tài khoản chưa đăng ký mã xác thực hai bước")
    try:
        secret = secretbox.open_sealed(secretbox.key_of(session), user.id, user.totp_secret)
    except secretbox.SealError:
        raise Conflict(
            "Không mở được khóa mã xác thực hai bước của tài khoản (khóa máy chủ đã đổi "
            "hoặc dữ liệu bị sửa); hãy liên hệ quản trị hệ thống"
        ) from None
    return _accept_code(session, user, secret, code, address, enrol=False)


def confirm_totp_enrolment(
    session: Session, user_id: int, secret: str, code: str, address: str | None
) -> User:
    """Store a new secret once the user shows a current code from it; this signs them in."""
    user = _second_factor_user(session, user_id, address)
    if user.totp_secret is not None:
        raise Conflict("Tài khoản đã đăng ký mã xác thực hai bước")
    if not totp.is_secret(secret):
        raise InvalidInput("Khóa bí mật không hợp lệ", {"code": ["Hãy tải lại trang đăng ký"]})
    return _accept_code(session, user, secret, code, address, enrol=True)


def _second_factor_user(session: Session, user_id: int, address: str | None) -> User:
    user = session.get(User, user_id)
    if user is None or not user.active:
        session.commit()
        raise Unauthorized("Phiên đăng nhập đã hết; hãy đăng nhập lại")
    name = user.username
    session.commit()
    throttle.check(session, name, address)
    return session.get(User, user_id)


def _sealed(session: Session, user_id: int, secret: str, enrol: bool) -> dict[str, str]:
    """The new secret to store, sealed, when enrolling; nothing otherwise."""
    if not enrol:
        return {}
    return {"totp_secret": secretbox.seal(secretbox.key_of(session), user_id, secret)}


def _accept_code(
    session: Session, user: User, secret: str, code: str, address: str | None, enrol: bool
) -> User:
    user_id, name = user.id, user.username
    step = totp.matching_step(secret, code)
    session.commit()
    begin_write(session)
    problem = None if step is not None else CODE_WRONG
    if problem is None:
        # Compare-and-set: of two requests with the same code, only one gets through.
        taken = session.execute(
            update(User)
            .where(
                User.id == user_id,
                or_(User.totp_last_step.is_(None), User.totp_last_step < step),
            )
            .values(totp_last_step=step, **_sealed(session, user_id, secret, enrol))
        ).rowcount
        problem = None if taken == 1 else CODE_REUSED
    if problem is not None:
        throttle.record_failure(session, address, name)
        audit.append(
            session,
            Actor(None, audit.SYSTEM),
            throttle.TOTP_FAILED,
            "user",
            name,
            None,
            {"address": address, "reason": "reused" if problem == CODE_REUSED else "wrong"},
        )
        session.commit()
        raise Unauthorized("Chưa xác thực được mã hai bước", {"code": [problem]})
    user = session.get(User, user_id)
    session.refresh(user)
    if enrol:
        audit.append(session, Actor.of(user), "user.totp_enrol", "user", name, None, {})
    audit.append(
        session, Actor.of(user), "login", "user", name, None, {"address": address, "totp": True}
    )
    session.commit()
    return user
