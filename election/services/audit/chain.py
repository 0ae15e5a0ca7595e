"""The audit log: append an event to the hash chain; verify the chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, insert, select, update
from sqlalchemy.orm import Session

from election.domain.clock import utcnow
from election.domain.numbers import iso_utc as timestamp
from election.models import AuditEvent, AuditHead, User
from election.services import pending

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


# The ``Session.info`` key of the transaction that holds the chain's head (``lock_head``);
# a later transaction is another object, so the mark never outlives its transaction.
HEAD_HELD = "audit_head_held"


def holds_head(session: Session) -> bool:
    """Whether the session's transaction holds the head: its events are chained at once.

    On SQLite a write transaction holds the whole database from its BEGIN IMMEDIATE
    (``db.begin_write``), so it chains and totals at once, as there is no one to let pass.
    """
    current = session.get_transaction()
    return current is not None and session.info.get(HEAD_HELD) is current


def append_many(session: Session, events: Sequence[Event], at: dt.datetime | None = None) -> None:
    """Add events in order, all stamped ``at`` (default: now), in the caller's transaction.

    They are stored with the transaction's other pending work when it commits and chained by
    the short step after the commit (``services.settle``), so a write never waits for the
    head while it works. A transaction that holds the head (``lock_head``) chains them now.
    """
    at = at or utcnow()
    credential = credential_of(session)
    rows = [
        {
            "at": at,
            "actor_id": event.actor.id,
            "actor": event.actor.name,
            "action": event.action,
            "credential": credential,
            "object_type": event.object_type,
            "object_id": None if event.object_id is None else str(event.object_id),
            "before": event.before,
            "after": event.after,
        }
        for event in events
    ]
    if not rows:
        return
    if holds_head(session):
        chain(session, rows)
    else:
        pending.of(session).events.extend(rows)


# Built once, run on the connection: on the hot path building and the ORM's result handling
# cost more CPU than the database takes to run them.
_LOCK_HEAD = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()
_INSERT_EVENTS = insert(AuditEvent)
_MOVE_HEAD = (
    update(AuditHead)
    .where(AuditHead.id == 1)
    .values(seq=bindparam("head_seq"), hash=bindparam("head_hash"))
)


def lock_head(session: Session) -> tuple[int, str]:
    """Lock the chain's head until the transaction ends; its (seq, hash)."""
    seq, digest = session.connection().execute(_LOCK_HEAD).one()
    session.info[HEAD_HELD] = session.get_transaction()
    return seq, digest


def chain(session: Session, rows: list[dict], head: tuple[int, str] | None = None) -> None:
    """Give ``rows`` the next numbers and their hashes, insert them and move the head.

    The caller holds the head (``lock_head``, which gave ``head``).
    """
    if not rows:
        return
    seq, digest = head or lock_head(session)
    for row in rows:
        seq += 1
        prev = digest
        digest = chain_hash(
            prev,
            canonical(
                seq,
                row["at"],
                row["actor"],
                row["action"],
                row["object_type"],
                row["object_id"],
                row["before"],
                row["after"],
                row["credential"],
            ),
        )
        row.update(seq=seq, prev_hash=prev, hash=digest)
    connection = session.connection()
    connection.execute(_INSERT_EVENTS, rows)
    connection.execute(_MOVE_HEAD, {"head_seq": seq, "head_hash": digest})


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
