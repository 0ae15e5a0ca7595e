"""Results: running totals, rounds, area and unit results, progress.

The names callers read results with; the running totals (``totals``, ``recompute``) and the
opening of later rounds (``rounds``) are imported as modules.
"""

from election.services.results.areas import AreaResult, ChildRow, area_result, children_results
from election.services.results.lines import CandidateLine, result_of, setup_hash_subquery
from election.services.results.reporting import Progress, progress
from election.services.results.units import (
    Ballot,
    RoundResult,
    UnitResult,
    ballot,
    chosen_round,
    course_of,
    is_first,
    require_unit_scope,
    rounds_of,
    unit_result,
)

__all__ = [
    "AreaResult",
    "Ballot",
    "CandidateLine",
    "ChildRow",
    "Progress",
    "RoundResult",
    "UnitResult",
    "area_result",
    "ballot",
    "children_results",
    "chosen_round",
    "course_of",
    "is_first",
    "progress",
    "require_unit_scope",
    "result_of",
    "rounds_of",
    "setup_hash_subquery",
    "unit_result",
]
