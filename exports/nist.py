"""The whole election as a NIST SP 1500-100 v2 report, written as a stream of JSON.

The JSON form of the Election Results Reporting schema v2
(usnistgov/ElectionResultsReporting, NIST_V2_election_results_reporting.json). Filled:

- ElectionReport: Format "summary-contest", GeneratedDate (UTC, whole seconds), Issuer,
  IssuerAbbreviation, SequenceStart = SequenceEnd = the number of the public snapshot the
  report stands at (issue #17), Status ("unofficial-partial" until the latest round of every
  unit is reported and verified, then "unofficial-complete", and "certified" once every
  contest is certified over every council), VendorApplicationId, Election, GpUnit, Person.
- Election: ElectionScopeId (the root area), StartDate = EndDate, Type "general", Name,
  Candidate, Contest, BallotCounts.
- GpUnit, all ReportingUnit: administrative areas (Type by level: country, state for a
  province, city, county for a district, municipality for a ward or commune) with
  ComposingGpUnitIds and TotalSubUnits (voting areas below); voting areas (Type "precinct");
  electoral units (Type "other", OtherType "electoral-unit") with their voting areas and the
  figures of their latest round: TotalSubUnits, SubUnitsReported, VotersRegistered,
  VotersParticipated.
- Candidate: BallotName, PersonId, PostElectionStatus: "projected-winner" when elected in a
  round not yet fully verified, "winner" once it is; after a complete, verified round
  "advanced-to-runoff" when the law calls an additional election, "defeated" when it calls for
  nothing more; absent while unknown (or tied for the committee to decide).
- Person: FullName, Gender ("male"/"female"), DateOfBirth.
- CandidateContest, one per electoral unit and round: Name, ElectionDistrictId (the unit),
  NumberElected = VotesAllowed (the seats at stake), VoteVariation "n-of-m", TotalSubUnits,
  SubUnitsReported, ContestSelection: CandidateSelection with SequenceOrder (ballot order) and
  VoteCounts (Type "total"): the unit's total, then each reporting voting area's.
- BallotCounts, per unit and Round (1 first, then additional election or re-election):
  BallotsCast = ballots received, BallotsRejected = invalid ballots.

- CountStatus of each CandidateContest: "completed" once the unit's every round is certified
  and still valid, "in-process" before.

Not filled: Party and PartyId (candidates are non-partisan), Office, BallotStyle,
ContactInformation, ExternalIdentifier, OtherCounts (NIST's over- and under-votes are not the
law's invalid ballots, which BallotCounts carries), Person FirstName/LastName (a Vietnamese
name does not split reliably), turnout of administrative areas and voting areas (their voters
differ per contest: records.csv has them per record).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from typing import Any

from exports.opendata import (
    AreaInfo,
    CandidateInfo,
    ElectionData,
    PrecinctVote,
    RoundInfo,
    UnitInfo,
)

CHUNK_CHARS = 1 << 16
VENDOR_APPLICATION_ID = "election-results/open-data 1"
LEVEL_TYPES = {
    "country": "country",
    "province": "state",
    "city": "city",
    "district": "county",
    "ward": "municipality",
}
GENDERS = {"Nam": "male", "Nữ": "female"}
ROUND_NAMES = {"additional": "bầu cử thêm", "re_election": "bầu cử lại"}


def nist_json(data: ElectionData) -> bytes:
    return b"".join(nist_json_chunks(data))


def nist_json_chunks(data: ElectionData) -> Iterator[bytes]:
    """The NIST ElectionReport, written contest by contest."""
    complete = bool(data.units) and all(u.rounds[-1].final for u in data.units if u.rounds)
    contests = {u.contest_code for u in data.units}
    if contests and contests <= data.certified_contests:
        status = "certified"
    else:
        status = "unofficial-complete" if complete else "unofficial-partial"
    day = data.date.isoformat()
    report = {
        "@type": "ElectionResults.ElectionReport",
        "Format": "summary-contest",
        "GeneratedDate": data.generated_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Issuer": data.issuer,
        "IssuerAbbreviation": data.issuer_abbreviation,
        "SequenceStart": data.sequence,
        "SequenceEnd": data.sequence,
        "Status": status,
        "VendorApplicationId": VENDOR_APPLICATION_ID,
        "Election": _Array(
            [
                {
                    "@type": "ElectionResults.Election",
                    "ElectionScopeId": _area_id(data.root),
                    "StartDate": day,
                    "EndDate": day,
                    "Type": "general",
                    "Name": _text(data.name),
                    "Candidate": _Array(_candidates(data.units)),
                    "Contest": _Array(
                        _contests(data.units, data.precinct_votes, data.certified_units)
                    ),
                    "BallotCounts": _Array(_ballot_counts(data.units)),
                }
            ]
        ),
        "GpUnit": _Array(
            chain(
                (_area(a) for a in data.areas),
                (_unit_of("precinct", _va_id(v.code), v.name) for v in data.voting_areas),
                (_unit(u) for u in data.units if u.rounds),
            )
        ),
        "Person": _Array(_person(c) for u in data.units for c in u.candidates),
    }
    return _chunks(chain(_encode(report), "\n"))


def _area_id(code: str) -> str:
    return f"gp-area-{code}"


def _va_id(code: str) -> str:
    return f"gp-va-{code}"


def _unit_id(code: str) -> str:
    return f"gp-unit-{code}"


def _suffix(round_no: int) -> str:
    """Round 1 keeps the plain id, so ids stay the same when a later round opens."""
    return "" if round_no == 1 else f"-r{round_no}"


def _text(content: str) -> dict:
    return {
        "@type": "ElectionResults.InternationalizedText",
        "Text": [{"@type": "ElectionResults.LanguageString", "Content": content, "Language": "vi"}],
    }


def _candidates(units: Sequence[UnitInfo]) -> Iterator[dict]:
    for unit in units:
        statuses = _statuses(unit)
        for c in unit.candidates:
            item = {
                "@id": f"cand-{c.code}",
                "@type": "ElectionResults.Candidate",
                "BallotName": _text(c.name),
                "PersonId": f"person-{c.code}",
            }
            if c.code in statuses:
                item["PostElectionStatus"] = statuses[c.code]
            yield item


def _statuses(unit: UnitInfo) -> dict[str, str]:
    """Each candidate's NIST PostElectionStatus, where the rounds so far settle one."""
    if not unit.rounds:
        return {}
    last = unit.rounds[-1]
    # Winners of an earlier round stay elected: each round's winners are the seats it filled.
    status: dict[str, str] = {}
    for r in unit.rounds:
        for code in r.elected:
            status.setdefault(code, "winner" if r.final else "projected-winner")
    if last.final:
        for code, _votes in last.votes:
            if code in status or code in last.undecided:
                continue
            if last.next_round == "additional":
                status[code] = "advanced-to-runoff"
            elif last.next_round is None:
                status[code] = "defeated"
    return status


