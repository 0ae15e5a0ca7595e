"""The board's triage of a contest (CONTRACT §6.5): which units are decided, and why not.

Reads the running totals of each unit's current round, its candidates' votes and its
outstanding voting areas with their rolls in a handful of set-wide queries (the nation's
QH contest has 184 units and tens of thousands of outstanding areas), then lets the domain
(``election.domain.triage``) judge each unit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from election.domain import triage as law
from election.domain import winners as rules
from election.domain.errors import Forbidden
from election.domain.results import Result
from election.models import (
    AreaClosure,
    Candidate,
    Contest,
    ResultTotal,
    ResultVote,
    TallyRecord,
    Unit,
    UnitRound,
    UnitVotingArea,
    User,
    VoterCount,
    VotingArea,
)
from election.services.results.areas import contest_named
from election.services.results.lines import result_of
from election.services.results.units import course_of

ROLES = ("board", "reviewer")


def contest_triage(session: Session, user: User, contest_code: str | None) -> list[law.Triage]:
    """Every unit of the contest in the caller's scope, undecided and close units first."""
    if user.role not in ROLES:
        raise Forbidden("Chỉ Ủy ban bầu cử và người kiểm tra được xem tình hình các đơn vị")
    contest = contest_named(session, contest_code)
    units = _units(session, user, contest)
    return law.order(law.triage(s) for s in states(session, contest, units))


def unit_triage(session: Session, unit: Unit) -> law.Triage:
    """One unit's triage (the unit page; its scope is checked by the caller)."""
    (state,) = states(session, unit.contest, [unit])
    return law.triage(state)


def states(session: Session, contest: Contest, units: list[Unit]) -> list[law.UnitState]:
    """Each unit's current round as the domain judges it."""
    # Units whose rounds go past the first (rare): the rest are read contest-wide at once.
    latest = dict(
        session.execute(
            select(UnitRound.unit_id, func.max(UnitRound.round_no))
            .join(Unit, Unit.id == UnitRound.unit_id)
            .where(Unit.contest_id == contest.id, UnitRound.round_no > 1)
            .group_by(UnitRound.unit_id)
        ).all()
    )
    first = [u for u in units if latest.get(u.id, 1) == 1]
    out = {u.id: s for u, s in zip(first, _first_rounds(session, contest, first), strict=True)}
    for unit in units:
        if unit.id not in out:
            out[unit.id] = _later_round(session, unit, latest[unit.id])
    return [out[u.id] for u in units]


def _units(session: Session, user: User, contest: Contest) -> list[Unit]:
    query = select(Unit).where(Unit.contest_id == contest.id).order_by(Unit.id)
    if user.role == "reviewer":
        inside = (
            select(UnitVotingArea.unit_id)
            .join(VotingArea, VotingArea.id == UnitVotingArea.voting_area_id)
            .join(AreaClosure, AreaClosure.descendant_id == VotingArea.area_id)
            .where(AreaClosure.ancestor_id == user.area_id)
        )
        query = query.where(Unit.id.in_(inside))
    return list(session.scalars(query))


def _first_rounds(session: Session, contest: Contest, units: list[Unit]) -> list[law.UnitState]:
    """Units still in their first round: every query covers the whole contest at once."""
    if not units:
        return []
    wanted = {u.id for u in units}
    totals = {
        t.scope_id: t
        for t in session.scalars(
            select(ResultTotal).where(
                ResultTotal.scope_kind == "unit",
                ResultTotal.contest_id == contest.id,
                ResultTotal.round_no == 1,
            )
        )
    }
    votes = dict(
        session.execute(
            select(ResultVote.candidate_id, ResultVote.votes).where(
                ResultVote.scope_kind == "unit",
                ResultVote.contest_id == contest.id,
                ResultVote.round_no == 1,
            )
        ).all()
    )
    ballots: dict[int, list[tuple[rules.UnitCandidate, int]]] = defaultdict(list)
    for c in session.execute(
        select(
            Candidate.id,
            Candidate.unit_id,
            Candidate.code,
            Candidate.full_name,
            Candidate.date_of_birth,
            Candidate.ballot_order,
        )
        .join(Unit, Unit.id == Candidate.unit_id)
        .where(Unit.contest_id == contest.id)
        .order_by(Candidate.unit_id, Candidate.ballot_order)
    ):
        if c.unit_id in wanted:
            candidate = rules.UnitCandidate(c.code, c.full_name, c.date_of_birth, c.ballot_order)
            ballots[c.unit_id].append((candidate, votes.get(c.id, 0)))
    pending = _pending(session, contest.id, 1, None)
    return [
        _state(
            u,
            contest,
            rules.FIRST,
            u.seats,
            rules.Earlier(u.seats),
            ballots[u.id],
            result_of(totals.get(u.id)),
            pending.get(u.id, []),
        )
        for u in units
    ]


