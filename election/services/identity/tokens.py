"""API tokens, the machine credentials: shown once, listed, revoked.

No one obtains a credential that acts as someone else (CONTRACT §6.2): every user issues
their own tokens, and an admin also those of service accounts, never a person's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from election.db import begin_write
from election.domain.clock import utcnow
from election.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from election.models import ApiToken, User
from election.services.audit import chain as audit
from election.services.audit.chain import Actor
from election.services.identity.passwords import hash_token, new_token


@dataclass(frozen=True)
class TokenRow:
    id: int
    username: str
    role: str | None
    label: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


def listing(session: Session, viewer: User | None) -> list[TokenRow]:
    """Tokens, newest first, with their owner and last use (never the token itself).

    An admin and the system (``viewer`` None, the command line) see every token; anyone
    else their own.
    """
    query = select(ApiToken, User.username, User.role).join(User, User.id == ApiToken.user_id)
    if viewer is not None and viewer.role != "admin":
        query = query.where(ApiToken.user_id == viewer.id)
    rows = session.execute(query.order_by(ApiToken.id.desc())).all()
    return [
        TokenRow(t.id, name, role, t.label, t.created_at, t.last_used_at, t.revoked_at)
        for t, name, role in rows
    ]


def issue(session: Session, issuer: User, username: str, label: str) -> str:
    """A new token for ``issuer`` themselves or, by an admin, for a service account.

    The only time the token is seen (only its hash is kept).
    """
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
    if user.id != issuer.id and not (issuer.role == "admin" and user.service):
        raise Forbidden(
            "Không ai được cấp mã truy cập để hành động thay người khác",
            {"username": ["Chỉ cấp cho chính mình hoặc cho một tài khoản dịch vụ"]},
        )
    if not user.active:
        raise Conflict(f"Tài khoản «{username}» đã bị khóa", {"username": ["Tài khoản bị khóa"]})
    token = new_token()
    row = ApiToken(user_id=user.id, token_hash=hash_token(token), label=label, created_at=utcnow())
    session.add(row)
    session.flush()
    audit.append(
        session,
        Actor.of(issuer),
        "token.create",
        "api_token",
        row.id,
        None,
        {"user": user.username, "label": label},
    )
    session.commit()
    return token


def revoke(session: Session, user: User | None, token_id: int) -> None:
    """End a token at once; the next call with it gets 401.

    An admin revokes any token, anyone else their own; ``user`` None is the system.
    """
    begin_write(session)
    # Without the eager join of its user: PostgreSQL cannot lock the nullable side of one.
    row = session.get(ApiToken, token_id, with_for_update=True, options=[lazyload(ApiToken.user)])
    if row is None or (user is not None and user.role != "admin" and row.user_id != user.id):
        raise NotFound(f"Không có mã truy cập số {token_id}")
    if row.revoked_at is not None:
        raise Conflict(f"Mã truy cập số {token_id} đã bị thu hồi trước đó")
    row.revoked_at = utcnow()
    audit.append(
        session,
        Actor.of(user),
        "token.revoke",
        "api_token",
        row.id,
        {"user": row.user.username, "label": row.label},
        {"revoked": True},
    )
    session.commit()
