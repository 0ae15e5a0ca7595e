"""Tally records: submit, correct, verify, return and read, every version kept and audited."""

from election.services.tallies.common import (
    COMPLAINTS,
    FIGURES,
    Receipt,
    TallyInput,
    snapshot,
)
from election.services.tallies.entry import correct, submit
from election.services.tallies.read import (
    QueueItem,
    RecordView,
    VersionView,
    names_of,
    preview,
    read,
    receipt_code,
    record_ids_of,
)
from election.services.tallies.review import STATUS_NAMES, return_, verify

__all__ = [
    "COMPLAINTS",
    "FIGURES",
    "STATUS_NAMES",
    "QueueItem",
    "Receipt",
    "RecordView",
    "TallyInput",
    "VersionView",
    "correct",
    "names_of",
    "preview",
    "read",
    "receipt_code",
    "record_ids_of",
    "return_",
    "snapshot",
    "submit",
    "verify",
]
