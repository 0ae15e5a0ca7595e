"""The running totals recomputed from the records, set by set in SQL: compare, rebuild.

``compare`` proves the running totals are the sum of the current records; ``rebuild``
replaces them by that sum (after a setup is stored, or a backup restored).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session

from election.domain.clock import utcnow
from election.domain.results import FIGURES
from election.models import PendingWrite, ResultPart, ResultTotal, ResultVote

# The totals of every scope, derived from the current versions of the records: with_photo
# counts records with any evidence, keyed and matched those with a keying (a matching one)
# of their current version (each joined once per record, already grouped: a subquery per
# row made the city's recomputation 5× slower). {scope} is the join that maps a voting area
# to its scopes; one statement per kind.
_TOTALS = """
SELECT {kind} AS scope_kind, {scope_id} AS scope_id, uva.contest_id AS contest_id,
       ur.round_no AS round_no, COUNT(*) AS voting_areas_total, COUNT(tv.id) AS reported,
       SUM(CASE WHEN tr.status = 'verified' THEN 1 ELSE 0 END) AS verified,
       COALESCE(SUM(tv.voters_on_roll), 0) AS voters_on_roll,
       COALESCE(SUM(tv.voters_voted), 0) AS voters_voted,
       COALESCE(SUM(tv.ballots_issued), 0) AS ballots_issued,
       COALESCE(SUM(tv.ballots_received), 0) AS ballots_received,
       COALESCE(SUM(tv.ballots_valid), 0) AS ballots_valid,
       COALESCE(SUM(tv.ballots_invalid), 0) AS ballots_invalid,
       COUNT(te.record_id) AS with_photo,
       COUNT(k.record_id) AS keyed,
       COALESCE(SUM(k.matched), 0) AS matched
FROM unit_voting_area uva
JOIN unit_round ur ON ur.unit_id = uva.unit_id
{scope}
LEFT JOIN tally_record tr ON tr.voting_area_id = uva.voting_area_id
     AND tr.contest_id = uva.contest_id AND tr.round_no = ur.round_no
LEFT JOIN tally_version tv ON tv.record_id = tr.id AND tv.version = tr.current_version
LEFT JOIN (SELECT DISTINCT record_id FROM tally_evidence) te ON te.record_id = tr.id
LEFT JOIN (
    SELECT record_id, version, MAX(CASE WHEN matches THEN 1 ELSE 0 END) AS matched
    FROM tally_keying GROUP BY record_id, version
) k ON k.record_id = tr.id AND k.version = tr.current_version
GROUP BY {scope_id}, uva.contest_id, ur.round_no
"""
_VOTES = """
SELECT {kind} AS scope_kind, {scope_id} AS scope_id, tr.contest_id AS contest_id,
       tr.round_no AS round_no, v.candidate_id AS candidate_id, SUM(v.votes) AS votes
FROM tally_record tr
JOIN unit_voting_area uva ON uva.voting_area_id = tr.voting_area_id
     AND uva.contest_id = tr.contest_id
{scope}
JOIN tally_version tv ON tv.record_id = tr.id AND tv.version = tr.current_version
JOIN tally_vote v ON v.version_id = tv.id
GROUP BY {scope_id}, tr.contest_id, tr.round_no, v.candidate_id
"""
_PARTS = """
SELECT ac.ancestor_id, tr.contest_id, tr.round_no, uva.unit_id, SUM(tv.ballots_valid)
FROM tally_record tr
JOIN unit_voting_area uva ON uva.voting_area_id = tr.voting_area_id
     AND uva.contest_id = tr.contest_id
JOIN voting_area va ON va.id = tr.voting_area_id
JOIN area_closure ac ON ac.descendant_id = va.area_id
JOIN tally_version tv ON tv.record_id = tr.id AND tv.version = tr.current_version
GROUP BY ac.ancestor_id, tr.contest_id, tr.round_no, uva.unit_id
"""
_AREA = {
    "kind": "'area'",
    "scope_id": "ac.ancestor_id",
    "scope": "JOIN voting_area va ON va.id = uva.voting_area_id "
    "JOIN area_closure ac ON ac.descendant_id = va.area_id",
}
_UNIT = {"kind": "'unit'", "scope_id": "uva.unit_id", "scope": ""}
TOTAL_COLUMNS = (
    "scope_kind",
    "scope_id",
    "contest_id",
    "round_no",
    "voting_areas_total",
    "reported",
    "verified",
    *FIGURES,
    "with_photo",
    "keyed",
    "matched",
)
VOTE_COLUMNS = ("scope_kind", "scope_id", "contest_id", "round_no", "candidate_id", "votes")


def derived_totals(session: Session) -> dict[tuple, tuple]:
    """Every scope's totals computed from the records: key → figures."""
    out = {}
    for shape in (_AREA, _UNIT):
        for row in session.execute(text(_TOTALS.format(**shape))):
            out[tuple(row[:4])] = tuple(int(x) for x in row[4:])
    return out


