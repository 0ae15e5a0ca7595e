"""Many first submissions in one transaction, for loading demo and test elections at scale.

Each record passes the same checks as ``submit`` and gets the same rows, running-total
changes and audit event (with the same snapshot), entered by its polling team's account;
only the round trips are shared. A record that breaks a rule aborts the whole batch.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from election.db import begin_write
from election.domain import tally as rules
from election.domain.clock import utcnow
from election.domain.errors import Conflict, RuleBroken
from election.models.contests import Candidate, Contest, Election, Unit, UnitVotingArea
from election.models.geography import VotingArea
from election.models.rolls import VoterCount
from election.models.tallies import TallyRecord, TallyVersion, TallyVote
from election.models.users import User
from election.services.audit import chain as audit
from election.services.audit.chain import Actor
from election.services.results import totals
from election.services.tallies.common import COMPLAINTS, FIGURES, TallyInput, snapshot


@dataclass(frozen=True)
class Item:
    officer: User
    voting_area: str
    contest: str
    entry: TallyInput


def submit_many(session: Session, items: list[Item]) -> int:
    """Store first-round records for many voting areas at once; returns how many."""
    if not items:
        return 0
    begin_write(session)
    now = utcnow()
    ctx = _Context(session, items)
    records, versions, votes = [], [], []
    for item in items:
        va_id, contest_id = ctx.va_id[item.voting_area], ctx.contest_id[item.contest]
        if (va_id, contest_id) in ctx.existing:
            raise Conflict(
                f"Khu vực bỏ phiếu «{item.voting_area}» đã có biên bản cấp {item.contest}"
            )
        unit_id = ctx.unit_of[(va_id, contest_id)]
        findings = rules.check_tally(
            item.entry.figures, ctx.context(item, va_id, contest_id, unit_id)
        )
        broken = rules.errors(findings)
        if broken:
            raise RuleBroken(
                f"Biên bản của «{item.voting_area}» ({item.contest}) vi phạm {len(broken)} quy định",
                [],
                {f"{item.voting_area}.{name}": [f.message] for f in broken for name in f.fields},
            )
        records.append(
            {
                "voting_area_id": va_id,
                "contest_id": contest_id,
                "round_no": 1,
                "status": "submitted",
                "current_version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        f = item.entry.figures
        versions.append(
            {
                **{name: getattr(f, name) for name in FIGURES},
                **{name: item.entry.complaints.get(name, 0) for name in COMPLAINTS},
                "version": 1,
                "names_kept": list(f.names_kept) if f.names_kept is not None else None,
                "warnings": [
                    {"code": w.code, "message": w.message} for w in rules.warnings(findings)
                ],
                "comment": f.comment,
                "reason": None,
                "actor_id": item.officer.id,
                "created_at": now,
            }
        )
    record_ids = session.scalars(
        insert(TallyRecord).returning(TallyRecord.id, sort_by_parameter_order=True), records
    ).all()
    for row, record_id in zip(versions, record_ids, strict=True):
        row["record_id"] = record_id
    version_ids = session.scalars(
        insert(TallyVersion).returning(TallyVersion.id, sort_by_parameter_order=True), versions
    ).all()
    changes, events = [], []
    for item, record_id, version_id, version in zip(
        items, record_ids, version_ids, versions, strict=True
    ):
        va_id, contest_id = ctx.va_id[item.voting_area], ctx.contest_id[item.contest]
        unit_id = ctx.unit_of[(va_id, contest_id)]
        official = {c.code: item.entry.figures.votes[c.code] for c in ctx.candidates[unit_id]}
        ids = {c.code: c.id for c in ctx.candidates[unit_id]}
        votes.extend(
            {"version_id": version_id, "candidate_id": ids[code], "votes": n}
            for code, n in official.items()
        )
        changes.append(
            totals.Change(
                va_id,
                contest_id,
                1,
                reported=1,
                figures={name: version[name] for name in FIGURES},
                votes={ids[code]: n for code, n in official.items()},
                unit_id=unit_id,
                contest_code=item.contest,
                areas=ctx.ancestors[va_id],
            )
        )
        record = SimpleNamespace(id=record_id, round_no=1)
        after = snapshot(
            record, SimpleNamespace(**version), official, (item.voting_area, item.contest)
        )
        events.append(
            audit.Event(Actor.of(item.officer), "tally.submit", "tally", record_id, None, after)
        )
    session.execute(insert(TallyVote), votes)
    # A batch of thousands is one writer's: it takes the head for its last writes (as every
    # write did before issue #19), so its events are chained and its city's and country's
    # totals written in its own transaction, not encoded into a pending row and read back.
    audit.lock_head(session)
    totals.apply_many(session, changes, now)
    audit.append_many(session, events, now)
    session.commit()
    return len(items)


class _Context:
    """What the checks of a batch need, loaded in a handful of queries."""

    def __init__(self, session: Session, items: list[Item]) -> None:
        codes = sorted({i.voting_area for i in items})
        self.va_id = dict(
            session.execute(
                select(VotingArea.code, VotingArea.id).where(VotingArea.code.in_(codes))
            ).all()
        )
        self.contest_id = dict(session.execute(select(Contest.code, Contest.id)).all())
        ids = list(self.va_id.values())
        self.unit_of = {
            (va, c): u
            for va, c, u in session.execute(
                select(
                    UnitVotingArea.voting_area_id, UnitVotingArea.contest_id, UnitVotingArea.unit_id
                ).where(UnitVotingArea.voting_area_id.in_(ids))
            )
        }
        units = set(self.unit_of.values())
        self.seats = dict(
            session.execute(select(Unit.id, Unit.seats).where(Unit.id.in_(units))).all()
        )
        self.candidates: dict[int, list[Candidate]] = defaultdict(list)
        for c in session.scalars(
            select(Candidate).where(Candidate.unit_id.in_(units)).order_by(Candidate.ballot_order)
        ):
            self.candidates[c.unit_id].append(c)
        self.roll = {
            (va, c): n
            for va, c, n in session.execute(
                select(
                    VoterCount.voting_area_id,
                    VoterCount.contest_id,
                    func.coalesce(VoterCount.roll_voters, VoterCount.setup_voters),
                ).where(VoterCount.voting_area_id.in_(ids))
            )
        }
        self.ancestors = totals.ancestors(session, ids)
        self.existing = set(
            session.execute(
                select(TallyRecord.voting_area_id, TallyRecord.contest_id).where(
                    TallyRecord.voting_area_id.in_(ids), TallyRecord.round_no == 1
                )
            ).all()
        )
        code_of = {v: k for k, v in self.contest_id.items()}
        self.voters_by_va: dict[int, dict[str, int]] = defaultdict(dict)
        for (va, c), n in self.roll.items():
            self.voters_by_va[va][code_of[c]] = n
        for i in items:
            self.voters_by_va[self.va_id[i.voting_area]][i.contest] = i.entry.figures.voters_on_roll
        bp = session.scalar(select(Election.invalid_warning_bp)) or 1000
        self.invalid_pct = Decimal(bp) / 100

    def context(self, item: Item, va_id: int, contest_id: int, unit_id: int) -> rules.TallyContext:
        others = {c: n for c, n in self.voters_by_va[va_id].items() if c != item.contest}
        return rules.TallyContext(
            contest=item.contest,
            seats=self.seats[unit_id],
            candidates=tuple(
                rules.Candidate(c.code, c.full_name) for c in self.candidates[unit_id]
            ),
            roll_voters=self.roll.get((va_id, contest_id)),
            other_voters=others,
            invalid_warning_pct=self.invalid_pct,
        )
