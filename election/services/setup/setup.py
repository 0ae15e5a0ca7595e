"""Load an election definition into an empty database, and read it back out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from election.db import begin_write, refresh_statistics
from election.domain import setup as defs
from election.domain.errors import Conflict, FileInvalid
from election.domain.numbers import fmt_int
from election.domain.problems import Problem
from election.domain.setup import LEVEL_RANK, Setup, check_setup, level_name
from election.models.contests import Candidate, Contest, Election, Unit, UnitVotingArea
from election.models.geography import Area, AreaClosure, AreaLevel, VotingArea
from election.models.rolls import VoterCount
from election.services.audit import chain as audit
from election.services.audit.chain import Actor
from election.services.results import totals
from election.services.setup import setup_io, setup_writer

SEQUENCED = ("area_level", "area", "voting_area", "contest", "unit", "candidate", "election")


def plain_messages(problems: list[Problem]) -> list[str]:
    """``sheet!row field: message`` for problems that did not come from a file."""
    lines = []
    for p in problems:
        where = f"{p.sheet}!{p.field or ''}{p.row or ''}: " if p.sheet else ""
        lines.append(where + p.message)
    return lines


def _refuse(lines: list[str]) -> FileInvalid:
    return FileInvalid(
        f"Thiết lập có {fmt_int(len(lines))} lỗi; không có dữ liệu nào được lưu", lines
    )


def import_workbook(
    session: Session,
    data: bytes | Path,
    actor: Actor = Actor(None, audit.SYSTEM),
    origin: dict | None = None,
    then: Callable[[Session], None] | None = None,
) -> str:
    """Load a setup workbook whole, or refuse it whole naming every problem by cell.

    ``origin`` (an uploaded file's name and SHA-256) goes into the audit event; ``then``
    writes in the same transaction (an import job marked done).
    """
    file = setup_io.read_setup(data)
    problems = file.check()
    if problems:
        raise _refuse(file.messages(problems))
    store_setup(session, file.setup, actor, origin, then)
    return summary(file.setup)


def export_workbook(session: Session) -> bytes:
    """The stored definition as a setup workbook."""
    return setup_writer.write_setup(read_setup(session))


def summary(setup: Setup) -> str:
    return (
        f"Đã nạp thiết lập: {fmt_int(len(setup.areas))} khu vực hành chính, "
        f"{fmt_int(len(setup.voting_areas))} khu vực bỏ phiếu, {len(setup.contests)} cấp bầu cử, "
        f"{fmt_int(len(setup.units))} đơn vị bầu cử, {fmt_int(len(setup.candidates))} người ứng cử."
    )


def store_setup(
    session: Session,
    setup: Setup,
    actor: Actor,
    origin: dict | None = None,
    then: Callable[[Session], None] | None = None,
) -> None:
    """Check ``setup`` and store it whole, or refuse it whole (FileInvalid)."""
    problems = check_setup(setup)
    if problems:
        raise _refuse(plain_messages(problems))
    begin_write(session)
    refuse_if_loaded(session)
    _insert(session, setup)
    totals.open_first_rounds(session)
    audit.append(
        session,
        actor,
        "setup.import",
        "election",
        1,
        None,
        {
            "name": setup.election.name if setup.election else None,
            "areas": len(setup.areas),
            "contests": len(setup.contests),
            "units": len(setup.units),
            "candidates": len(setup.candidates),
            "voting_areas": len(setup.voting_areas),
            **(origin or {}),
        },
    )
    if then is not None:
        then(session)
    session.commit()
    refresh_statistics(session, SETUP_TABLES)


def refuse_if_loaded(session: Session) -> None:
    """A setup is stored into an empty database only: Conflict when an election is there."""
    if session.scalar(select(func.count()).select_from(Election)):
        raise Conflict(
            "Cơ sở dữ liệu đã có một cuộc bầu cử; chỉ nạp thiết lập vào cơ sở dữ liệu trống"
        )


# What storing a setup fills (the records' tables and their vote totals stay empty).
SETUP_TABLES = (
    "area",
    "area_closure",
    "voting_area",
    "unit",
    "unit_voting_area",
    "candidate",
    "voter_count",
    "unit_round",
    "result_total",
)


def _insert(session: Session, setup: Setup) -> None:
    """Insert the definition with ids in sheet order, so an export lists rows as they came in."""
    assert setup.election is not None
    e = setup.election
    session.execute(
        insert(Election),
        [
            {
                "id": 1,
                "name": e.name,
                "date": e.date,
                "form_set": e.form_set,
                "second_keying": e.second_keying or "off",
            }
        ],
    )
    area_id = _insert_areas(session, setup.areas)
    contest_id, unit_id = _insert_contests(session, setup)
    _insert_voting_areas(session, setup, area_id, contest_id, unit_id)
    if session.get_bind().dialect.name == "postgresql":
        _move_sequences(session)


def _insert_areas(session: Session, areas: list[defs.AreaDef]) -> dict[str, int]:
    """The levels used, the areas (parents first, for the foreign key) and their closure."""
    used = sorted({a.level for a in areas}, key=LEVEL_RANK.__getitem__)
    level_id = {code: i + 1 for i, code in enumerate(used)}
    session.execute(
        insert(AreaLevel),
        [
            {
                "id": level_id[c],
                "code": c,
                "name": level_name(c, [a.name for a in areas if a.level == c and a.name]),
                "depth": i,
            }
            for i, c in enumerate(used)
        ],
    )
    area_id = {a.code: i + 1 for i, a in enumerate(areas)}
    by_code = {a.code: a for a in areas}
    paths: dict[str, str] = {}

    def path(code: str) -> str:
        if code not in paths:
            parent = by_code[code].parent
            paths[code] = (path(parent) if parent else "/") + code + "/"
        return paths[code]

    rows = [
        {
            "id": area_id[a.code],
            "code": a.code,
            "name": a.name,
            "level_id": level_id[a.level],
            "parent_id": area_id[a.parent] if a.parent else None,
            "path": path(a.code),
        }
        for a in areas
    ]
    rows.sort(key=lambda r: r["path"].count("/"))
    session.execute(insert(Area), rows)
    closure = []
    for a in areas:
        node: str | None = a.code
        while node:
            closure.append({"ancestor_id": area_id[node], "descendant_id": area_id[a.code]})
            node = by_code[node].parent
    session.execute(insert(AreaClosure), closure)
    return area_id


def _insert_contests(session: Session, setup: Setup) -> tuple[dict[str, int], dict[str, int]]:
    """The contests, their units and the units' candidates; the contest and unit ids by code."""
    contest_id = {c.code: i + 1 for i, c in enumerate(setup.contests)}
    session.execute(
        insert(Contest),
        [
            {"id": contest_id[c.code], "election_id": 1, "code": c.code, "name": c.name}
            for c in setup.contests
        ],
    )
    unit_id = {u.code: i + 1 for i, u in enumerate(setup.units)}
    session.execute(
        insert(Unit),
        [
            {
                "id": unit_id[u.code],
                "code": u.code,
                "contest_id": contest_id[u.contest],
                "name": u.name,
                "seats": u.seats,
            }
            for u in setup.units
        ],
    )
    session.execute(
        insert(Candidate),
        [
            {
                "id": i + 1,
                "code": c.code,
                "unit_id": unit_id[c.unit],
                "ballot_order": c.order,
                "full_name": c.full_name,
                "date_of_birth": c.date_of_birth,
                "gender": c.gender,
            }
            for i, c in enumerate(setup.candidates)
        ],
    )
    return contest_id, unit_id


def _insert_voting_areas(
    session: Session,
    setup: Setup,
    area_id: dict[str, int],
    contest_id: dict[str, int],
    unit_id: dict[str, int],
) -> None:
    """The voting areas, their unit in each contest and their voter counts."""
    va_id = {v.code: i + 1 for i, v in enumerate(setup.voting_areas)}
    session.execute(
        insert(VotingArea),
        [
            {"id": va_id[v.code], "code": v.code, "name": v.name, "area_id": area_id[v.area]}
            for v in setup.voting_areas
        ],
    )
    memberships = [
        {"unit_id": unit_id[u], "voting_area_id": va_id[v.code], "contest_id": contest_id[c]}
        for v in setup.voting_areas
        for c, u in v.units.items()
    ]
    if memberships:
        session.execute(insert(UnitVotingArea), memberships)
    if setup.voters:
        session.execute(
            insert(VoterCount),
            [
                {
                    "voting_area_id": va_id[c.voting_area],
                    "contest_id": contest_id[c.contest],
                    "setup_voters": c.voters,
                    "roll_voters": None,
                }
                for c in setup.voters
            ],
        )


def _move_sequences(session: Session) -> None:
    """Ids were given explicitly: move each sequence past them (PostgreSQL)."""
    for table in SEQUENCED:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )
        )


