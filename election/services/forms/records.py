"""Values of the records of one voting area and of one electoral unit (forms A, B, C, E)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.domain import results as algebra
from election.domain import winners as law
from election.domain.errors import NotFound
from election.domain.numbers import percent
from election.models.contests import Candidate, Contest, Unit, UnitVotingArea
from election.models.geography import Area, VotingArea
from election.models.results import ResultVote
from election.models.tallies import TallyRecord, TallyVersion, TallyVote
from election.services import results
from election.services.certification import read as certification
from election.services.forms.common import (
    Basics,
    complaints_text,
    council_area,
    figures,
    lower_first,
    member_names,
    members,
    number_of,
)

ROUND_NOTES = {
    "additional": "Bầu cử thêm",
    "re_election": "Bầu cử lại",
}


def unit_of(session: Session, va: VotingArea, contest: Contest) -> Unit:
    unit = session.scalar(
        select(Unit)
        .join(UnitVotingArea, UnitVotingArea.unit_id == Unit.id)
        .where(UnitVotingArea.voting_area_id == va.id, Unit.contest_id == contest.id)
    )
    if unit is None:
        raise NotFound(f"Khu vực bỏ phiếu «{va.name}» không bầu {lower_first(contest.name)}")
    return unit


def count_record(
    session: Session, base: Basics, va: VotingArea, contest: Contest, round_no: int | None
) -> tuple[dict[str, Any], TallyRecord]:
    """The current version of a voting area's count record for a contest, as form A/B values."""
    unit = unit_of(session, va, contest)
    chosen = results.ballot(session, unit, round_no)
    number, kind, ballot = chosen.round_no, chosen.kind, chosen.candidates
    record = session.scalar(
        select(TallyRecord).where(
            TallyRecord.voting_area_id == va.id,
            TallyRecord.contest_id == contest.id,
            TallyRecord.round_no == number,
        )
    )
    if record is None:
        raise NotFound(f"{va.name} chưa có biên bản kiểm phiếu {lower_first(contest.name)}")
    version = session.scalar(
        select(TallyVersion).where(
            TallyVersion.record_id == record.id, TallyVersion.version == record.current_version
        )
    )
    assert version is not None
    votes = dict(
        session.execute(
            select(TallyVote.candidate_id, TallyVote.votes).where(
                TallyVote.version_id == version.id
            )
        ).all()
    )
    council = council_area(session, unit, base.deepest)
    ward = va.area
    figures_ = figures(algebra.of_record(version))
    district = session.get(Area, ward.parent_id) if ward.parent_id else None
    return {
        **base.values(),
        "area_no": number_of(va.name),
        "area_name": va.name,
        "commune": ward.name,
        "district": district.name if district else None,
        "unit_no": number_of(unit.name),
        "unit_members": member_names(members(session, unit, council, base.deepest)),
        "council": lower_first(council.name),
        "term_no": None,
        "seats": unit.seats,
        "candidates_count": len(ballot),
        **figures_,
        "candidates": [
            {"name": c.full_name, "votes": votes.get(c.id, 0), "valid": version.ballots_valid}
            for c in ballot
        ],
        "incidents": _incidents(version),
        "unresolved": _unresolved(version),
        "round_note": ROUND_NOTES.get(kind),
        "status": record.status,
        "version": record.current_version,
        # A record not yet verified is provisional (CONTRACT §6.1).
        "provisional": record.status != "verified",
    }, record


def _incidents(version: TallyVersion) -> str | None:
    parts = []
    if version.complaints_received:
        parts.append(
            f"Tổ bầu cử nhận {version.complaints_received} khiếu nại, tố cáo, "
            f"đã giải quyết {version.complaints_settled}."
        )
    if version.comment:
        parts.append(version.comment)
    return " ".join(parts) or ("Không có" if version.complaints_received == 0 else None)


def _unresolved(version: TallyVersion) -> str | None:
    if version.complaints_forwarded:
        return f"{version.complaints_forwarded} khiếu nại, tố cáo chuyển Ban bầu cử giải quyết."
    return "Không có"


