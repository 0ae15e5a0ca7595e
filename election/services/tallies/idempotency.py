"""Exactly-once submissions: a client's Idempotency-Key replays the first answer."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import TypeVar

from sqlalchemy import ScalarSelect, insert, null, select
from sqlalchemy.orm import Session

from election.domain.clock import utcnow
from election.domain.errors import RuleBroken
from election.models import IdempotencyKey, User
from election.services.tallies.common import Receipt

MAX_KEY_LENGTH = 200
T = TypeVar("T")
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


def replay(session: Session, user: User, key: Key | None) -> Receipt | None:
    """The stored receipt for this key, or None; another request under the same key is refused."""
    return replay_beside(session, user, key)[0]


def replay_beside(
    session: Session, user: User, key: Key | None, other: ScalarSelect[T] | None = None
) -> tuple[Receipt | None, T | None]:
    """``replay``, and the value of the scalar subquery ``other`` read in the same round trip."""
    if key is None:
        return None, session.connection().scalar(select(other)) if other is not None else None
    probe = select((other if other is not None else null()).label("other")).subquery()
    row = (
        session.connection()
        .execute(
            select(probe.c.other, IdempotencyKey.request_hash, IdempotencyKey.response_body)
            .select_from(probe)
            .outerjoin(
                IdempotencyKey,
                (IdempotencyKey.user_id == user.id) & (IdempotencyKey.key == key.value),
            )
        )
        .one()
    )
    if row.request_hash is None:
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

    An IntegrityError here: the key was stored meanwhile (a twin committed first).
    """
    if key is not None:
        session.connection().execute(
            insert(IdempotencyKey.__table__),
            {
                "user_id": user.id,
                "key": key.value,
                "request_hash": key.request_hash,
                "response_status": CREATED,
                "response_body": asdict(receipt),
                "created_at": utcnow(),
            },
        )
