"""API tokens, the machine credentials: issued by admins, shown once, listed, revoked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from election.db import begin_write
from election.domain.clock import utcnow
from election.domain.errors import Conflict, InvalidInput, NotFound
from election.models import ApiToken, User
from election.services import scope
from election.services.audit import chain as audit
from election.services.audit.chain import Actor
from election.services.identity.passwords import hash_token, new_token


@dataclass(frozen=True)
class TokenRow:
    id: int
    username: str
    role: str
    label: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


def listing(session: Session, admin: User | None) -> list[TokenRow]:
    """Every token, newest first, with its owner and last use (never the token itself).

    ``admin`` None is the system (the command line).
    """
    if admin is not None:
        scope.require_role(admin, ("admin",), "xem mã truy cập API")
    rows = session.execute(
        select(ApiToken, User.username, User.role)
        .join(User, User.id == ApiToken.user_id)
        .order_by(ApiToken.id.desc())
    ).all()
    return [
        TokenRow(t.id, name, role, t.label, t.created_at, t.last_used_at, t.revoked_at)
        for t, name, role in rows
    ]


def issue(session: Session, admin: User, username: str, label: str) -> str:
    """A new token for a user; the only time the token is seen (only its hash is kept)."""
    scope.require_role(admin, ("admin",), "cấp mã truy cập API")
    label = (label or "").strip()
    if not label or len(label) > 100:
        raise InvalidInput(
            "Ghi chú của mã truy cập không hợp lệ", {"label": ["Bắt buộc, tối đa 100 ký tự"]}
        )
    begin_write(session)
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(
            f"Không có người dùng «{username}»", {"username": ["Tên đăng nhập không tồn tại"]}
        )
    token = new_token()
    row = ApiToken(user_id=user.id, token_hash=hash_token(token), label=label, created_at=utcnow())
    session.add(row)
    session.flush()
    audit.append(
        session,
        Actor.of(admin),
        "token.create",
        "api_token",
        row.id,
        None,
        {"user": user.username, "label": label},
    )
    session.commit()
    return token


def revoke(session: Session, admin: User | None, token_id: int) -> None:
    """End a token at once; the next call with it gets 401. ``admin`` None is the system."""
    if admin is not None:
        scope.require_role(admin, ("admin",), "thu hồi mã truy cập API")
    begin_write(session)
    # Without the eager join of its user: PostgreSQL cannot lock the nullable side of one.
    row = session.get(ApiToken, token_id, with_for_update=True, options=[lazyload(ApiToken.user)])
    if row is None:
        raise NotFound(f"Không có mã truy cập số {token_id}")
    if row.revoked_at is not None:
        raise Conflict(f"Mã truy cập số {token_id} đã bị thu hồi trước đó")
    row.revoked_at = utcnow()
    audit.append(
        session,
        Actor.of(admin),
        "token.revoke",
        "api_token",
        row.id,
        {"user": row.user.username, "label": row.label},
        {"revoked": True},
    )
    session.commit()