def _later_round(session: Session, unit: Unit, round_no: int) -> law.UnitState:
    """A unit in an additional election or a re-election: its ballot follows the rounds."""
    rounds, course = course_of(session, unit)
    current = rounds[-1]
    earlier = rules.Earlier(
        unit.seats,
        filled=len(course.elected) - len(current.outcome.elected),
        additional_held=any(r.kind == rules.ADDITIONAL for r in rounds[:-1]),
        re_election_held=any(r.kind == rules.RE_ELECTION for r in rounds[:-1]),
    )
    pairs = [(c, v) for c, (_code, v) in zip(current.ballot, current.result.votes, strict=True)]
    pending = _pending(session, unit.contest_id, round_no, unit.id).get(unit.id, [])
    return _state(
        unit, unit.contest, current.kind, current.seats, earlier, pairs, current.result, pending
    )


def _state(
    unit: Unit,
    contest: Contest,
    kind: str,
    seats: int,
    earlier: rules.Earlier,
    ballot: list[tuple[rules.UnitCandidate, int]],
    total: Result,
    pending: list[law.PendingArea],
) -> law.UnitState:
    reported = total.voting_areas_reported
    result = Result(
        reported + len(pending),
        reported,
        total.voters_on_roll,
        total.voters_voted,
        total.ballots_issued,
        total.ballots_received,
        total.ballots_valid,
        total.ballots_invalid,
        tuple((c.code, v) for c, v in ballot),
    )
    return law.UnitState(
        unit.code,
        contest.code,
        kind,
        seats,
        earlier,
        tuple(c for c, _v in ballot),
        result,
        tuple(pending),
    )


def _pending(
    session: Session, contest_id: int, round_no: int, unit_id: int | None
) -> dict[int, list[law.PendingArea]]:
    """Per unit: its voting areas without a record for the round, with their voters on roll."""
    voters = func.coalesce(VoterCount.roll_voters, VoterCount.setup_voters, 0)
    query = (
        select(UnitVotingArea.unit_id, VotingArea.code, voters)
        .join(VotingArea, VotingArea.id == UnitVotingArea.voting_area_id)
        .outerjoin(
            VoterCount,
            (VoterCount.voting_area_id == UnitVotingArea.voting_area_id)
            & (VoterCount.contest_id == contest_id),
        )
        .where(
            UnitVotingArea.contest_id == contest_id,
            # NOT EXISTS, which PostgreSQL plans as an anti-join with a fair row estimate (an
            # outer join filtered on NULL was estimated at one row and looped 34.000 times).
            ~select(TallyRecord.id)
            .where(
                TallyRecord.voting_area_id == UnitVotingArea.voting_area_id,
                TallyRecord.contest_id == contest_id,
                TallyRecord.round_no == round_no,
            )
            .exists(),
        )
        .order_by(UnitVotingArea.unit_id, VotingArea.id)
    )
    if unit_id is not None:
        query = query.where(UnitVotingArea.unit_id == unit_id)
    out: dict[int, list[law.PendingArea]] = defaultdict(list)
    for uid, code, n in session.connection().execute(query).all():
        out[uid].append(law.PendingArea(code, int(n)))
    return out


def pending_codes(triages: Iterable[law.Triage]) -> int:
    """How many voting areas the triages wait for."""
    return sum(len(t.pending) for t in triages)