def derived_votes(session: Session) -> dict[tuple, int]:
    out = {}
    for shape in (_AREA, _UNIT):
        for row in session.execute(text(_VOTES.format(**shape))):
            out[tuple(row[:5])] = int(row[5])
    return out


def derived_parts(session: Session) -> dict[tuple, int]:
    return {tuple(row[:4]): int(row[4]) for row in session.execute(text(_PARTS))}


def stored_parts(session: Session) -> dict[tuple, int]:
    columns = (
        ResultPart.area_id,
        ResultPart.contest_id,
        ResultPart.round_no,
        ResultPart.unit_id,
        ResultPart.ballots_valid,
    )
    found = {tuple(row[:4]): row[4] for row in session.execute(select(*columns))}
    for delta in _pending(session):
        for *key, n in delta["parts"]:
            found[tuple(key)] = found.get(tuple(key), 0) + n
    return found


def stored_totals(session: Session) -> dict[tuple, tuple]:
    """The stored totals, with what the writes not settled yet add to them (see ``settle``)."""
    columns = [getattr(ResultTotal, c) for c in TOTAL_COLUMNS]
    found = {tuple(row[:4]): tuple(row[4:]) for row in session.execute(select(*columns))}
    for delta in _pending(session):
        # A delta's row: the key, then reported, verified and the figures (no voting areas).
        for row in delta["totals"]:
            key = tuple(row[:4])
            old = found.get(key, (0,) * (len(TOTAL_COLUMNS) - 4))
            found[key] = (old[0], *(a + b for a, b in zip(old[1:], row[4:], strict=True)))
    return found


def stored_votes(session: Session) -> dict[tuple, int]:
    columns = [getattr(ResultVote, c) for c in VOTE_COLUMNS]
    found = {tuple(row[:5]): row[5] for row in session.execute(select(*columns))}
    for delta in _pending(session):
        for *key, n in delta["first_votes"] + delta["later_votes"]:
            found[tuple(key)] = found.get(tuple(key), 0) + n
    # A candidate whose votes went back to zero keeps a zero row: not a difference.
    return {key: n for key, n in found.items() if n}


def _pending(session: Session) -> list[dict]:
    deltas = session.scalars(select(PendingWrite.delta).order_by(PendingWrite.id))
    return [delta for delta in deltas if delta]


@dataclass(frozen=True)
class Comparison:
    ok: bool
    scopes: int
    differences: list[str]


def compare(session: Session) -> Comparison:
    """Stored running totals against a full recomputation from the records."""
    derived, stored = derived_totals(session), stored_totals(session)
    dv, sv = derived_votes(session), stored_votes(session)
    diffs = [
        f"{key}: lưu {stored.get(key)} ≠ tính lại {derived.get(key)}"
        for key in sorted(set(derived) | set(stored))
        if derived.get(key) != stored.get(key)
    ]
    diffs += [
        f"phiếu {key}: lưu {sv.get(key, 0)} ≠ tính lại {dv.get(key, 0)}"
        for key in sorted(set(dv) | set(sv))
        if dv.get(key, 0) != sv.get(key, 0)
    ]
    dp, sp = derived_parts(session), stored_parts(session)
    diffs += [
        f"phần {key}: lưu {sp.get(key, 0)} ≠ tính lại {dp.get(key, 0)}"
        for key in sorted(set(dp) | set(sp))
        if dp.get(key, 0) != sp.get(key, 0)
    ]
    session.rollback()
    return Comparison(not diffs, len(derived), diffs)


def rebuild(session: Session) -> None:
    """Replace every running total by its recomputation (in the caller's transaction).

    What writes left pending for the totals is in the records already: it goes too (their
    events stay, to be chained).
    """
    session.execute(update(PendingWrite).values(delta=None))
    session.execute(delete(ResultVote))
    session.execute(delete(ResultTotal))
    session.execute(delete(ResultPart))
    now = utcnow()
    rows = [
        dict(zip(TOTAL_COLUMNS, key + figures, strict=True)) | {"updated_at": now}
        for key, figures in derived_totals(session).items()
    ]
    if rows:
        session.execute(insert(ResultTotal), rows)
    votes = [
        dict(zip(VOTE_COLUMNS, (*key, n), strict=True)) for key, n in derived_votes(session).items()
    ]
    if votes:
        session.execute(insert(ResultVote), votes)
    parts = [
        {"area_id": a, "contest_id": c, "round_no": r, "unit_id": u, "ballots_valid": n}
        for (a, c, r, u), n in derived_parts(session).items()
    ]
    if parts:
        session.execute(insert(ResultPart), parts)
