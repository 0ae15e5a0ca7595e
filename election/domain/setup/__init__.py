"""An election definition as plain values (``definition``) and ``check_setup`` (``check``)."""

from election.domain.contests import CONTEST_CODES
from election.domain.setup.check import check_setup
from election.domain.setup.definition import (
    CONTEST_LABELS,
    CONTEST_NAMES_2021,
    FORM_SETS,
    GENDERS,
    LEVEL_RANK,
    LEVELS,
    MAX_SEATS,
    MIN_CANDIDATE_AGE,
    AreaDef,
    CandidateDef,
    ContestDef,
    ElectionDef,
    Setup,
    UnitDef,
    VoterCountDef,
    VotingAreaDef,
    age_on,
    minimum_candidates,
)

__all__ = [
    "CONTEST_CODES",
    "CONTEST_LABELS",
    "CONTEST_NAMES_2021",
    "FORM_SETS",
    "GENDERS",
    "LEVELS",
    "LEVEL_RANK",
    "MAX_SEATS",
    "MIN_CANDIDATE_AGE",
    "AreaDef",
    "CandidateDef",
    "ContestDef",
    "ElectionDef",
    "Setup",
    "UnitDef",
    "VoterCountDef",
    "VotingAreaDef",
    "age_on",
    "check_setup",
    "minimum_candidates",
]
