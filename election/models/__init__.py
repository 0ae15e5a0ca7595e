"""Typed SQLAlchemy models, one module per aggregate."""

from election.models.audit import AuditEvent, AuditHead, PendingWrite
from election.models.certification import Certification, PublicSnapshot
from election.models.contests import (
    CONTEST_CODES,
    Candidate,
    Contest,
    Election,
    Unit,
    UnitVotingArea,
)
from election.models.evidence import Evidence, EvidenceChunk, TallyEvidence
from election.models.exports import FormExport
from election.models.geography import Area, AreaClosure, AreaLevel, VotingArea
from election.models.imports import ImportJob
from election.models.results import (
    ROUND_KINDS,
    ResultPart,
    ResultTotal,
    ResultVote,
    TurnoutReport,
    UnitRound,
)
from election.models.rolls import Voter, VoterCount
from election.models.tallies import (
    IdempotencyKey,
    TallyKeying,
    TallyRecord,
    TallyVersion,
    TallyVote,
)
from election.models.users import ROLES, ApiToken, LoginFailure, User

__all__ = [
    "CONTEST_CODES",
    "ROLES",
    "ROUND_KINDS",
    "ApiToken",
    "Area",
    "AreaClosure",
    "AreaLevel",
    "AuditEvent",
    "AuditHead",
    "Candidate",
    "Certification",
    "Contest",
    "Election",
    "Evidence",
    "EvidenceChunk",
    "FormExport",
    "IdempotencyKey",
    "ImportJob",
    "LoginFailure",
    "PendingWrite",
    "PublicSnapshot",
    "ResultPart",
    "ResultTotal",
    "ResultVote",
    "TallyEvidence",
    "TallyKeying",
    "TallyRecord",
    "TallyVersion",
    "TallyVote",
    "TurnoutReport",
    "Unit",
    "UnitRound",
    "UnitVotingArea",
    "User",
    "Voter",
    "VoterCount",
    "VotingArea",
]