def unit_record(
    session: Session, base: Basics, unit: Unit, round_no: int | None
) -> tuple[dict[str, Any], results.RoundResult]:
    """An electoral unit's result record for one round (default: its latest), as form C/E.

    Its winners are those of every round up to this one, each once: a later round only
    fills the seats still open (domain.md §6.5). While the round is incomplete nothing is
    concluded and the record is provisional, as it is until every round is verified.
    """
    rounds, course = results.course_of(session, unit, round_no)
    if round_no is not None and rounds[-1].round_no != round_no:
        raise NotFound(f"{unit.name} không có vòng bầu cử thứ {round_no}")
    current = rounds[-1]
    council = council_area(session, unit, base.deepest)
    parts = members(session, unit, council, base.deepest)
    outcome = current.outcome
    concluded = current.complete
    values: dict[str, Any] = {
        **base.values(),
        "unit_no": number_of(unit.name),
        "unit_name": unit.name,
        "unit_members": member_names(parts),
        "council": lower_first(council.name),
        "term_no": None,
        # The resolution's figures: the unit's seats and its official list (footnotes 2, 3).
        "seats": unit.seats,
        "candidates_count": len(rounds[0].ballot),
        # A later round fills only the seats still open, from its own ballot (§6.5).
        "later_round": current.round_no > 1,
        "round_seats": current.seats,
        "round_candidates": len(current.ballot),
        "earlier_elected": len(course.elected) - len(outcome.elected),
        **figures(current.result),
        "candidates": [
            {
                "name": c.name,
                "votes": c.votes,
                "pct": c.pct_of_valid,
                "valid": current.result.ballots_valid,
            }
            for c in outcome.candidates
        ],
        "winners": _winners(rounds),
        # Nothing is elected or missing yet while records are still coming in: dots.
        "elected": len(course.elected) if concluded else None,
        "shortfall": course.still_open if concluded else None,
        # Equal votes and equal dates of birth at the last seat: the board decides (§6.3),
        # and line c) still adds up: seats = elected + awaiting the decision + missing.
        "to_decide": course.seats_to_decide if concluded else 0,
        "awaiting": ", ".join(_names(current, course.awaiting_decision)),
        "void": concluded and outcome.void,
        # The shortfall sentence proposes an additional election: only where the law does.
        "short": concluded and law.ADDITIONAL in course.next_rounds,
        "round_note": ROUND_NOTES.get(current.kind),
        "complaints_teams": complaints_text(session, [unit.id], current.round_no),
        "reported": current.result.voting_areas_reported,
        "voting_areas": current.result.voting_areas_total,
        "verified": current.verified,
    }
    # Final only once every round shown is certified, and still valid (issue #17).
    certs = certification.rounds_certified(session, unit.id, [r.round_no for r in rounds])
    values["provisional"] = certs is None
    values["certification"] = certification.line(certs[-1]) if certs else None
    values["certification_id"] = certs[-1].id if certs else None
    if unit.contest.code == "QH":
        values.update(
            _areas_table(session, unit, current, parts, [c.code for c in outcome.candidates])
        )
    return values, current


def _names(current: results.RoundResult, codes: tuple[str, ...]) -> list[str]:
    by_code = {c.code: c.name for c in current.ballot}
    return [by_code[code] for code in codes]


def _winners(rounds: list[results.RoundResult]) -> list[dict[str, Any]]:
    """Every round's winners, each once, earliest round first, each with that round's votes."""
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for r in rounds:
        by_code = {c.code: c for c in r.outcome.candidates}
        for code in r.outcome.elected:
            if code not in seen:
                seen.add(code)
                c = by_code[code]
                rows.append({"name": c.name, "votes": c.votes, "pct": c.pct_of_valid})
    return rows


def _areas_table(
    session: Session,
    unit: Unit,
    current: results.RoundResult,
    parts: list,
    codes: list[str],
) -> dict[str, Any]:
    """Table C1: each part's votes per candidate, summed from the running totals of that area."""
    ids = dict(
        session.execute(
            select(Candidate.code, Candidate.id).where(Candidate.unit_id == unit.id)
        ).all()
    )
    wanted = [ids[code] for code in codes]
    ids_of = dict(
        session.execute(
            select(Area.code, Area.id).where(Area.code.in_([p.code for p in parts if p.code]))
        ).all()
    )
    rows = []
    for part in parts:
        got = dict(
            session.execute(
                select(ResultVote.candidate_id, ResultVote.votes).where(
                    ResultVote.scope_kind == "area",
                    ResultVote.scope_id == ids_of.get(part.code, -1),
                    ResultVote.contest_id == unit.contest_id,
                    ResultVote.round_no == current.round_no,
                    ResultVote.candidate_id.in_(wanted),
                )
            ).all()
        )
        rows.append(
            {
                "name": part.name,
                "voting_areas": part.voting_areas,
                "votes": [got.get(cid, 0) for cid in wanted],
            }
        )
    totals = [current.result.votes_for(code) for code in codes]
    valid = current.result.ballots_valid
    return {
        "areas": rows,
        "areas_total": {"voting_areas": sum(p.voting_areas for p in parts), "votes": totals},
        "areas_pct": {"votes": [percent(v, valid) for v in totals]},
    }
