"""Plausible count records for the demo: every hard rule of domain.md §5 holds by construction."""

from __future__ import annotations

import random
from collections.abc import Sequence


def candidate_weights(seed: int, unit_code: str, candidates: int) -> list[float]:
    """How popular each candidate of a unit is, the same in all its voting areas."""
    rng = random.Random(f"demo-weights:{seed}:{unit_code}")
    return [rng.uniform(0.35, 1.0) for _ in range(candidates)]


def plausible_tally(
    rng: random.Random,
    voters: int,
    seats: int,
    candidates: Sequence[str],
    weights: Sequence[float],
) -> dict:
    """A consistent record for a voting area with ``voters`` on the roll."""
    voted = voters - round(voters * rng.uniform(0.002, 0.04))
    issued = voted
    received = issued - (1 if voted > 10 and rng.random() < 0.05 else 0)
    invalid = min(received, round(received * rng.uniform(0.003, 0.03)))
    valid = received - invalid
    # Valid ballots by number of names kept: most voters keep as many names as seats.
    names_kept = [0] * seats
    rest = valid
    for k in range(1, seats):
        share = round(valid * rng.uniform(0.01, 0.12))
        names_kept[k - 1] = min(rest, share)
        rest -= names_kept[k - 1]
    names_kept[seats - 1] = rest
    total = sum(k * n for k, n in enumerate(names_kept, start=1))
    votes = _spread(total, valid, [w * rng.uniform(0.9, 1.1) for w in weights])
    return {
        "voters_on_roll": voters,
        "voters_voted": voted,
        "ballots_issued": issued,
        "ballots_received": received,
        "ballots_valid": valid,
        "ballots_invalid": invalid,
        "votes": dict(zip(candidates, votes)),
        "names_kept": names_kept if rng.random() < 0.5 else None,
    }


def _spread(total: int, cap: int, weights: Sequence[float]) -> list[int]:
    """``total`` names over the candidates by weight, none above ``cap`` (the valid ballots)."""
    scale = sum(weights)
    votes = [min(cap, int(total * w / scale)) for w in weights]
    order = sorted(range(len(weights)), key=lambda i: -weights[i])
    left = total - sum(votes)
    while left > 0:
        for i in order:
            if left == 0:
                break
            room = min(cap - votes[i], left)
            votes[i] += room
            left -= room
    return votes
