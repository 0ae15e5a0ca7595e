"""Submitting and correcting records: each a new immutable version, checked and audited."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from election.db import begin_write
from election.domain.clock import utcnow
from election.domain.errors import Conflict, Forbidden, RuleBroken
from election.models.contests import Contest
from election.models.geography import VotingArea
from election.models.tallies import TallyRecord, TallyVersion
from election.models.users import User
from election.services import scope
from election.services.audit import chain as audit
from election.services.audit.chain import Actor
from election.services.certification import reopen
from election.services.identity import rate
from election.services.tallies import idempotency, keying
from election.services.tallies.common import (
    CORRECTORS,
    SUBMITTERS,
    Receipt,
    TallyInput,
    checked,
    context_and_record,
    official_votes,
    record_for_update,
    roll_up,
    snapshot,
)
from election.services.tallies.idempotency import Key
from election.services.tallies.place import Place, locate
from election.services.tallies.stale import stale_conflict
from election.services.tallies.versions import write_first, write_version


def submit(
    session: Session,
    user: User,
    voting_area_code: str,
    contest_code: str,
    entry: TallyInput,
    key: Key | None = None,
) -> Receipt:
    """Store a first record and give its receipt; Conflict if the voting area already has one."""
    stored = _begin(session, user, key, SUBMITTERS, "nộp biên bản kiểm phiếu")
    if stored is not None:
        return stored
    place = locate(session, voting_area_code, contest_code)
    scope.require_inside(user, place.voting_area)
    context, existing = context_and_record(session, place)
    if existing is not None:
        # A twin under the same key may have committed since the key was read: its answer.
        stored = idempotency.replay(session, user, key)
        if stored is not None:
            return stored
        raise _duplicate(existing)
    warnings = checked(session, place, entry, context)
    now = utcnow()
    values = {
        "voting_area_id": place.voting_area.id,
        "contest_id": place.contest.id,
        "round_no": place.round_no,
        "status": "submitted",
        "current_version": 1,
        "created_at": now,
        "updated_at": now,
    }
    try:
        record, version = write_first(session, values, place, entry, warnings, user)
    except IntegrityError:
        # Another submission won the race between our check and our insert.
        session.rollback()
        return _after_race(session, user, key, place)
    roll_up(session, place, record, entry)
    receipt = Receipt(record.id, 1, "submitted", warnings)
    audit.append(
        session,
        Actor.of(user),
        "tally.submit",
        "tally",
        record.id,
        None,
        snapshot(
            record,
            version,
            official_votes(place, entry),
            (place.voting_area.code, place.contest.code),
        ),
    )
    try:
        # A twin under the same key that committed first makes this insert fail.
        idempotency.remember(session, user, key, receipt)
        session.commit()
    except IntegrityError:
        session.rollback()
        return _after_race(session, user, key, place)
    return receipt


def _existing(session: Session, place: Place) -> int | None:
    return session.scalar(
        select(TallyRecord.id).where(
            TallyRecord.voting_area_id == place.voting_area.id,
            TallyRecord.contest_id == place.contest.id,
            TallyRecord.round_no == place.round_no,
        )
    )


def _begin(
    session: Session, user: User, key: Key | None, roles: tuple[str, ...], what: str
) -> Receipt | None:
    """Start a write: the receipt already given for ``key``, else None once rate and role allow."""
    begin_write(session)
    now = utcnow()
    # The rate limit's count comes with the key's lookup: one round trip.
    stored, oldest = idempotency.replay_beside(
        session, user, key, _KEY_AND_RATE, rate.window(user.id, now)
    )
    if stored is None:
        rate.refuse_over_limit(oldest, now)
        scope.require_role(user, roles, what)
    return stored


_KEY_AND_RATE = idempotency.beside(rate.OLDEST_COUNTED)


def _duplicate(record_id: int) -> Conflict:
    return Conflict(
        "Khu vực bỏ phiếu đã có biên bản cho cấp bầu cử này; hãy gửi bản sửa (corrections)",
        id=record_id,
    )


def _after_race(session: Session, user: User, key: Key | None, place: Place) -> Receipt:
    """A concurrent twin committed first: replay its answer if it was ours, else 409."""
    stored = idempotency.replay(session, user, key)
    session.rollback()
    if stored is not None:
        return stored
    existing = _existing(session, place)
    session.rollback()
    raise (
        _duplicate(existing)
        if existing is not None
        else Conflict("Xung đột khi ghi biên bản; hãy thử lại")
    )


def correct(
    session: Session,
    user: User,
    record_id: int,
    entry: TallyInput,
    reason: str,
    expected_version: int,
    key: Key | None = None,
    place: tuple[str | None, str | None] = (None, None),
) -> Receipt:
    """A new version with a reason; the old one stays. Its receipt; Conflict on a stale version.

    ``place`` is the (voting area, contest) the client says it corrects, if it says so.
    """
    stored = _begin(session, user, key, CORRECTORS, "sửa biên bản kiểm phiếu")
    if stored is not None:
        return stored
    record = record_for_update(session, record_id)
    va = session.get(VotingArea, record.voting_area_id)
    scope.require_inside(user, va)
    if user.role == "officer" and record.status == "verified":
        raise Forbidden("Biên bản đã được xác nhận; Tổ bầu cử không thể sửa nữa")
    contest = session.get(Contest, record.contest_id)
    for name, given, actual in (
        ("voting_area", place[0], va.code),
        ("contest", place[1], contest.code),
    ):
        if given is not None and given != actual:
            raise RuleBroken.single(
                "wrong_record",
                f"Biên bản số {record.id} thuộc «{actual}», không phải «{given}»",
                name,
            )
    where = locate(session, va.code, contest.code, record.round_no)
    warnings = checked(session, where, entry)
    new = expected_version + 1
    now = utcnow()
    before = {"version": record.current_version, "status": record.status}
    old = session.scalar(
        select(TallyVersion).where(
            TallyVersion.record_id == record.id, TallyVersion.version == expected_version
        )
    )
    old_status = record.status
    old_keys = keying.states(session, [record.id])[record.id]
    moved = session.execute(
        update(TallyRecord)
        .where(TallyRecord.id == record.id, TallyRecord.current_version == expected_version)
        .values(current_version=new, status="submitted", updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        # A twin of this request (same key) may have committed while we waited for the
        # record's lock, e.g. sent by a worker that was killed before it answered: replay it.
        stored = idempotency.replay(session, user, key)
        session.rollback()
        if stored is not None:
            return stored
        raise stale_conflict(record_for_update(session, record_id), expected_version, session)
    session.refresh(record)
    version = write_version(session, record, new, where, entry, warnings, user, reason)
    roll_up(session, where, record, entry, old, old_status, old_keys.keyed, old_keys.matched)
    receipt = Receipt(record.id, new, "submitted", warnings)
    audit.append(
        session,
        Actor.of(user),
        "tally.correct",
        "tally",
        record.id,
        before,
        snapshot(record, version, official_votes(where, entry), (va.code, contest.code)),
    )
    reopen.after_record_change(
        session,
        user,
        va.id,
        contest.id,
        record.round_no,
        f"đính chính biên bản {va.name} ({va.code}), phiên bản {new}",
    )
    idempotency.remember(session, user, key, receipt)
    session.commit()
    return receipt
