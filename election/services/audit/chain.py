"""The audit log: append an event to the hash chain; verify the chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, insert, select, update
from sqlalchemy.orm import Session

from election.domain.clock import utcnow
from election.domain.numbers import iso_utc as timestamp
from election.models import AuditEvent, AuditHead, User

GENESIS = "0" * 64
SYSTEM = "system"
# What an event came through, kept in ``Session.info`` by the edge that opened the session:
# "session" (the pages), "token:<id>" (the API). A session opened by none of them is the
# command line's (or a test's): "cli".
CREDENTIAL = "credential"
CLI = "cli"


def credential_of(session: Session) -> str:
    """The credential the session's changes come through (see ``CREDENTIAL``)."""
    return str(session.info.get(CREDENTIAL, CLI))


@dataclass(frozen=True)
class Actor:
    """Who acts: a user, or the system (CLI, demo loader) when ``id`` is None."""

    id: int | None
    name: str

    @classmethod
    def of(cls, user: User | None) -> Actor:
        return cls(None, SYSTEM) if user is None else cls(user.id, user.username)


def canonical(
    seq: int,
    at: dt.datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | None,
    before: dict | None,
    after: dict | None,
    credential: str | None = None,
) -> bytes:
    """The bytes an event's hash covers: sorted-key JSON, UTF-8.

    The credential is covered too, so it cannot be changed afterwards; events from before it
    was recorded (None) keep the content, and so the hash, they were written with.
    """
    content = {
        "seq": seq,
        "at": timestamp(at),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "before": before,
        "after": after,
    }
    if credential is not None:
        content["credential"] = credential
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def chain_hash(prev_hash: str, content: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + content).hexdigest()


@dataclass(frozen=True)
class Event:
    """An event to append: who did what to which object, and its content before and after."""

    actor: Actor
    action: str
    object_type: str
    object_id: str | int | None
    before: dict | None = None
    after: dict | None = None


def append(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | int | None,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    """Add one event in the caller's transaction (see ``append_many``)."""
    append_many(session, [Event(actor, action, object_type, object_id, before, after)])


def append_many(session: Session, events: Sequence[Event], at: dt.datetime | None = None) -> None:
    """Add events in order, all stamped ``at`` (default: now), in the caller's transaction.

    Call it as the last write before commit: it locks the chain head, which
    serialises appenders, and the lock is then held only until the commit.
    """
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one()
    at = at or utcnow()
    credential = credential_of(session)
    seq, digest = head.seq, head.hash
    rows = []
    for event in events:
        seq += 1
        prev = digest
        oid = None if event.object_id is None else str(event.object_id)
        digest = chain_hash(
            prev,
            canonical(
                seq,
                at,
                event.actor.name,
                event.action,
                event.object_type,
                oid,
                event.before,
                event.after,
                credential,
            ),
        )
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor_id": event.actor.id,
                "actor": event.actor.name,
                "action": event.action,
                "credential": credential,
                "object_type": event.object_type,
                "object_id": oid,
                "before": event.before,
                "after": event.after,
                "prev_hash": prev,
                "hash": digest,
            }
        )
    if not rows:
        return
    session.execute(insert(AuditEvent), rows)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=digest))


@dataclass(frozen=True)
class Anchor:
    """A point of the chain, ``SEQ:HASH``, kept outside the database (printed, copied).

    Whoever can write the database can rewrite the chain from any event on and move the
    head, and the chain still checks out; an anchor printed before cannot be rewritten.
    """

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


ANCHOR_FORMAT = "SỐ:MÃ_BĂM, ví dụ 42:" + "0" * 64


def anchor(session: Session) -> Anchor:
    """The chain's head now: the anchor an exported form or a certification prints."""
    head = session.get(AuditHead, 1)
    return Anchor(0, GENESIS) if head is None else Anchor(head.seq, head.hash)


def parse_anchor(text: str) -> Anchor | None:
    """``SEQ:HASH`` as printed, or None when it is not one."""
    seq, sep, digest = (text or "").strip().partition(":")
    digest = digest.lower()
    if not sep or not seq.isascii() or not seq.isdigit() or len(seq) > 18:
        return None
    if len(digest) != 64 or any(ch not in "0123456789abcdef" for ch in digest):
        return None
    return Anchor(int(seq), digest)


def anchor_problem(session: Session, mark: Anchor) -> str | None:
    """Why the chain does not hold ``mark`` (an anchor printed earlier), or None."""
    stored = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == mark.seq))
    if stored is None:
        return f"không có sự kiện số {mark.seq} mà mốc neo ghi"
    if stored != mark.hash:
        return "mã băm khác với mốc neo đã in: chuỗi nhật ký đã bị viết lại"
    return None


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    first_bad_seq: int | None
    reason: str | None


def verify_chain(session: Session) -> ChainReport:
    """Recompute every hash in order; name the first event that does not match."""
    result = session.execute(
        select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=2000)
    )
    try:
        report, prev, count = _walk(result.scalars())
    finally:
        result.close()  # a PostgreSQL server-side cursor must be closed even on early return
    if report is not None:
        return report
    head = session.get(AuditHead, 1)
    if head is None or head.seq != count or head.hash != prev:
        return ChainReport(False, count, count or None, "đầu chuỗi không khớp")
    return ChainReport(True, count, None, None)


def _walk(events) -> tuple[ChainReport | None, str, int]:
    prev = GENESIS
    count = 0
    for event in events:
        count += 1
        if event.seq != count:
            return ChainReport(False, count, count, f"thiếu sự kiện số {count}"), prev, count
        if event.prev_hash != prev:
            return ChainReport(False, count, event.seq, "mã băm trước không khớp"), prev, count
        digest = chain_hash(
            prev,
            canonical(
                event.seq,
                event.at,
                event.actor,
                event.action,
                event.object_type,
                event.object_id,
                event.before,
                event.after,
                event.credential,
            ),
        )
        if digest != event.hash:
            return ChainReport(False, count, event.seq, "nội dung sự kiện đã bị sửa"), prev, count
        prev = event.hash
    return None, prev, count


def page(
    session: Session,
    after: int = 0,
    limit: int = 100,
    action: str | None = None,
    actor: str | None = None,
    object_type: str | None = None,
    object_ids: list[str] | None = None,
) -> list[AuditEvent]:
    """Events after ``after`` in sequence order, optionally filtered."""
    query = filtered(
        select(AuditEvent).where(AuditEvent.seq > after), action, actor, object_type, object_ids
    )
    return list(session.scalars(query.order_by(AuditEvent.seq).limit(limit)))


def filtered(
    query: Select,
    action: str | None = None,
    actor: str | None = None,
    object_type: str | None = None,
    object_ids: list[str] | None = None,
) -> Select:
    """``query`` over events kept to one action, one actor, and some objects of one type."""
    if action:
        query = query.where(AuditEvent.action == action)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if object_ids is not None:
        query = query.where(AuditEvent.object_id.in_(object_ids))
    return query


def as_dict(event: AuditEvent) -> dict:
    return {
        "seq": event.seq,
        "at": timestamp(event.at),
        "actor": event.actor,
        "action": event.action,
        "credential": event.credential,
        "object": {"type": event.object_type, "id": event.object_id},
        "before": event.before,
        "after": event.after,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }
