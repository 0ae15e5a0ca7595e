"""Login throttling per account (from the audit log) and per client address."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from election.db import begin_write
from election.domain.clock import as_utc, utcnow
from election.domain.errors import TooManyRequests
from election.models import AuditEvent, LoginFailure
from election.services.audit import chain as audit
from election.services.audit.chain import Actor

MAX_FAILURES = 5  # per account, password and second factor counted apart
MAX_ADDRESS_FAILURES = 20  # per client address, every account together
WINDOW = dt.timedelta(minutes=15)

PASSWORD_FAILED = "login.failed"
TOTP_FAILED = "login.totp_failed"
# A correct password: clears the password failures, not the second-factor ones.
PASSWORD_OK = ("login", "login.password")
# Fully signed in: clears both.
SIGNED_IN = ("login",)
# An admin lifted the throttle of the account (the users page): clears both.
UNLOCKED = "user.unlock"


def _wait(failures: list[dt.datetime], limit: int, now: dt.datetime) -> int:
    if len(failures) < limit:
        return 0
    return int((failures[-limit] + WINDOW - now).total_seconds()) + 1


def account_wait(session: Session, username: str) -> int:
    """Seconds until this account may try again (0: now), from the audited attempts.

    A correct password clears the password failures; only a full sign-in clears the failed
    second-factor codes, so knowing the password does not buy fresh guesses at the code.
    An admin's unlock clears both.
    """
    return account_waits(session, [username]).get(username, 0)


def account_waits(session: Session, usernames: list[str]) -> dict[str, int]:
    """``account_wait`` of each of ``usernames`` with one query; throttled accounts only."""
    now = utcnow()
    rows = session.execute(
        select(AuditEvent.object_id, AuditEvent.action, AuditEvent.at)
        .where(
            AuditEvent.object_type == "user",
            AuditEvent.object_id.in_(usernames),
            AuditEvent.action.in_((*PASSWORD_OK, PASSWORD_FAILED, TOTP_FAILED, UNLOCKED)),
            AuditEvent.at >= now - WINDOW,
        )
        .order_by(AuditEvent.seq)
    ).all()
    session.commit()
    passwords: dict[str, list[dt.datetime]] = {}
    codes: dict[str, list[dt.datetime]] = {}
    for object_id, action, at in rows:
        name = str(object_id)
        if action in PASSWORD_OK or action == UNLOCKED:
            passwords[name] = []
        if action in SIGNED_IN or action == UNLOCKED:
            codes[name] = []
        if action == PASSWORD_FAILED:
            passwords.setdefault(name, []).append(as_utc(at))
        elif action == TOTP_FAILED:
            codes.setdefault(name, []).append(as_utc(at))
    waits = {
        name: max(
            _wait(passwords.get(name, []), MAX_FAILURES, now),
            _wait(codes.get(name, []), MAX_FAILURES, now),
        )
        for name in {str(object_id) for object_id, _action, _at in rows}
    }
    return {name: wait for name, wait in waits.items() if wait}


def unlock(session: Session, username: str) -> None:
    """Forget an account's counted failures (inside the caller's write transaction).

    The caller audits ``user.unlock``, which is what ``account_waits`` reads; the failures
    made on this account no longer count against the address they came from either.
    """
    session.execute(delete(LoginFailure).where(LoginFailure.username == username[:80]))


def address_wait(session: Session, address: str | None) -> int:
    """Seconds until this client address may try again (0: now)."""
    if not address:
        return 0
    now = utcnow()
    times = session.scalars(
        select(LoginFailure.at)
        .where(LoginFailure.address == address[:64], LoginFailure.at >= now - WINDOW)
        .order_by(LoginFailure.at.desc())
        .limit(MAX_ADDRESS_FAILURES)
    ).all()
    session.commit()
    return _wait([as_utc(t) for t in reversed(times)], MAX_ADDRESS_FAILURES, now)


def record_failure(session: Session, address: str | None, username: str) -> None:
    """Count a failed attempt against its address (inside the caller's write transaction)."""
    if not address:
        return
    now = utcnow()
    # Old failures no longer count; dropping them keeps the table small.
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - WINDOW))
    session.add(LoginFailure(address=address[:64], username=username[:80], at=now))


def check(session: Session, username: str, address: str | None) -> None:
    """Refuse (429, audited) an attempt from a throttled address or on a throttled account."""
    by_address = address_wait(session, address)
    by_account = 0 if by_address else account_wait(session, username)
    wait = by_address or by_account
    if not wait:
        return
    begin_write(session)
    audit.append(
        session,
        Actor(None, audit.SYSTEM),
        "login.throttled",
        "user",
        username,
        None,
        {"address": address, "limit": "address" if by_address else "account"},
    )
    session.commit()
    minutes = -(-wait // 60)
    if by_address:
        raise TooManyRequests(
            f"Địa chỉ của bạn đã đăng nhập sai quá {MAX_ADDRESS_FAILURES} lần; "
            f"hãy thử lại sau {minutes} phút",
            wait,
        )
    raise TooManyRequests(
        f"Đăng nhập sai quá {MAX_FAILURES} lần; hãy thử lại sau {minutes} phút", wait
    )


def active_failures(session: Session, address: str) -> int:
    """Failures of ``address`` still counted (for tests and diagnostics)."""
    n = session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.address == address[:64], LoginFailure.at >= utcnow() - WINDOW)
    )
    session.commit()
    return n or 0