def _contest_name(unit: UnitInfo, r: RoundInfo | None = None) -> str:
    name = f"{unit.contest_name} - {unit.name}"
    if r is not None and r.round_no > 1:
        name += f" (vòng {r.round_no}: {ROUND_NAMES.get(r.kind, r.kind)})"
    return name


def _contests(
    units: Sequence[UnitInfo],
    precinct_votes: Iterable[PrecinctVote],
    certified: frozenset[str] = frozenset(),
) -> Iterator[dict]:
    """Each unit's rounds, merged with the voting areas' votes streamed in the same order."""
    rows = iter(precinct_votes)
    pending = next(rows, None)
    for unit in units:
        for r in unit.rounds:
            by_area: dict[str, dict[str, int]] = {}
            while pending is not None and (pending.unit_code, pending.round_no) == (
                unit.code,
                r.round_no,
            ):
                by_area.setdefault(pending.voting_area_code, {})[pending.candidate_code] = (
                    pending.votes
                )
                pending = next(rows, None)
            contest = _contest(unit, r, by_area)
            # NIST's CountStatus of the contest: "completed" once the unit is certified.
            done = unit.code in certified
            contest["CountStatus"] = [
                {
                    "@type": "ElectionResults.CountStatus",
                    "Status": "completed" if done else "in-process",
                    "Type": "total",
                }
            ]
            yield contest
    if pending is not None:
        raise ValueError(
            f"precinct votes of unit {pending.unit_code} round {pending.round_no} "
            "do not follow the order of the units"
        )


