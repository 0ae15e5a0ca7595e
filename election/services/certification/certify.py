"""Certifying results (issue #17, CONTRACT §6.4): sign off a unit's round, then a
contest over the city or a council's area; any change below reopens it by itself.

``certify_unit`` and ``certify_area`` lock what they sign, check it is complete and verified,
and store a digest of it with the audit anchor. ``reopen`` is called in the transaction of
every change under a certification (a record submitted, corrected or returned, a round
opened): it sets the certifications above the change invalid, audits why, and adds a public
snapshot saying so.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from election.db import begin_write
from election.domain import certification as law
from election.domain.clock import in_vietnam, utcnow
from election.domain.errors import Conflict, NotFound
from election.models.certification import Certification
from election.models.contests import Contest, Unit, UnitVotingArea
from election.models.geography import Area, VotingArea
from election.models.tallies import TallyRecord, TallyVersion, TallyVote
from election.models.users import User
from election.services import scope
from election.services.audit import chain as audit
from election.services.audit.chain import Actor
from election.services.certification.read import CertView
from election.services.certification.snapshots import snapshot
from election.services.results import units as unit_rounds
from election.services.settle import settle
from election.services.tallies import keying
from election.services.tallies.common import COMPLAINTS, FIGURES

CERTIFIERS = ("board",)


def certify_unit(
    session: Session, user: User, code: str, round_no: int, signers: str | None = None
) -> CertView:
    """Sign off round ``round_no`` of unit ``code``: every record in, verified (and matched)."""
    begin_write(session)
    scope.require_role(user, CERTIFIERS, "xác nhận kết quả")
    unit, digest = _signable(session, code, round_no, lock=True)
    return _store(session, user, "unit", unit.contest_id, unit, None, round_no, digest, signers)


def preview_unit(session: Session, code: str, round_no: int) -> str:
    """The digest round ``round_no`` of unit ``code`` would be certified with; Conflict when it
    cannot be yet (what is missing is in the message)."""
    return _signable(session, code, round_no, lock=False)[1]


def _signable(session: Session, code: str, round_no: int, lock: bool) -> tuple[Unit, str]:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound(f"Không có đơn vị bầu cử mã «{code}»")
    rounds = unit_rounds.rounds_of(session, unit)
    if not 1 <= round_no <= len(rounds):
        raise NotFound(f"{unit.name} không có vòng bầu cử thứ {round_no}")
    query = (
        select(TallyRecord)
        .join(
            UnitVotingArea,
            (UnitVotingArea.voting_area_id == TallyRecord.voting_area_id)
            & (UnitVotingArea.contest_id == TallyRecord.contest_id),
        )
        .where(UnitVotingArea.unit_id == unit.id, TallyRecord.round_no == round_no)
        .order_by(TallyRecord.id)
    )
    if lock:
        query = query.with_for_update()  # a correction racing this waits, then reopens it
    records = list(session.scalars(query))
    expected = session.scalar(
        select(func.count()).select_from(UnitVotingArea).where(UnitVotingArea.unit_id == unit.id)
    )
    _require_complete(session, unit, round_no, records, expected or 0)
    if _valid_unit_certification(session, unit.id, round_no) is not None:
        raise Conflict(f"Vòng {round_no} của {unit.name} đã được xác nhận")
    return unit, law.digest(_version_lines(session, records))


def certify_area(
    session: Session, user: User, area_code: str, contest_code: str, signers: str | None = None
) -> CertView:
    """Sign off a contest over an area (the city's ĐBQH result, a council's summary).

    Every unit of the contest inside the area must have its latest round certified, with
    nothing more to hold (no further round due).
    """
    begin_write(session)
    scope.require_role(user, CERTIFIERS, "xác nhận kết quả")
    area = session.scalar(select(Area).where(Area.code == area_code))
    contest = session.scalar(select(Contest).where(Contest.code == contest_code))
    if area is None or contest is None:
        raise NotFound("Không có khu vực hoặc cấp bầu cử này")
    units = units_inside(session, contest.id, area)
    if not units:
        raise NotFound(f"{area.name} không có đơn vị bầu cử nào của cấp bầu cử này")
    lines, missing = [], []
    for unit in units:
        rounds, course = unit_rounds.course_of(session, unit)
        cert = _valid_unit_certification(session, unit.id, rounds[-1].round_no)
        if cert is None or course.next_rounds:
            missing.append(unit.name)
        else:
            lines.append((unit.code, cert.digest))
    if missing:
        raise Conflict(
            f"Chưa thể xác nhận: {len(missing)} đơn vị bầu cử chưa được xác nhận kết quả cuối "
            f"cùng ({', '.join(missing[:5])}{'…' if len(missing) > 5 else ''})",
            missing=missing,
        )
    level = "city" if area.parent_id is None and contest.code == "QH" else "council"
    current = session.scalar(
        select(Certification).where(
            Certification.area_id == area.id,
            Certification.contest_id == contest.id,
            Certification.valid.is_(True),
        )
    )
    if current is not None:
        raise Conflict(f"Kết quả {contest.name} của {area.name} đã được xác nhận")
    digest = law.digest(lines)
    return _store(session, user, level, contest.id, None, area, None, digest, signers)


def units_inside(session: Session, contest_id: int, area: Area) -> list[Unit]:
    """The units of a contest whose voting areas all lie inside ``area``."""
    inside = (
        select(UnitVotingArea.unit_id)
        .join(VotingArea, VotingArea.id == UnitVotingArea.voting_area_id)
        .join(Area, Area.id == VotingArea.area_id)
        .where(UnitVotingArea.contest_id == contest_id)
        .group_by(UnitVotingArea.unit_id)
        .having(func.sum(case((Area.path.startswith(area.path, autoescape=True), 0), else_=1)) == 0)
    )
    return list(session.scalars(select(Unit).where(Unit.id.in_(inside)).order_by(Unit.id)))


def _require_complete(
    session: Session, unit: Unit, round_no: int, records: list[TallyRecord], expected: int
) -> None:
    missing = expected - len(records)
    unverified = sum(1 for r in records if r.status != "verified")
    unmatched = 0
    if keying.required(session) and records:
        states = keying.states(session, [r.id for r in records])
        unmatched = sum(1 for r in records if not states[r.id].matched)
    if missing or unverified or unmatched:
        parts = []
        if missing:
            parts.append(f"{missing} khu vực bỏ phiếu chưa có biên bản")
        if unverified:
            parts.append(f"{unverified} biên bản chưa được kiểm tra xác nhận")
        if unmatched:
            parts.append(f"{unmatched} biên bản chưa được nhập lại đối chiếu khớp")
        raise Conflict(
            f"Chưa thể xác nhận vòng {round_no} của {unit.name}: " + "; ".join(parts),
            missing=missing,
            unverified=unverified,
            unmatched=unmatched,
        )


def _version_lines(session: Session, records: list[TallyRecord]) -> list[tuple[str, str]]:
    versions = {
        v.record_id: v
        for v in session.scalars(
            select(TallyVersion).where(
                TallyVersion.record_id.in_([r.id for r in records]),
                TallyVersion.version
                == select(TallyRecord.current_version)
                .where(TallyRecord.id == TallyVersion.record_id)
                .scalar_subquery(),
            )
        )
    }
    votes: dict[int, dict[int, int]] = {v.id: {} for v in versions.values()}
    for version_id, candidate_id, n in session.execute(
        select(TallyVote.version_id, TallyVote.candidate_id, TallyVote.votes).where(
            TallyVote.version_id.in_(list(votes))
        )
    ):
        votes[version_id][candidate_id] = n
    codes = dict(
        session.execute(
            select(VotingArea.id, VotingArea.code).where(
                VotingArea.id.in_([r.voting_area_id for r in records])
            )
        ).all()
    )
    lines = []
    for r in records:
        v = versions[r.id]
        content = {
            "voting_area": codes[r.voting_area_id],
            "contest": r.contest_id,
            "round": r.round_no,
            "version": v.version,
            "figures": {name: getattr(v, name) for name in (*FIGURES, *COMPLAINTS)},
            "votes": {str(k): n for k, n in sorted(votes[v.id].items())},
            "names_kept": v.names_kept,
            "comment": v.comment,
            "reason": v.reason,
        }
        lines.append((codes[r.voting_area_id], law.content_hash(content)))
    return lines


def _valid_unit_certification(
    session: Session, unit_id: int, round_no: int
) -> Certification | None:
    return session.scalar(
        select(Certification).where(
            Certification.unit_id == unit_id,
            Certification.round_no == round_no,
            Certification.valid.is_(True),
        )
    )


def _store(
    session: Session,
    user: User,
    level: str,
    contest_id: int,
    unit: Unit | None,
    area: Area | None,
    round_no: int | None,
    digest: str,
    signers: str | None,
) -> CertView:
    # Chain what is pending and keep the head: the anchor is the whole past, and the
    # certification's own event is the next one.
    settle(session)
    head = audit.anchor(session)
    now = utcnow()
    cert = Certification(
        level=level,
        contest_id=contest_id,
        unit_id=unit.id if unit else None,
        area_id=area.id if area else None,
        round_no=round_no,
        digest=digest,
        audit_seq=head.seq,
        audit_hash=head.hash,
        signers=signers or None,
        certified_at=now,
        certified_by=user.id,
    )
    session.add(cert)
    session.flush()
    name = unit.name if unit else area.name  # type: ignore[union-attr]
    code = unit.code if unit else area.code  # type: ignore[union-attr]
    after = {
        "certification": cert.id,
        "level": level,
        "round": round_no,
        "digest": digest,
        "audit_seq": head.seq,
        "audit_hash": head.hash,
        "signers": cert.signers,
    }
    audit.append(session, Actor.of(user), "certification.create", level, code, None, after)
    when = in_vietnam(now).strftime("%H:%M")
    what = f"vòng {round_no}" if round_no and round_no > 1 else "kết quả"
    snapshot(session, contest_id, [f"{name}: xác nhận {what} lúc {when}"])
    session.commit()
    contest_code = session.scalar(select(Contest.code).where(Contest.id == contest_id)) or ""
    # As read.listing shows it: the same view for what was just signed.
    return CertView(
        cert.id,
        level,
        code,
        name,
        contest_code,
        round_no,
        digest,
        head.seq,
        head.hash,
        now,
        user.username,
        cert.signers,
        True,
        None,
        None,
        None,
    )


@dataclass(frozen=True)
class AreaTarget:
    """A result the board may sign over an area, and whether it already holds."""

    area: str
    area_name: str
    contest: str
    contest_name: str
    units: int
    certified: bool


def area_targets(session: Session, limit: int = 300) -> list[AreaTarget]:
    """The city's ĐBQH result and each council's summary (for the board's list)."""
    from election.services.forms import committee
    from election.services.forms.common import basics

    base = basics(session)
    found = []
    for contest in session.scalars(select(Contest).order_by(Contest.id)):
        if contest.code == "QH":
            areas = [base.root]
        else:
            areas = [
                a
                for a in session.scalars(select(Area).order_by(Area.id))
                if committee.council_of(session, base, contest, a)
            ]
        for area in areas[:limit]:
            units = units_inside(session, contest.id, area)
            if not units:
                continue
            valid = session.scalar(
                select(Certification.id).where(
                    Certification.area_id == area.id,
                    Certification.contest_id == contest.id,
                    Certification.valid.is_(True),
                )
            )
            found.append(
                AreaTarget(
                    area.code, area.name, contest.code, contest.name, len(units), bool(valid)
                )
            )
    return found
