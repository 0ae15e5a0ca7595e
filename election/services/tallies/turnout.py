"""Turnout during election day: polling teams report voters who have voted at set times."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from election.db import begin_write
from election.domain.clock import utcnow
from election.domain.contests import law_rank
from election.domain.errors import Forbidden, NotFound, RuleBroken
from election.domain.numbers import fmt_int, percent
from election.domain.problems import Problem
from election.models.contests import Contest, Election
from election.models.geography import Area, VotingArea
from election.models.results import ResultTotal, TurnoutReport
from election.models.rolls import VoterCount
from election.models.users import User
from election.services import scope
from election.services.audit import chain as audit
from election.services.audit.chain import Actor
from election.services.identity import rate
from election.services.tallies.place import locate


def times(session: Session) -> list[str]:
    """The configured report times of the election, in order ("11:00", …)."""
    raw = session.scalar(select(Election.turnout_times)) or ""
    return [t.strip() for t in raw.split(",") if t.strip()]


def report(
    session: Session, user: User, voting_area_code: str, contest_code: str, slot: str, voted: int
) -> dict:
    """Record (or replace) a polling team's count of voters so far; audited."""
    return report_all(session, user, voting_area_code, slot, {contest_code: voted}, "")[0]


def report_all(
    session: Session,
    user: User,
    voting_area_code: str,
    slot: str,
    voted: dict[str, int],
    field_prefix: str = "voters_voted.",
) -> list[dict]:
    """Record (or replace) the counts of several contests at one report time, all or none,
    each audited. A refused count is named ``field_prefix + contest`` (``voters_voted`` when
    the prefix is empty)."""
    begin_write(session)
    scope.require_role(user, ("officer",), "báo cáo số cử tri đã bỏ phiếu")
    rate.check(session, user)
    slots = times(session)
    if slot not in slots:
        raise RuleBroken.single(
            "time_unknown", f"Mốc giờ báo cáo phải là một trong: {', '.join(slots)}", "time"
        )
    places, problems = [], []
    for contest_code, n in voted.items():
        place = locate(session, voting_area_code, contest_code)
        scope.require_inside(user, place.voting_area)
        field = f"{field_prefix}{contest_code}" if field_prefix else "voters_voted"
        found = _problem(session, place, slots, slot, n, field)
        if found is not None:
            problems.append(found)
        places.append((place, n))
    if problems:
        raise RuleBroken(problems[0].message, problems)
    done = [_store(session, user, place, slot, n) for place, n in places]
    session.commit()
    return done


def _roll(session: Session, place) -> int | None:
    return session.scalar(
        select(func.coalesce(VoterCount.roll_voters, VoterCount.setup_voters)).where(
            VoterCount.voting_area_id == place.voting_area.id,
            VoterCount.contest_id == place.contest.id,
        )
    )


def _problem(session: Session, place, slots: list[str], slot: str, voted: int, field: str):
    """Why a count cannot be reported at ``slot``: above the roll, or out of step in time."""
    roll = _roll(session, place)
    if roll is not None and voted > roll:
        return Problem(
            "voted_exceeds_roll",
            f"Số cử tri đã bỏ phiếu ({fmt_int(voted)}) không được lớn hơn tổng số cử tri "
            f"({fmt_int(roll)})",
            field=field,
        )
    earlier = {
        s: n
        for s, n in session.execute(
            select(TurnoutReport.slot, TurnoutReport.voters_voted).where(
                TurnoutReport.voting_area_id == place.voting_area.id,
                TurnoutReport.contest_id == place.contest.id,
            )
        )
    }
    position = slots.index(slot)
    for other, n in earlier.items():
        if other in slots and (
            (slots.index(other) < position and n > voted)
            or (slots.index(other) > position and n < voted)
        ):
            return Problem(
                "turnout_decreasing",
                f"Số cử tri đã bỏ phiếu lúc {slot} ({fmt_int(voted)}) không khớp với báo cáo lúc "
                f"{other} ({fmt_int(n)}): số người đã bỏ phiếu không giảm theo thời gian",
                field=field,
            )
    return None


