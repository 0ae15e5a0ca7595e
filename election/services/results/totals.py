"""Running totals per area and unit, kept in step with the records.

Every change to a record applies its *difference* to the totals of the scopes it
belongs to (its ward and every area above, and its electoral unit) in the same
transaction, so a total is always the sum of the current records and reading one
costs a single row. ``recompute`` derives every total from the records again, set
by set in SQL, to prove it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from election.cache import Lru
from election.domain.clock import utcnow
from election.domain.results import FIGURES
from election.models.contests import Contest, UnitVotingArea
from election.models.geography import Area, AreaClosure, AreaLevel, VotingArea
from election.models.results import ResultTotal
from election.services import pending
from election.services.audit.chain import holds_head
from election.services.results import recompute
from election.services.results.ledger import Ledger, add_rows


def open_first_rounds(session: Session) -> None:
    """Round 1 of every unit, and the zero totals of every scope (after a setup is stored)."""
    session.execute(
        text(
            "INSERT INTO unit_round (unit_id, round_no, kind, opened_at, opened_by) "
            "SELECT id, 1, 'first', :now, NULL FROM unit"
        ),
        {"now": utcnow()},
    )
    recompute.rebuild(session)


# The levels whose areas lie inside one district: a transaction writes their totals itself,
# and only the writers of that district share them. The rows above (the city, the country)
# every district shares: a transaction leaves what it adds to them pending, and the short
# step after its commit folds it in (``services.settle``).
NEAR_LEVELS = frozenset({"district", "ward"})
# The contests whose electoral units lie inside one district (a commune's inside one ward);
# the units of the others (National Assembly, the city's council) span districts.
NEAR_CONTESTS = frozenset({"HDND_HUYEN", "HDND_XA"})


def ancestors(session: Session, voting_area_ids: list[int]) -> dict[int, list[tuple[int, bool]]]:
    """The areas each voting area lies in, in id order, each with whether it is near."""
    found: dict[int, list[tuple[int, bool]]] = {va: [] for va in voting_area_ids}
    for va, area_id, level in session.execute(
        select(VotingArea.id, AreaClosure.ancestor_id, AreaLevel.code)
        .join(AreaClosure, AreaClosure.descendant_id == VotingArea.area_id)
        .join(Area, Area.id == AreaClosure.ancestor_id)
        .join(AreaLevel, AreaLevel.id == Area.level_id)
        .where(VotingArea.id.in_(voting_area_ids))
        .order_by(VotingArea.id, AreaClosure.ancestor_id)
    ):
        found[va].append((area_id, level in NEAR_LEVELS))
    return found


# A voting area's place in the tree never changes once a setup is stored: a worker keeps
# what it read, per database and setup (the hash of the setup's audit event).
_ANCESTORS = Lru(65536)


def ancestors_kept(
    session: Session, voting_area_id: int, setup: str | None
) -> list[tuple[int, bool]]:
    """``ancestors`` of one voting area, kept per database and setup (read each time without one)."""
    if setup is None:
        return ancestors(session, [voting_area_id])[voting_area_id]
    key = (str(session.get_bind().engine.url), setup, voting_area_id)
    found = _ANCESTORS.get(key)
    if found is None:
        found = _ANCESTORS.put(key, ancestors(session, [voting_area_id])[voting_area_id])
    return found


@dataclass(frozen=True)
class Change:
    """What a record change adds to the totals of its scopes."""

    voting_area_id: int
    contest_id: int
    round_no: int
    reported: int = 0
    verified: int = 0
    figures: Mapping[str, int] | None = None
    votes: Mapping[int, int] | None = None  # candidate id → difference
    # The record's unit and its contest's code, when the caller already knows them.
    unit_id: int | None = None
    contest_code: str | None = None
    # The areas its voting area lies in, with whether each is near, when known (``ancestors``).
    areas: Sequence[tuple[int, bool]] | None = None
    # Records backed by a photo, keyed a second time (current version), matched.
    with_photo: int = 0
    keyed: int = 0
    matched: int = 0


def apply(session: Session, change: Change) -> None:
    """Add ``change`` to every scope the voting area belongs to (see ``apply_many``)."""
    apply_many(session, [change])


def apply_many(session: Session, changes: Sequence[Change], now: dt.datetime | None = None) -> None:
    """Add the changes to the totals of their scopes: summed per scope, then written in order.

    The near scopes (the ward, the district, a unit inside a district) are written now, one
    statement per kind of row whatever the number of changes: the totals, the parts of each
    area's valid ballots per unit, the candidates' votes. What the far scopes get is left as
    one pending row, folded in after the commit (``fold``).
    """
    units = _units(session, [c for c in changes if c.unit_id is None or c.contest_code is None])
    missing = sorted({c.voting_area_id for c in changes if c.areas is None})
    areas = ancestors(session, missing) if missing else {}
    near = Ledger()
    # A transaction that holds the audit head (SQLite's writes, a certification's) has no one
    # to let pass: it writes the far rows too.
    far = near if holds_head(session) else Ledger()
    for change in changes:
        if change.unit_id is not None and change.contest_code is not None:
            unit = (change.unit_id, change.contest_code in NEAR_CONTESTS)
        else:
            unit = units[(change.voting_area_id, change.contest_id)]
        inside = areas[change.voting_area_id] if change.areas is None else change.areas
        add(near, far, change, unit, inside)
    now = now or utcnow()
    near.write(session, now)
    if far is not near and far:
        waiting = pending.of(session)
        if waiting.delta is None:
            waiting.delta = far
        else:
            waiting.delta.merge(far)


def _units(session: Session, changes: list[Change]) -> dict[tuple[int, int], tuple[int, bool]]:
    """The unit of each change's voting area in its contest, and whether it is near."""
    if not changes:
        return {}
    return {
        (va, contest): (unit, code in NEAR_CONTESTS)
        for va, contest, unit, code in session.execute(
            select(
                UnitVotingArea.voting_area_id,
                UnitVotingArea.contest_id,
                UnitVotingArea.unit_id,
                Contest.code,
            )
            .join(Contest, Contest.id == UnitVotingArea.contest_id)
            .where(
                UnitVotingArea.voting_area_id.in_(sorted({c.voting_area_id for c in changes})),
                UnitVotingArea.contest_id.in_(sorted({c.contest_id for c in changes})),
            )
        )
    }


