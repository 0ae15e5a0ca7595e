"""Reopening by itself (issue #17): a change under a certification invalidates it at once.

Called in the transaction of the change, after its own audit event: the certifications of
the unit's rounds from the changed one on, and those of the same contest over any area the
change lies in (the city's, a council's), become invalid, each with an audit event
``certification.reopen`` naming the change, and the public page gets a new snapshot.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from election.domain.clock import utcnow
from election.models.certification import Certification
from election.models.contests import Unit, UnitVotingArea
from election.models.geography import Area, VotingArea
from election.models.users import User
from election.services.audit import chain as audit
from election.services.audit.chain import Actor
from election.services.certification.snapshots import snapshot
from election.services.settle import settle


def after_record_change(
    session: Session,
    user: User | None,
    voting_area_id: int,
    contest_id: int,
    round_no: int,
    cause: str,
) -> int:
    """Reopen what a change to a record of ``round_no`` lies under; how many were reopened."""
    unit = session.scalar(
        select(Unit)
        .join(UnitVotingArea, UnitVotingArea.unit_id == Unit.id)
        .where(
            UnitVotingArea.voting_area_id == voting_area_id,
            UnitVotingArea.contest_id == contest_id,
        )
    )
    va = session.get(VotingArea, voting_area_id)
    if unit is None or va is None:
        return 0
    return after_unit_change(session, user, unit, round_no, cause, va.area)


def after_unit_change(
    session: Session, user: User | None, unit: Unit, round_no: int, cause: str, area: Area | None
) -> int:
    """Reopen the unit's certifications from ``round_no`` on and the areas' above it."""
    found = list(
        session.scalars(
            select(Certification).where(
                Certification.unit_id == unit.id,
                Certification.round_no >= round_no,
                Certification.valid.is_(True),
            )
        )
    )
    paths = _unit_paths(session, unit) if area is None else [area.path]
    above = session.scalars(
        select(Certification)
        .join(Area, Area.id == Certification.area_id)
        .where(Certification.contest_id == unit.contest_id, Certification.valid.is_(True))
    )
    found += [c for c in above if any(p.startswith(_path_of(session, c)) for p in paths)]
    if not found:
        return 0
    now = utcnow()
    events, changes = [], []
    for cert in found:
        reason = cause if cert.level == "unit" else f"{unit.name} được mở lại: {cause}"
        session.execute(
            update(Certification)
            .where(Certification.id == cert.id, Certification.valid.is_(True))
            .values(valid=False, reopened_at=now, reopened_reason=reason)
            .execution_options(synchronize_session=False)
        )
        after = {"certification": cert.id, "level": cert.level, "reason": reason}
        scope_code = unit.code if cert.level == "unit" else _area_code(session, cert)
        events.append(
            audit.Event(Actor.of(user), "certification.reopen", cert.level, scope_code, None, after)
        )
        if cert.level == "unit":
            changes.append(f"{unit.name}: mở lại do {cause}")
        else:
            changes.append(f"{_area_name(session, cert)}: mở lại do {unit.name} thay đổi")
    # Rare, and each reopening names its own event: chain what is pending (this write's own
    # event too) and keep the head, so the reopenings are numbered right after it.
    settle(session)
    before = audit.anchor(session).seq
    audit.append_many(session, events)
    for n, cert in enumerate(found, start=1):  # each one's own event, in the order appended
        session.execute(
            update(Certification)
            .where(Certification.id == cert.id)
            .values(reopened_seq=before + n)
            .execution_options(synchronize_session=False)
        )
    snapshot(session, unit.contest_id, changes)
    return len(found)


def _unit_paths(session: Session, unit: Unit) -> list[str]:
    return list(
        session.scalars(
            select(Area.path)
            .join(VotingArea, VotingArea.area_id == Area.id)
            .join(UnitVotingArea, UnitVotingArea.voting_area_id == VotingArea.id)
            .where(UnitVotingArea.unit_id == unit.id)
            .distinct()
        )
    )


def _path_of(session: Session, cert: Certification) -> str:
    return session.scalar(select(Area.path).where(Area.id == cert.area_id)) or "\x00"


def _area_code(session: Session, cert: Certification) -> str:
    return session.scalar(select(Area.code).where(Area.id == cert.area_id)) or ""


def _area_name(session: Session, cert: Certification) -> str:
    return session.scalar(select(Area.name).where(Area.id == cert.area_id)) or ""
