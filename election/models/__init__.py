"""Typed SQLAlchemy models, one module per aggregate."""

from election.models.audit import AuditEvent, AuditHead
from election.models.contests import (
    CONTEST_CODES,
    Candidate,
    Contest,
    Election,
    Unit,
    UnitVotingArea,
)
from election.models.geography import Area, AreaLevel, VotingArea
from election.models.rolls import Voter, VoterCount
from election.models.tallies import IdempotencyKey, TallyRecord, TallyVersion, TallyVote
from election.models.users import ROLES, ApiToken, User

__all__ = [
    "CONTEST_CODES",
    "ROLES",
    "ApiToken",
    "Area",
    "AreaLevel",
    "AuditEvent",
    "AuditHead",
    "Candidate",
    "Contest",
    "Election",
    "IdempotencyKey",
    "TallyRecord",
    "TallyVersion",
    "TallyVote",
    "Unit",
    "UnitVotingArea",
    "User",
    "Voter",
    "VoterCount",
    "VotingArea",
]
