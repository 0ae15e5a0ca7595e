"""Exactly-once submissions: a client's Idempotency-Key replays the first answer."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.domain.clock import utcnow
from election.domain.errors import RuleBroken
from election.models import IdempotencyKey, User
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


def replay(session: Session, user: User, key: Key | None) -> Receipt | None:
    """The stored receipt for this key, or None; another request under the same key is refused."""
    if key is None:
        return None
    row = session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.user_id == user.id, IdempotencyKey.key == key.value
        )
    )
    if row is None:
        return None
    if row.request_hash != key.request_hash:
        raise RuleBroken.single(
            "idempotency_key_reused",
            "Idempotency-Key này đã được dùng cho một yêu cầu khác; hãy dùng khóa mới",
            "Idempotency-Key",
        )
    return Receipt(**row.response_body)


def remember(session: Session, user: User, key: Key | None, receipt: Receipt) -> None:
    """Store the receipt in the caller's transaction, beside the change it answers."""
    if key is not None:
        session.add(
            IdempotencyKey(
                user_id=user.id,
                key=key.value,
                request_hash=key.request_hash,
                response_status=CREATED,
                response_body=asdict(receipt),
                created_at=utcnow(),
            )
        )