def read_setup(session: Session) -> Setup:
    """The stored definition, in the shape it was loaded from."""
    e = session.scalars(select(Election)).first()
    # "off" is the default, which a setup states by leaving the column out.
    keying = None if e is None or e.second_keying == "off" else e.second_keying
    election = defs.ElectionDef(e.name, e.date, e.form_set, keying) if e else None
    areas = session.execute(
        select(Area.code, Area.name, AreaLevel.code, Area.parent_id, Area.id)
        .join(AreaLevel, Area.level_id == AreaLevel.id)
        .order_by(Area.id)
    ).all()
    area_code = {row[4]: row[0] for row in areas}
    contests = session.execute(
        select(Contest.id, Contest.code, Contest.name).order_by(Contest.id)
    ).all()
    contest_code = {cid: code for cid, code, _ in contests}
    units = session.execute(
        select(Unit.id, Unit.code, Unit.contest_id, Unit.name, Unit.seats).order_by(Unit.id)
    ).all()
    unit_code = {u[0]: u[1] for u in units}
    candidates = session.execute(
        select(
            Candidate.code,
            Candidate.unit_id,
            Candidate.ballot_order,
            Candidate.full_name,
            Candidate.date_of_birth,
            Candidate.gender,
        ).order_by(Candidate.id)
    ).all()
    voting_areas = session.execute(
        select(VotingArea.id, VotingArea.code, VotingArea.name, VotingArea.area_id).order_by(
            VotingArea.id
        )
    ).all()
    va_code = {v[0]: v[1] for v in voting_areas}
    units_of: dict[int, dict[str, str]] = {}
    for unit_id, va_id, contest_id in session.execute(
        select(UnitVotingArea.unit_id, UnitVotingArea.voting_area_id, UnitVotingArea.contest_id)
    ):
        units_of.setdefault(va_id, {})[contest_code[contest_id]] = unit_code[unit_id]
    order = [code for _, code, _ in contests]
    counts = session.execute(
        select(VoterCount.voting_area_id, VoterCount.contest_id, VoterCount.setup_voters)
        .where(VoterCount.setup_voters.is_not(None))
        .order_by(VoterCount.voting_area_id, VoterCount.contest_id)
    ).all()
    rows = 2
    return Setup(
        election=election,
        areas=[
            defs.AreaDef(code, name, level, area_code.get(parent) if parent else None, row=i + rows)
            for i, (code, name, level, parent, _) in enumerate(areas)
        ],
        contests=[
            defs.ContestDef(code, name, row=i + rows) for i, (_, code, name) in enumerate(contests)
        ],
        units=[
            defs.UnitDef(code, contest_code[cid], name, seats, row=i + rows)
            for i, (_, code, cid, name, seats) in enumerate(units)
        ],
        candidates=[
            defs.CandidateDef(code, unit_code[uid], order_, name, born, gender, row=i + rows)
            for i, (code, uid, order_, name, born, gender) in enumerate(candidates)
        ],
        voting_areas=[
            defs.VotingAreaDef(
                code,
                name,
                area_code[aid],
                {c: units_of[vid][c] for c in order if c in units_of.get(vid, {})},
                row=i + rows,
            )
            for i, (vid, code, name, aid) in enumerate(voting_areas)
        ],
        voters=[
            defs.VoterCountDef(va_code[vid], contest_code[cid], n, row=i + rows)
            for i, (vid, cid, n) in enumerate(counts)
        ],
    )
