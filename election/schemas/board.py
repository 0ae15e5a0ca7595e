"""The board's aids over JSON (CONTRACT §6.5): triage of the units and flags."""

from __future__ import annotations

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
