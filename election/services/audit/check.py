"""Verification of the audit log against the data it describes.

The chain proves the events were not edited; comparing every stored tally
version (and every record's state) with its events proves the figures were
not edited either.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.models.audit import AuditEvent
from election.models.contests import Candidate, Contest
from election.models.geography import VotingArea
from election.models.tallies import TallyRecord, TallyVersion, TallyVote
from election.services.audit.chain import Anchor, ChainReport, anchor_problem, verify_chain
from election.services.tallies import snapshot

STATE_ACTIONS = {
    "tally.submit": "submitted",
    "tally.correct": "submitted",
    "tally.verify": "verified",
    "tally.return": "returned",
}


def verify(session: Session, anchor: Anchor | None = None) -> ChainReport:
    """The chain, then an anchor kept outside it, then every tally version and record state
    against its events."""
    chain = verify_chain(session)
    if not chain.ok:
        return chain
    if anchor is not None:
        problem = anchor_problem(session, anchor)
        if problem is not None:
            return _bad(chain, anchor.seq, problem)
    contents: dict[tuple[int, int], tuple[int, dict]] = {}
    state: dict[int, tuple[int, int, str]] = {}  # record → (seq, version, status)
    for seq, action, object_id, after in session.execute(
        select(AuditEvent.seq, AuditEvent.action, AuditEvent.object_id, AuditEvent.after)
        .where(AuditEvent.action.in_(STATE_ACTIONS))
        .order_by(AuditEvent.seq)
    ):
        record_id = int(object_id)
        version = after["version"]
        if action in ("tally.submit", "tally.correct"):
            contents[(record_id, version)] = (seq, after)
        state[record_id] = (seq, version, STATE_ACTIONS[action])

    code_of = dict(session.execute(select(Candidate.id, Candidate.code)).all())
    places = {
        rid: (va, contest)
        for rid, va, contest in session.execute(
            select(TallyRecord.id, VotingArea.code, Contest.code)
            .join(VotingArea, VotingArea.id == TallyRecord.voting_area_id)
            .join(Contest, Contest.id == TallyRecord.contest_id)
        )
    }
    votes: dict[int, dict[str, int]] = {}
    for version_id, candidate_id, n in session.execute(
        select(TallyVote.version_id, TallyVote.candidate_id, TallyVote.votes).order_by(
            TallyVote.version_id, TallyVote.candidate_id
        )
    ):
        votes.setdefault(version_id, {})[code_of[candidate_id]] = n
    records = {r.id: r for r in session.scalars(select(TallyRecord))}
    for version in session.scalars(
        select(TallyVersion).order_by(TallyVersion.record_id, TallyVersion.version)
    ):
        record = records[version.record_id]
        expected = contents.get((record.id, version.version))
        if expected is None:
            return _bad(
                chain,
                None,
                f"biên bản số {record.id} phiên bản {version.version} không có sự kiện nhật ký",
            )
        seq, after = expected
        stored = snapshot(record, version, votes.get(version.id, {}), places[record.id])
        if _canonical(stored) != _canonical(after):
            return _bad(
                chain,
                seq,
                f"biên bản số {record.id} phiên bản {version.version} khác với sự kiện nhật ký số {seq}",
            )
    for record in records.values():
        seq, version, status = state.get(record.id, (None, None, None))
        if (version, status) != (record.current_version, record.status):
            return _bad(chain, seq, f"trạng thái biên bản số {record.id} khác với nhật ký")
    return chain


def _canonical(content: dict) -> dict:
    # Vote order is not content: compare the votes as a mapping.
    return {**content, "votes": dict(sorted(content["votes"].items()))}


def _bad(chain: ChainReport, seq: int | None, reason: str) -> ChainReport:
    return ChainReport(False, chain.events, seq, reason)