def _store(session: Session, user: User, place, slot: str, voted: int) -> dict:
    row = session.get(TurnoutReport, (place.voting_area.id, place.contest.id, slot))
    before = None if row is None else {"voters_voted": row.voters_voted}
    if row is None:
        row = TurnoutReport(
            voting_area_id=place.voting_area.id, contest_id=place.contest.id, slot=slot
        )
        session.add(row)
    row.voters_voted = voted
    row.reported_at = utcnow()
    row.actor_id = user.id
    session.flush()
    audit.append(
        session,
        Actor.of(user),
        "turnout.report",
        "voting_area",
        place.voting_area.code,
        before,
        {"contest": place.contest.code, "time": slot, "voters_voted": voted},
    )
    roll = _roll(session, place)
    return {
        "voting_area": place.voting_area.code,
        "contest": place.contest.code,
        "time": slot,
        "voters_voted": voted,
        "turnout_pct": _pct(percent(voted, roll) if roll else None),
    }


def reported(session: Session, voting_area: VotingArea) -> dict[str, dict[str, int]]:
    """What a voting area has reported so far: contest code → report time → voters."""
    out: dict[str, dict[str, int]] = {}
    for code, slot, n in session.execute(
        select(Contest.code, TurnoutReport.slot, TurnoutReport.voters_voted)
        .join(Contest, Contest.id == TurnoutReport.contest_id)
        .where(TurnoutReport.voting_area_id == voting_area.id)
    ):
        out.setdefault(code, {})[slot] = n
    return out


def _pct(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


@dataclass(frozen=True)
class SlotProgress:
    contest: str
    time: str
    voting_areas_total: int
    reported: int
    voters_voted: int
    voters_on_roll: int  # of the voting areas that reported at that time

    @property
    def turnout_pct(self) -> Decimal | None:
        return percent(self.voters_voted, self.voters_on_roll)


def progress(
    session: Session, user: User, area_code: str | None
) -> tuple[Area, list[SlotProgress]]:
    """Per contest and report time: how many voting areas reported, and their turnout so far."""
    area = (
        session.scalar(select(Area).where(Area.parent_id.is_(None)))
        if not area_code
        else session.scalar(select(Area).where(Area.code == area_code))
    )
    if area is None:
        raise NotFound(f"Không có khu vực hành chính mã «{area_code}»")
    if not scope.area_inside(user, area):
        raise Forbidden("Khu vực này nằm ngoài phạm vi của bạn")
    totals = dict(
        session.execute(
            select(Contest.code, ResultTotal.voting_areas_total)
            .join(ResultTotal, ResultTotal.contest_id == Contest.id)
            .where(
                ResultTotal.scope_kind == "area",
                ResultTotal.scope_id == area.id,
                ResultTotal.round_no == 1,
            )
        ).all()
    )
    reports = (
        select(
            Contest.code,
            TurnoutReport.slot,
            func.count(),
            func.sum(TurnoutReport.voters_voted),
            func.sum(func.coalesce(VoterCount.roll_voters, VoterCount.setup_voters)),
        )
        .join(Contest, Contest.id == TurnoutReport.contest_id)
        .join(VotingArea, VotingArea.id == TurnoutReport.voting_area_id)
        .outerjoin(
            VoterCount,
            (VoterCount.voting_area_id == TurnoutReport.voting_area_id)
            & (VoterCount.contest_id == TurnoutReport.contest_id),
        )
        .group_by(Contest.code, TurnoutReport.slot)
    )
    sums = {
        (contest, slot): (n, voted, roll or 0)
        for contest, slot, n, voted, roll in session.execute(
            scope.voting_areas_below(reports, area.id)
        )
    }
    contests = sorted(session.scalars(select(Contest.code).order_by(Contest.id)), key=law_rank)
    rows = []
    for contest in contests:
        if contest not in totals:
            continue
        for slot in times(session):
            n, voted, roll = sums.get((contest, slot), (0, 0, 0))
            rows.append(SlotProgress(contest, slot, totals[contest], n, int(voted), int(roll)))
    return area, rows