def _contest(unit: UnitInfo, r: RoundInfo, by_area: dict[str, dict[str, int]]) -> dict:
    order = {c.code: c.ballot_order for c in unit.candidates}
    own = _unit_id(unit.code)
    return {
        "@id": f"contest-{unit.contest_code}-{unit.code}{_suffix(r.round_no)}",
        "@type": "ElectionResults.CandidateContest",
        "Name": _contest_name(unit, r),
        "ElectionDistrictId": own,
        "NumberElected": r.seats,
        "VotesAllowed": r.seats,
        "VoteVariation": "n-of-m",
        "TotalSubUnits": r.voting_areas_total,
        "SubUnitsReported": r.reported,
        "ContestSelection": [
            {
                "@id": f"sel-{code}{_suffix(r.round_no)}",
                "@type": "ElectionResults.CandidateSelection",
                "CandidateIds": [f"cand-{code}"],
                "SequenceOrder": order[code],
                "VoteCounts": [_count(own, votes)]
                + [_count(_va_id(va), got[code]) for va, got in by_area.items() if code in got],
            }
            for code, votes in r.votes
        ],
    }


def _count(gp_unit: str, count: int) -> dict:
    return {
        "@type": "ElectionResults.VoteCounts",
        "GpUnitId": gp_unit,
        "Type": "total",
        "Count": count,
    }


def _ballot_counts(units: Sequence[UnitInfo]) -> Iterator[dict]:
    for unit in units:
        for r in unit.rounds:
            yield {
                "@type": "ElectionResults.BallotCounts",
                "GpUnitId": _unit_id(unit.code),
                "Type": "total",
                "Round": r.round_no,
                "BallotsCast": r.ballots_received,
                "BallotsRejected": r.ballots_invalid,
            }


def _unit_of(kind: str, gp_id: str, name: str, **more: Any) -> dict:
    return {
        "@id": gp_id,
        "@type": "ElectionResults.ReportingUnit",
        "Type": kind,
        "Name": _text(name),
        **more,
    }


def _area(a: AreaInfo) -> dict:
    kind = LEVEL_TYPES.get(a.level, "other")
    extra = {"OtherType": a.level} if kind == "other" else {}
    parts = [_area_id(c) for c in a.areas] + [_va_id(c) for c in a.voting_areas]
    return _unit_of(
        kind,
        _area_id(a.code),
        a.name,
        **extra,
        ComposingGpUnitIds=parts,
        TotalSubUnits=a.total_voting_areas,
    )


def _unit(u: UnitInfo) -> dict:
    last = u.rounds[-1]
    return _unit_of(
        "other",
        _unit_id(u.code),
        _contest_name(u),
        OtherType="electoral-unit",
        ComposingGpUnitIds=[_va_id(c) for c in u.voting_areas],
        TotalSubUnits=last.voting_areas_total,
        SubUnitsReported=last.reported,
        VotersRegistered=last.voters_on_roll,
        VotersParticipated=last.voters_voted,
    )


def _person(c: CandidateInfo) -> dict:
    person = {
        "@id": f"person-{c.code}",
        "@type": "ElectionResults.Person",
        "FullName": _text(c.name),
        "DateOfBirth": c.date_of_birth.isoformat(),
    }
    if c.gender in GENDERS:
        person["Gender"] = GENDERS[c.gender]
    return person


class _Array:
    """A JSON array written item by item, so a nation's report never sits whole in memory."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items


def _encode(value: Any) -> Iterator[str]:
    if isinstance(value, _Array):
        yield "["
        for n, item in enumerate(value.items):
            if n:
                yield ","
            yield from _encode(item)
        yield "]"
    elif isinstance(value, dict) and any(isinstance(v, _Array) for v in value.values()):
        for n, (key, item) in enumerate(value.items()):
            yield ("," if n else "{") + json.dumps(key) + ":"
            yield from _encode(item)
        yield "}"
    else:
        yield json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _chunks(parts: Iterable[str]) -> Iterator[bytes]:
    buffer: list[str] = []
    size = 0
    for part in parts:
        buffer.append(part)
        size += len(part)
        if size >= CHUNK_CHARS:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    yield "".join(buffer).encode()