def add(
    near: Ledger,
    far: Ledger,
    change: Change,
    unit: tuple[int, bool],
    areas: Sequence[tuple[int, bool]],
) -> None:
    """Add ``change`` to the rows of its scopes: the near ones' in ``near``, the rest in ``far``."""
    figures = change.figures or {}
    added = (
        change.reported,
        change.verified,
        *[figures.get(name, 0) for name in FIGURES],
        change.with_photo,
        change.keyed,
        change.matched,
    )
    contest, round_no = change.contest_id, change.round_no
    unit_id, unit_near = unit
    scopes = [("area", a, is_near) for a, is_near in areas]
    scopes.append(("unit", unit_id, unit_near))
    for kind, sid, is_near in scopes:
        into = near if is_near else far
        key = (kind, sid, contest, round_no)
        into.totals[key] = [a + b for a, b in zip(into.totals[key], added, strict=True)]
    first = change.reported > 0
    valid = figures.get("ballots_valid", 0)
    if valid or first:
        for a, is_near in areas:
            (near if is_near else far).parts[(a, contest, round_no, unit_id)] += valid
    # A first record lists every candidate, zeros too, so each gets its row.
    votes = [(c, d) for c, d in (change.votes or {}).items() if d or first]
    for kind, sid, is_near in scopes:
        ledger = near if is_near else far
        into = ledger.first_votes if first else ledger.later_votes
        for candidate_id, d in votes:
            into[(kind, sid, contest, round_no, candidate_id)] += d


def open_round(session: Session, unit_id: int, contest_id: int, round_no: int) -> None:
    """Zero totals for a unit's new round: its own scope and every area its voting areas are in."""
    counts = session.execute(
        select(AreaClosure.ancestor_id, func.count())
        .select_from(UnitVotingArea)
        .join(VotingArea, VotingArea.id == UnitVotingArea.voting_area_id)
        .join(AreaClosure, AreaClosure.descendant_id == VotingArea.area_id)
        .where(UnitVotingArea.unit_id == unit_id)
        .group_by(AreaClosure.ancestor_id)
    ).all()
    size = session.scalar(
        select(func.count()).select_from(UnitVotingArea).where(UnitVotingArea.unit_id == unit_id)
    )
    now = utcnow()
    base = {"contest_id": contest_id, "round_no": round_no, "updated_at": now}
    rows = [{"scope_kind": "unit", "scope_id": unit_id, "voting_areas_total": size, **base}] + [
        {"scope_kind": "area", "scope_id": area_id, "voting_areas_total": n, **base}
        for area_id, n in counts
    ]
    # Another unit of the same area may have opened this round number already: add to it.
    add_rows(
        session,
        ResultTotal,
        ["scope_kind", "scope_id", "contest_id", "round_no"],
        "voting_areas_total",
        rows,
    )
