"""The board's aids over JSON (CONTRACT §6.5): triage of the units and flags."""

from __future__ import annotations

from election.domain.flags import Flag
from election.domain.triage import Triage


def triage_item(t: Triage) -> dict:
    """One unit of ``GET /api/v1/triage``."""
    return {
        "unit": t.unit,
        "complete": t.complete,
        "decided": t.decided,
        "outstanding_voters": t.outstanding_voters,
        "reasons": list(t.reasons),
        "pending_voting_areas": [
            {
                "code": p.code,
                "voters_on_roll": p.voters_on_roll,
                "can_change_outcome": p.can_change_outcome,
            }
            for p in t.pending
        ],
        # Beyond the contract: the figures so far judged as complete, and how close it is.
        "elected_so_far": list(t.outcome.elected),
        "void_so_far": t.outcome.void,
        "need": t.need,
    }


def flag_item(f: Flag) -> dict:
    """One flag of ``GET /api/v1/flags``: never a block, always a sentence."""
    return {
        "voting_area": f.voting_area,
        "contest": f.contest,
        "kind": f.kind,
        "score": f.score,
        "explanation": f.explanation,
        # Beyond the contract: the ward or voting area it is about, and the record to open.
        "area": f.area,
        "record": f.record_id,
        "record_url": None if f.record_id is None else f"/tally/record/{f.record_id}",
    }
