"""Certifications as the board and the forms see them: a unit's, the list, what is reopened."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from election.domain.clock import in_vietnam
from election.models.certification import Certification
from election.models.contests import Contest, Unit, UnitVotingArea
from election.models.geography import Area, VotingArea
from election.models.users import User


@dataclass(frozen=True)
class CertView:
    id: int
    level: str
    scope: str  # unit or area code
    scope_name: str
    contest: str
    round: int | None
    digest: str
    audit_seq: int
    audit_hash: str
    certified_at: dt.datetime
    by: str
    signers: str | None
    valid: bool
    reopened_seq: int | None
    reopened_reason: str | None
    reopened_at: dt.datetime | None

    @property
    def anchor(self) -> str:
        return f"{self.audit_seq}:{self.audit_hash}"


def _query():
    return (
        select(
            Certification,
            func.coalesce(Unit.code, Area.code),
            func.coalesce(Unit.name, Area.name),
            Contest.code,
            User.username,
        )
        .join(Contest, Contest.id == Certification.contest_id)
        .join(User, User.id == Certification.certified_by)
        .outerjoin(Unit, Unit.id == Certification.unit_id)
        .outerjoin(Area, Area.id == Certification.area_id)
    )


def _view(row) -> CertView:
    c, code, name, contest, by = row
    return CertView(
        c.id,
        c.level,
        code,
        name,
        contest,
        c.round_no,
        c.digest,
        c.audit_seq,
        c.audit_hash,
        c.certified_at,
        by,
        c.signers,
        c.valid,
        c.reopened_seq,
        c.reopened_reason,
        c.reopened_at,
    )


def of_unit(session: Session, unit_id: int, round_no: int | None = None) -> CertView | None:
    """The unit's latest certification (of ``round_no`` when given), valid or reopened."""
    query = _query().where(Certification.unit_id == unit_id)
    if round_no is not None:
        query = query.where(Certification.round_no == round_no)
    row = session.execute(query.order_by(Certification.id.desc()).limit(1)).first()
    return _view(row) if row else None


def of_area(session: Session, area_id: int, contest_id: int) -> CertView | None:
    """The latest certification of a contest over an area, valid or reopened."""
    query = _query().where(Certification.area_id == area_id, Certification.contest_id == contest_id)
    row = session.execute(query.order_by(Certification.id.desc()).limit(1)).first()
    return _view(row) if row else None


def listing(session: Session, limit: int = 500) -> list[CertView]:
    """Every certification, newest first."""
    rows = session.execute(_query().order_by(Certification.id.desc()).limit(limit))
    return [_view(r) for r in rows]


def reopened(session: Session) -> list[CertView]:
    """Reopened certifications not yet signed again (the board's banner)."""
    latest = (
        select(func.max(Certification.id))
        .group_by(Certification.level, Certification.unit_id, Certification.round_no)
        .group_by(Certification.area_id, Certification.contest_id)
    )
    rows = session.execute(
        _query().where(Certification.id.in_(latest), Certification.valid.is_(False))
    )
    return [_view(r) for r in rows]


def area_certified(session: Session, area_id: int, contest_id: int) -> CertView | None:
    """The valid certification of a contest over an area, or None."""
    found = of_area(session, area_id, contest_id)
    return found if found is not None and found.valid else None


def rounds_certified(session: Session, unit_id: int, rounds: list[int]) -> list[CertView] | None:
    """The valid certifications of every one of the unit's ``rounds``, or None if one lacks."""
    found = []
    for round_no in rounds:
        cert = of_unit(session, unit_id, round_no)
        if cert is None or not cert.valid:
            return None
        found.append(cert)
    return found


def contest_certified(session: Session, contest_id: int) -> bool:
    """Every unit of the contest lies inside an area whose result is certified and valid."""
    paths = list(
        session.scalars(
            select(Area.path)
            .join(Certification, Certification.area_id == Area.id)
            .where(Certification.contest_id == contest_id, Certification.valid.is_(True))
        )
    )
    if not paths:
        return False
    uncovered = session.execute(
        select(Area.path)
        .join(VotingArea, VotingArea.area_id == Area.id)
        .join(UnitVotingArea, UnitVotingArea.voting_area_id == VotingArea.id)
        .where(UnitVotingArea.contest_id == contest_id)
        .distinct()
    ).scalars()
    return all(any(p.startswith(c) for c in paths) for p in uncovered)


def line(cert: CertView) -> str:
    """The certification as a form prints it: when, by whom, the digest and the anchor."""
    when = in_vietnam(cert.certified_at).strftime("%H:%M ngày %d/%m/%Y")
    signers = f" ({cert.signers})" if cert.signers else ""
    return (
        f"Đã xác nhận lúc {when}, người xác nhận {cert.by}{signers}. Mã tổng hợp SHA-256: "
        f"{cert.digest}. Mốc nhật ký: {cert.anchor}."
    )


def of_unit_as_of(session: Session, unit_id: int, seq: int) -> CertView | None:
    """The unit's certification as it stood right after audit event ``seq`` (issue #18).

    A certification's own event follows the anchor it prints (``audit_seq + 1``); it was
    still valid then unless reopened by an event at or before ``seq``.
    """
    row = session.execute(
        _query()
        .where(Certification.unit_id == unit_id, Certification.audit_seq < seq)
        .order_by(Certification.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    found = _view(row)
    if found.reopened_seq is not None and found.reopened_seq > seq:
        return replace(found, valid=True, reopened_seq=None, reopened_reason=None, reopened_at=None)
    return found
