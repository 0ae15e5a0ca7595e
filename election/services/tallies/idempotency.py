"""Exactly-once submissions: a client's Idempotency-Key replays the first answer."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, insert, null, select
from sqlalchemy.orm import Session

from election.domain.clock import utcnow
from election.domain.errors import RuleBroken
from election.models import IdempotencyKey, User
from election.services import pending
from election.services.tallies.common import Receipt

MAX_KEY_LENGTH = 200
# The table keeps a status beside each answer; every answer it keeps is a record created.
CREATED = 201


@dataclass(frozen=True)
class Key:
    """A key with the fingerprint of the request it came with."""

    value: str
    request_hash: str

    @classmethod
    def of(cls, value: str, method: str, path: str, body: object) -> Key:
        canonical = json.dumps([method, path, body], sort_keys=True, ensure_ascii=False)
        return cls(value, hashlib.sha256(canonical.encode()).hexdigest())


def beside(other: ColumnElement[Any]) -> Select[Any]:
    """A statement of one row: ``other`` (a scalar subquery) and the stored answer to a key."""
    probe = select(other.label("other")).subquery()
    return (
        select(probe.c.other, IdempotencyKey.request_hash, IdempotencyKey.response_body)
        .select_from(probe)
        .outerjoin(
            IdempotencyKey,
            (IdempotencyKey.user_id == bindparam("key_user_id"))
            & (IdempotencyKey.key == bindparam("key_value")),
        )
    )


_ALONE = beside(null())


def replay(session: Session, user: User, key: Key | None) -> Receipt | None:
    """The stored receipt for this key, or None; another request under the same key is refused."""
    if key is None:
        return None
    return replay_beside(session, user, key, _ALONE)[0]


def replay_beside(
    session: Session,
    user: User,
    key: Key | None,
    statement: Select[Any],
    params: Mapping[str, object] | None = None,
) -> tuple[Receipt | None, Any]:
    """``replay``, and the value of the other column of ``statement`` (from ``beside``, run
    with ``params``) read in the same round trip."""
    row = (
        session.connection()
        .execute(
            statement,
            {"key_user_id": user.id, "key_value": key.value if key else None, **(params or {})},
        )
        .one()
    )
    if key is None or row.request_hash is None:
        return None, row.other
    if row.request_hash != key.request_hash:
        raise RuleBroken.single(
            "idempotency_key_reused",
            "Idempotency-Key này đã được dùng cho một yêu cầu khác; hãy dùng khóa mới",
            "Idempotency-Key",
        )
    return Receipt(**row.response_body), row.other


def remember(session: Session, user: User, key: Key | None, receipt: Receipt) -> None:
    """Store the receipt in the caller's transaction, beside the change it answers.

    An IntegrityError here or at the commit (on PostgreSQL the row goes with the write's
    pending row, ``pending.keep_key``): the key was stored meanwhile (a twin committed first).
    """
    if key is None:
        return
    row = {
        "user_id": user.id,
        "key": key.value,
        "request_hash": key.request_hash,
        "response_status": CREATED,
        "response_body": asdict(receipt),
        "created_at": utcnow(),
    }
    if not pending.keep_key(session, row):
        session.connection().execute(_INSERT_KEY, row)


_INSERT_KEY = insert(IdempotencyKey)
