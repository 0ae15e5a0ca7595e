"""An uploaded file checked exactly as the command line checks it, and what applying it changes.

Nothing here writes: the setup workbook goes through ``SetupFile.check``, the roll through
the import's own row loop with a writer that writes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from election.domain.problems import Problem
from election.domain.setup import LEVEL_RANK, Setup, level_name
from election.models import CONTEST_CODES, Voter, VoterCount, VotingArea
from election.services.setup import rolls, setup, setup_io
from election.services.setup.roll_io import RollFile

# A file with more problems shows this many (and says how many there are in all).
SHOWN_PROBLEMS = 1000
# The file itself is not of the kind asked for: 415 rather than 422.
FILE_TYPE_CODES = ("file_type", "file_invalid")


@dataclass(frozen=True)
class FileProblem:
    """One problem of an uploaded file: its sheet, its cell (``D5``) and what is wrong."""

    sheet: str
    cell: str
    message: str

    @property
    def anchor(self) -> str:
        """The id of its row in the problems table, from its cell: ``o-units-D5``."""
        text = f"{self.sheet}-{self.cell}" if self.cell else self.sheet
        return "o-" + "".join(ch if ch.isalnum() else "-" for ch in text)


@dataclass
class Checked:
    """What the check of an uploaded file found: every problem, or a preview of the change."""

    kind: str
    problems: list[FileProblem] = field(default_factory=list)
    problem_count: int = 0
    wrong_type: bool = False
    preview: dict = field(default_factory=dict)
    rows: int = 0  # what applying it works through, for its progress


def _located(problems: list[Problem], locate: Callable[[Problem], str]) -> list[FileProblem]:
    out = []
    for p in problems[:SHOWN_PROBLEMS]:
        where = locate(p)
        sheet, _, cell = where.rpartition("!")
        out.append(FileProblem(sheet or (p.sheet or ""), cell if sheet else "", p.message))
    return out


def _refused(kind: str, problems: list[Problem], locate: Callable[[Problem], str]) -> Checked:
    return Checked(
        kind,
        _located(problems, locate),
        len(problems),
        wrong_type=all(p.code in FILE_TYPE_CODES for p in problems),
    )


def check_setup_file(session: Session, path: Path) -> Checked:
    """Check a setup workbook as ``import-setup`` does; the counts it would add if clean."""
    setup.refuse_if_loaded(session)
    file = setup_io.read_setup(path)
    problems = file.check()
    if problems:
        return _refused("setup", problems, file.locate)
    preview = setup_preview(file.setup)
    return Checked("setup", preview=preview, rows=sum(n for _, n in preview["rows"]))


def setup_preview(definition: Setup) -> dict:
    """What storing ``definition`` adds to an empty database, row by row of the preview."""
    levels = sorted({a.level for a in definition.areas}, key=LEVEL_RANK.__getitem__)
    per_level = Counter(a.level for a in definition.areas)
    units = Counter(u.contest for u in definition.units)
    rows: list[tuple[str, int]] = [
        (
            "Khu vực hành chính: "
            + level_name(lv, [a.name for a in definition.areas if a.level == lv and a.name]),
            per_level[lv],
        )
        for lv in levels
    ]
    rows.append(("Khu vực bỏ phiếu", len(definition.voting_areas)))
    rows.append(("Cấp bầu cử", len(definition.contests)))
    rows += [(f"Đơn vị bầu cử {c.name or c.code}", units[c.code]) for c in definition.contests]
    rows.append(("Người ứng cử", len(definition.candidates)))
    rows.append(("Số cử tri theo khu vực bỏ phiếu và cấp bầu cử", len(definition.voters)))
    election = definition.election
    return {"election": election.name if election else None, "rows": rows}


def check_roll_file(session: Session, path: Path, name: str) -> Checked:
    """Check a roll file as ``import-roll`` does; voters per voting area, file against today."""
    roll = RollFile(path, name)
    known = rolls.known_areas(session)
    loaded = rolls.load_rows(roll, known, rolls.NoWriter(), roll.name)
    if loaded.problems:
        return _refused("roll", loaded.problems, roll.locate)
    if not loaded.counts:
        empty = Problem("file_empty", "Tệp không có cử tri", roll.name, 2)
        return _refused("roll", [empty], roll.locate)
    return Checked("roll", preview=_roll_preview(session, known, loaded), rows=loaded.voters)


def _roll_preview(session: Session, known: rolls.Known, loaded: rolls.Loaded) -> dict:
    """Per voting area of the file: its voters today and in the file; per contest, the voters
    on the rolls of those voting areas today and after."""
    ids = list(loaded.counts)
    today: dict[int, int] = {}
    names: dict[int, tuple[str, str]] = {}
    contests_today: Counter[str] = Counter()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for va_id, n in session.execute(
            select(Voter.voting_area_id, func.count())
            .where(Voter.voting_area_id.in_(chunk))
            .group_by(Voter.voting_area_id)
        ):
            today[va_id] = n
        for va_id, code, name in session.execute(
            select(VotingArea.id, VotingArea.code, VotingArea.name).where(VotingArea.id.in_(chunk))
        ):
            names[va_id] = (code, name)
        for contest_id, n in session.execute(
            select(VoterCount.contest_id, func.sum(VoterCount.roll_voters))
            .where(VoterCount.voting_area_id.in_(chunk))
            .group_by(VoterCount.contest_id)
        ):
            contests_today[known.contest_code[contest_id]] += n or 0
    after: Counter[str] = Counter()
    for per_contest in loaded.counts.values():
        after.update(per_contest)
    return {
        "voters": loaded.voters,
        "areas": [
            {
                "code": names[va][0],
                "name": names[va][1],
                "today": today.get(va, 0),
                "file": len(loaded.seqs[va]),
            }
            for va in ids
        ],
        "contests": [
            {"code": c, "today": contests_today[c], "after": after[c]}
            for c in CONTEST_CODES
            if c in after
        ],
    }
