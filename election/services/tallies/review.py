"""Verifying and returning records: a second person's decision, audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session

from election.db import begin_write
from election.domain.clock import utcnow
from election.domain.errors import Conflict, Forbidden
from election.models.geography import VotingArea
from election.models.tallies import TallyRecord
from election.models.users import User
from election.services import scope
from election.services.audit import chain as audit
from election.services.audit.chain import Actor
from election.services.certification import reopen
from election.services.tallies import keying
from election.services.tallies.common import add_to_totals, record_for_update
from election.services.tallies.stale import stale_conflict, status_conflict


@dataclass(frozen=True)
class Decision:
    """A record after a verification or a return: its current version and new status."""

    id: int
    version: int
    status: str


def verify(session: Session, user: User, record_id: int, expected_version: int) -> Decision:
    """Mark the current version verified by a second person."""
    return _change_status(session, user, record_id, expected_version, "verified", None)


def return_(
    session: Session, user: User, record_id: int, reason: str, expected_version: int | None
) -> Decision:
    """Send the record back to its polling team with a reason, so they correct it."""
    return _change_status(session, user, record_id, expected_version, "returned", reason)


ALLOWED_FROM = {"verified": ("submitted",), "returned": ("submitted", "verified")}
ACTIONS = {
    "verified": ("tally.verify", "xác nhận biên bản"),
    "returned": ("tally.return", "trả lại biên bản"),
}


def _change_status(
    session: Session,
    user: User,
    record_id: int,
    expected_version: int | None,
    status: str,
    reason: str | None,
) -> Decision:
    action, what = ACTIONS[status]
    begin_write(session)
    scope.require_role(user, ("reviewer", "board"), what)
    record = record_for_update(session, record_id)
    va = session.get(VotingArea, record.voting_area_id)
    scope.require_inside(user, va)
    if status == "verified" and user.id in keying.authors(session, record):
        raise Forbidden("Không ai được xác nhận biên bản do chính mình nhập hoặc sửa lần cuối")
    if expected_version is not None and expected_version != record.current_version:
        raise stale_conflict(record, expected_version, session)
    if record.status not in ALLOWED_FROM[status]:
        raise status_conflict(session, record, what, STATUS_NAMES[record.status])
    if status == "verified":
        keying.require_match(session, record)
    before = {"version": record.current_version, "status": record.status}
    moved = session.execute(
        update(TallyRecord)
        .where(
            TallyRecord.id == record.id,
            TallyRecord.current_version == record.current_version,
            TallyRecord.status == record.status,
        )
        .values(status=status, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        session.rollback()
        raise Conflict("Biên bản vừa được người khác cập nhật; hãy tải lại và thử lại")
    add_to_totals(
        session, record, verified=(status == "verified") - (before["status"] == "verified")
    )
    after = {"version": record.current_version, "status": status}
    if reason is not None:
        after["reason"] = reason
    audit.append(session, Actor.of(user), action, "tally", record.id, before, after)
    if status == "returned":
        va_name = f"{va.name} ({va.code})"
        reopen.after_record_change(
            session,
            user,
            record.voting_area_id,
            record.contest_id,
            record.round_no,
            f"trả lại biên bản {va_name}: {reason}",
        )
    session.commit()
    return Decision(record.id, record.current_version, status)


STATUS_NAMES = {"submitted": "đã nộp", "verified": "đã xác nhận", "returned": "bị trả lại"}
