"""Open data: tally records and votes as CSV, and the shape of the whole election.

CSV: UTF-8 with a byte order mark (so Excel reads Vietnamese correctly), RFC 4180 quoting,
CRLF line ends, English snake_case headers. A text cell starting with = + - @, a tab or a
carriage return gets a leading ' so no spreadsheet evaluates it (CSV injection).

The election as a whole (``ElectionData``) is what ``exports.nist`` writes as NIST JSON.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any

from election.domain.numbers import iso_utc
from election.domain.results import FormCounts

BOM = "\ufeff"
# A spreadsheet evaluates a cell starting with one of these as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 1000


@dataclass(frozen=True)
class RecordPlace:
    """Where a tally record belongs, its round, status and current version."""

    district_code: str
    district_name: str
    ward_code: str
    ward_name: str
    voting_area_code: str
    voting_area_name: str
    contest_code: str
    unit_code: str
    round_no: int
    status: str
    version: int


@dataclass(frozen=True)
class RecordRow(FormCounts, RecordPlace):
    """The current version of one tally record, with where it belongs.

    Its fields (the CSV columns), in order: the ``RecordPlace``, the six counts, ``updated_at``.
    """

    updated_at: dt.datetime


@dataclass(frozen=True)
class VoteRow:
    """A candidate's votes in the current version of one tally record."""

    voting_area_code: str
    contest_code: str
    unit_code: str
    round_no: int
    candidate_code: str
    candidate_name: str
    ballot_order: int
    votes: int


RECORD_COLUMNS = tuple(f.name for f in fields(RecordRow))
VOTE_COLUMNS = tuple(f.name for f in fields(VoteRow))


def records_csv(rows: Iterable[RecordRow]) -> bytes:
    return b"".join(records_csv_chunks(rows))


def records_csv_chunks(rows: Iterable[RecordRow]) -> Iterator[bytes]:
    """The records CSV, a thousand rows at a time (a nation's file is never whole in memory)."""
    return _csv(RECORD_COLUMNS, rows)


def votes_csv(rows: Iterable[VoteRow]) -> bytes:
    return b"".join(votes_csv_chunks(rows))


def votes_csv_chunks(rows: Iterable[VoteRow]) -> Iterator[bytes]:
    return _csv(VOTE_COLUMNS, rows)


def _csv(columns: tuple[str, ...], rows: Iterable[Any]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(columns)
    for n, row in enumerate(rows, start=1):
        writer.writerow([_cell(getattr(row, c)) for c in columns])
        if n % CHUNK_ROWS == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _cell(value: object) -> object:
    if isinstance(value, dt.datetime):
        return iso_utc(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class AreaInfo:
    """An administrative area: its level code ("city", "district", "ward"…) and what it holds."""

    code: str
    name: str
    level: str
    areas: tuple[str, ...]  # child areas' codes
    voting_areas: tuple[str, ...]  # voting areas directly inside it
    total_voting_areas: int  # voting areas anywhere below it


@dataclass(frozen=True)
class VotingAreaInfo:
    code: str
    name: str


@dataclass(frozen=True)
class CandidateInfo:
    code: str
    name: str
    gender: str  # "Nam" / "Nữ"
    date_of_birth: dt.date
    ballot_order: int


@dataclass(frozen=True)
class RoundInfo:
    """A unit's round: its totals over the current records, and what the law makes of them."""

    round_no: int
    kind: str  # "first", "additional", "re_election"
    seats: int  # at stake in this round
    voting_areas_total: int
    reported: int
    verified: int
    voters_on_roll: int
    voters_voted: int
    ballots_received: int
    ballots_invalid: int
    votes: tuple[tuple[str, int], ...]  # (candidate code, votes) of the round's ballot, in order
    elected: tuple[str, ...]
    undecided: tuple[str, ...] = ()  # tied at the last seat: the committee decides
    next_round: str | None = None  # "additional" or "re_election" when the law calls for one

    @property
    def final(self) -> bool:
        return self.voting_areas_total > 0 and self.verified == self.voting_areas_total


@dataclass(frozen=True)
class UnitInfo:
    code: str
    name: str
    contest_code: str
    contest_name: str
    voting_areas: tuple[str, ...]
    candidates: tuple[CandidateInfo, ...]  # in ballot order
    rounds: tuple[RoundInfo, ...]  # earliest first


@dataclass(frozen=True)
class PrecinctVote:
    unit_code: str
    round_no: int
    voting_area_code: str
    candidate_code: str
    votes: int


@dataclass(frozen=True)
class ElectionData:
    """The whole election; ``precinct_votes`` follow the order of ``units``, then round."""

    name: str
    date: dt.date
    issuer: str
    issuer_abbreviation: str
    generated_at: dt.datetime
    root: str  # the root area's code
    areas: Sequence[AreaInfo]
    voting_areas: Sequence[VotingAreaInfo]
    units: Sequence[UnitInfo]
    precinct_votes: Iterable[PrecinctVote] = ()
    # Certification (issue #17): the units whose every round is certified and still valid,
    # the contests certified over every council, and the number of the public snapshot the
    # report stands at (SequenceStart = SequenceEnd).
    certified_units: frozenset[str] = frozenset()
    certified_contests: frozenset[str] = frozenset()
    sequence: int = 1
