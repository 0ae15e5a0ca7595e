"""Loading voter rolls, streamed, all or nothing, and deriving the counts per contest."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from election.db import begin_write, refresh_statistics
from election.domain.errors import FileInvalid, NotFound
from election.domain.numbers import fmt_int
from election.domain.problems import Problem
from election.domain.rolls import contests_of_voter
from election.domain.setup import CONTEST_LABELS
from election.models import Contest, Election, UnitVotingArea, VoterCount, VotingArea
from election.services.audit import chain as audit
from election.services.audit.chain import Actor
from election.services.setup.roll_io import ROLL_COLUMNS, RollFile, RollRow

BATCH = 20_000
COLUMNS = ("voting_area_id", *ROLL_COLUMNS[1:])  # the voter table's, in the roll's order


@dataclass
class RollReport:
    """What a roll import stored: voters per voting area and contest."""

    voters: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # va code → contest → n

    def totals(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for per_contest in self.counts.values():
            for contest, n in per_contest.items():
                out[contest] += n
        return dict(out)

    def text(self, detail_limit: int = 100) -> str:
        lines = [
            f"Đã nạp {fmt_int(self.voters)} cử tri của {fmt_int(len(self.counts))} khu vực bỏ phiếu.",
            "Số cử tri theo cấp bầu cử:",
        ]
        for contest, n in self.totals().items():
            lines.append(f"  {contest:<11} {CONTEST_LABELS.get(contest, contest)}: {fmt_int(n)}")
        if len(self.counts) <= detail_limit:
            for code, per_contest in self.counts.items():
                parts = ", ".join(f"{c} {fmt_int(n)}" for c, n in per_contest.items())
                lines.append(f"  {code}: {parts}")
        return "\n".join(lines)


def import_file(
    session: Session, path: Path, actor: Actor = Actor(None, audit.SYSTEM)
) -> RollReport:
    """Load a .csv or .xlsx roll file."""
    roll = RollFile(path)
    return import_rows(session, roll, roll.describe, actor, roll.name)


def import_rows(
    session: Session,
    items: Iterable[RollRow | list[Problem]],
    describe: Callable[[Problem], str],
    actor: Actor,
    source: str,
    origin: dict | None = None,
    then: Callable[[Session], None] | None = None,
) -> RollReport:
    """Store the rows of a roll, replacing the rolls of the voting areas it names.

    Every problem of every row is collected; if there is any, nothing is stored. ``origin``
    (the uploaded file's name and SHA-256) goes into the audit event; ``then`` writes in the
    same transaction (an import job marked done).
    """
    begin_write(session)
    known = known_areas(session)
    loaded = load_rows(items, known, _writer(session), source)
    if loaded.problems:
        session.rollback()
        count = fmt_int(len(loaded.problems))
        raise FileInvalid(
            f"Danh sách cử tri có {count} lỗi; không có cử tri nào được nạp",
            [describe(p) for p in loaded.problems],
        )
    if not loaded.counts:
        session.rollback()
        raise FileInvalid("Danh sách cử tri không có dòng nào", [f"{source}: tệp không có cử tri"])
    report = _store_report(session, known, loaded, actor, source, origin or {})
    if then is not None:
        then(session)
    session.commit()
    refresh_statistics(session, ("voter", "voter_count"))
    return report


@dataclass
class Known:
    """What the rows are checked against: the stored voting areas and the contests they hold."""

    va_ids: dict[str, int]  # voting area code → id
    contest_code: dict[int, str]  # contest id → code
    held: dict[int, tuple[str, ...]]  # voting area id → its contests' codes, in contest order


def known_areas(session: Session) -> Known:
    election = session.scalars(select(Election)).first()
    if election is None:
        raise NotFound("Chưa có cuộc bầu cử nào được thiết lập; hãy nạp thiết lập trước")
    contest_code = dict(session.execute(select(Contest.id, Contest.code)).all())
    held: dict[int, tuple[str, ...]] = defaultdict(tuple)
    for va_id, contest_id in session.execute(
        select(UnitVotingArea.voting_area_id, UnitVotingArea.contest_id).order_by(
            UnitVotingArea.voting_area_id, UnitVotingArea.contest_id
        )
    ):
        held[va_id] += (contest_code[contest_id],)
    va_ids = dict(session.execute(select(VotingArea.code, VotingArea.id)).all())
    return Known(va_ids, contest_code, held)


@dataclass
class Loaded:
    """What the rows of a roll came to: voters per voting area and contest, or problems."""

    problems: list[Problem] = field(default_factory=list)
    seqs: dict[int, set[int]] = field(default_factory=dict)  # voting area id → seqs seen
    counts: dict[int, dict[str, int]] = field(default_factory=dict)  # va id → contest → n
    voters: int = 0


def load_rows(
    items: Iterable[RollRow | list[Problem]],
    known: Known,
    writer: _SqliteWriter | _PostgresWriter | NoWriter,
    source: str,
) -> Loaded:
    """Check and count every row; write the rows in batches until the first problem."""
    loaded = Loaded()
    voter_contests: dict[tuple[str, str | None], frozenset[str]] = {}
    batch: list[tuple] = []
    for item in items:
        if isinstance(item, list):
            loaded.problems.extend(item)
            continue
        va_id = _admit(item, known, loaded, writer, source)
        if va_id is None:
            continue
        key = (item.residence_type, item.note)
        contests = voter_contests.get(key)
        if contests is None:
            contests = voter_contests[key] = contests_of_voter(*key)
        per_contest = loaded.counts[va_id]
        for contest in contests:
            if contest in per_contest:
                per_contest[contest] += 1
        loaded.voters += 1
        if loaded.problems:
            continue  # keep checking, stop writing: the import will be refused
        batch.append((va_id, *item[1:8]))  # seq … note: the fields after the area code
        if len(batch) >= BATCH:
            writer.write(batch)
            batch = []
    if not loaded.problems:
        writer.write(batch)
    return loaded


def _admit(
    item: RollRow,
    known: Known,
    loaded: Loaded,
    writer: _SqliteWriter | _PostgresWriter | NoWriter,
    source: str,
) -> int | None:
    """The row's voting area id, or None with its problem noted (unknown area, repeated seq).

    The first row of a voting area clears its stored roll, while nothing is wrong yet.
    """
    va_id = known.va_ids.get(item.voting_area)
    if va_id is None:
        message = f"Không có khu vực bỏ phiếu mã «{item.voting_area}»"
        loaded.problems.append(Problem("unknown_code", message, source, item.row, "voting_area"))
        return None
    seen = loaded.seqs.get(va_id)
    if seen is None:
        seen = loaded.seqs[va_id] = set()
        loaded.counts[va_id] = dict.fromkeys(known.held[va_id], 0)
        if not loaded.problems:
            writer.clear(va_id)
    if item.seq in seen:
        message = f"Số thứ tự {item.seq} bị trùng trong danh sách của khu vực «{item.voting_area}»"
        loaded.problems.append(Problem("seq_duplicate", message, source, item.row, "seq"))
        return None
    seen.add(item.seq)
    return va_id


def _store_report(
    session: Session, known: Known, loaded: Loaded, actor: Actor, source: str, origin: dict
) -> RollReport:
    """Store the derived counts and audit the import; the report of what was stored."""
    code_of = {v: k for k, v in known.va_ids.items()}
    contest_id = {v: k for k, v in known.contest_code.items()}
    before = _store_counts(session, loaded.counts, contest_id)
    report = RollReport(loaded.voters, {code_of[va]: per for va, per in loaded.counts.items()})
    audit.append(
        session,
        actor,
        "roll.import",
        "roll",
        source,
        {"counts": {code_of[va]: per for va, per in before.items()}},
        {"voters": loaded.voters, "counts": report.counts, **origin},
    )
    return report


def _store_counts(
    session: Session, counts: dict[int, dict[str, int]], contest_id: dict[str, int]
) -> dict[int, dict[str, int | None]]:
    """Write the derived counts; return the roll counts they replace."""
    existing: dict[tuple[int, int], int | None] = {}
    ids = list(counts)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for va_id, cid, roll in session.execute(
            select(VoterCount.voting_area_id, VoterCount.contest_id, VoterCount.roll_voters).where(
                VoterCount.voting_area_id.in_(chunk)
            )
        ):
            existing[(va_id, cid)] = roll
    updates, inserts = [], []
    before: dict[int, dict[str, int | None]] = {}
    for va_id, per_contest in counts.items():
        for contest, n in per_contest.items():
            key = (va_id, contest_id[contest])
            if key in existing:
                before.setdefault(va_id, {})[contest] = existing[key]
                updates.append({"va": va_id, "c": key[1], "n": n})
            else:
                inserts.append(
                    {
                        "voting_area_id": va_id,
                        "contest_id": key[1],
                        "roll_voters": n,
                        "setup_voters": None,
                    }
                )
    if updates:
        session.connection().execute(
            update(VoterCount)
            .where(
                VoterCount.voting_area_id == bindparam("va"),
                VoterCount.contest_id == bindparam("c"),
            )
            .values(roll_voters=bindparam("n")),
            updates,
        )
    if inserts:
        session.execute(VoterCount.__table__.insert(), inserts)
    return before


class NoWriter:
    """Checking a roll without storing it: rows are counted, nothing is written."""

    def clear(self, va_id: int) -> None:
        pass

    def write(self, batch: list[tuple]) -> None:
        pass


class _SqliteWriter:
    def __init__(self, session: Session) -> None:
        self.conn = session.connection()

    def clear(self, va_id: int) -> None:
        self.conn.exec_driver_sql("DELETE FROM voter WHERE voting_area_id = ?", (va_id,))

    def write(self, batch: list[tuple]) -> None:
        if batch:
            self.conn.exec_driver_sql(
                f"INSERT INTO voter ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                [(*row[:3], row[3].isoformat(), *row[4:]) for row in batch],
            )


class _PostgresWriter:
    """COPY is several times faster than INSERT for bulk rows."""

    def __init__(self, session: Session) -> None:
        self.raw = session.connection().connection.driver_connection

    def clear(self, va_id: int) -> None:
        with self.raw.cursor() as cur:
            cur.execute("DELETE FROM voter WHERE voting_area_id = %s", (va_id,))

    def write(self, batch: list[tuple]) -> None:
        if not batch:
            return
        with (
            self.raw.cursor() as cur,
            cur.copy(f"COPY voter ({', '.join(COLUMNS)}) FROM STDIN") as copy,
        ):
            for row in batch:
                copy.write_row(row)


def _writer(session: Session) -> _SqliteWriter | _PostgresWriter:
    if session.get_bind().dialect.name == "postgresql":
        return _PostgresWriter(session)
    return _SqliteWriter(session)
