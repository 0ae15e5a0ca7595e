"""Later rounds of an electoral unit: an additional election or a re-election (domain.md §6)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.db import begin_write
from election.domain.clock import utcnow
from election.domain.errors import Conflict, InvalidInput, NotFound, RuleBroken
from election.models import Unit as UnitModel
from election.models import UnitRound, User
from election.services import scope
from election.services.audit import chain as audit
from election.services.audit.chain import Actor
from election.services.certification import reopen
from election.services.results import totals, units

KIND_NAMES = {"additional": "bầu cử thêm", "re_election": "bầu cử lại"}
MAX_REASON = 1000


@dataclass(frozen=True)
class OpenedRound:
    """A unit's new round: its number and kind."""

    unit: str
    round_no: int
    kind: str


def open_round(
    session: Session, user: User, unit_code: str, kind: str, reason: str | None = None
) -> OpenedRound:
    """Open the next round of a unit when its current, complete round calls for one.

    Where the law is silent (an additional election whose turnout is not above half) the
    board decides, and must say why: ``reason`` is then required and recorded in the audit.
    """
    if kind not in KIND_NAMES:
        raise InvalidInput(
            "Loại vòng bầu cử phải là additional (bầu cử thêm) hoặc re_election (bầu cử lại)",
            {"kind": ["Không hợp lệ"]},
        )
    begin_write(session)
    scope.require_role(user, ("board",), "mở vòng bầu cử mới")
    unit = session.scalar(select(UnitModel).where(UnitModel.code == unit_code))
    if unit is None:
        raise NotFound(f"Không có đơn vị bầu cử mã «{unit_code}»")
    rounds, course = units.course_of(session, unit)
    current = rounds[-1]
    if not current.complete:
        raise Conflict(
            f"Vòng {current.round_no} của đơn vị bầu cử «{unit.code}» chưa đủ biên bản "
            f"({current.result.voting_areas_reported}/{current.result.voting_areas_total})"
        )
    if kind not in course.next_rounds:
        raise Conflict(
            f"Kết quả vòng {current.round_no} của đơn vị bầu cử «{unit.code}» không đòi hỏi "
            f"{KIND_NAMES[kind]}"
        )
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > MAX_REASON:
        raise InvalidInput("Lý do quá dài", {"reason": ["Tối đa 1.000 ký tự"]})
    if course.board_decides and reason is None:
        raise RuleBroken(
            "Pháp luật không quy định trường hợp này: Ủy ban bầu cử phải ghi rõ lý do "
            f"mở cuộc {KIND_NAMES[kind]} ở đơn vị bầu cử «{unit.code}»",
            [],
            {"reason": ["Bắt buộc phải có lý do khi Ủy ban bầu cử quyết định"]},
        )
    number = current.round_no + 1
    session.add(
        UnitRound(
            unit_id=unit.id, round_no=number, kind=kind, opened_at=utcnow(), opened_by=user.id
        )
    )
    session.flush()
    totals.open_round(session, unit.id, unit.contest_id, number)
    after: dict[str, object] = {"round": number, "kind": kind}
    if reason is not None:
        after["reason"] = reason
    audit.append(
        session,
        Actor.of(user),
        "unit.round_open",
        "unit",
        unit.code,
        {"round": current.round_no, "kind": current.kind},
        after,
    )
    reopen.after_unit_change(session, user, unit, 1, f"mở vòng {number} ({KIND_NAMES[kind]})", None)
    session.commit()
    return OpenedRound(unit.code, number, kind)
