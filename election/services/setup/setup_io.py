"""The setup workbook read into a domain ``Setup``, with every problem located by cell."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from election.domain import setup as defs
from election.domain.problems import Problem
from election.domain.setup import CONTEST_CODES, Setup, check_setup

INSTRUCTIONS_SHEET = "hướng dẫn"
# Contract column order; voting_areas goes on with one column per contest code.
SHEETS: dict[str, tuple[str, ...]] = {
    "election": ("name", "date", "form_set", "second_keying"),
    "areas": ("code", "name", "level", "parent"),
    "contests": ("code", "name"),
    "units": ("code", "contest", "name", "seats"),
    "candidates": ("code", "unit", "order", "full_name", "date_of_birth", "gender"),
    "voting_areas": ("code", "name", "area"),
    "voters": ("voting_area", "contest", "voters"),
}
INTEGER_COLUMNS = ("seats", "order", "voters")
# Columns a sheet may leave out (older workbooks): their value is then empty.
OPTIONAL_COLUMNS = {("election", "second_keying")}
# Typed columns, by their label in messages; the others hold text.
LABELS = {
    "date": "Ngày bầu cử",
    "seats": "Số đại biểu được bầu",
    "order": "Thứ tự trên phiếu bầu",
    "date_of_birth": "Ngày sinh",
    "voters": "Số cử tri",
}
_INVALID = object()
# The dataclass of each sheet's rows; their fields follow the sheet's columns.
_DEFS = {
    "election": defs.ElectionDef,
    "areas": defs.AreaDef,
    "contests": defs.ContestDef,
    "units": defs.UnitDef,
    "candidates": defs.CandidateDef,
    "voting_areas": defs.VotingAreaDef,
    "voters": defs.VoterCountDef,
}


def cell_of(problem: Problem, letter: str | None) -> str:
    """``sheet!D5`` for a problem in column ``letter`` ('' when the problem has no place)."""
    if problem.sheet is None:
        return ""
    return f"{problem.sheet}!{letter or 'A'}{problem.row or 1}"


def problem_text(problem: Problem, letter: str | None) -> str:
    """``sheet!D5: message`` (just the message when the problem has no place)."""
    where = cell_of(problem, letter)
    return f"{where}: {problem.message}" if where else problem.message


def default_letter(sheet: str | None, field: str | None) -> str | None:
    """The column letter of ``field`` in the contract layout of ``sheet``."""
    keys = SHEETS.get(sheet or "", ())
    if sheet == "voting_areas":
        keys += CONTEST_CODES
    return get_column_letter(keys.index(field) + 1) if field in keys else None


@dataclass
class SetupFile:
    """A setup workbook as read: the definition, its parse problems and its header layout."""

    setup: Setup
    problems: list[Problem]
    columns: dict[str, dict[str, str]]  # sheet → column key → column letter, as read

    def locate(self, problem: Problem) -> str:
        """``units!D5``: where ``problem`` is in this workbook ('' when nowhere)."""
        return cell_of(problem, self._letter(problem))

    def describe(self, problem: Problem) -> str:
        """``units!D5: message``."""
        return problem_text(problem, self._letter(problem))

    def check(self) -> list[Problem]:
        """Parse problems plus ``check_setup``'s, without echoes of them, in sheet order."""
        if any(p.sheet is None for p in self.problems):
            return list(self.problems)  # not a workbook at all: nothing else is worth saying
        cells = {(p.sheet, p.row, p.field) for p in self.problems}
        gone = {(p.sheet, None) for p in self.problems if p.code == "sheet_missing"}
        gone |= {(p.sheet, p.field) for p in self.problems if p.code == "column_missing"}
        # A missing sheet or column, or an unreadable cell, would otherwise be reported again
        # on every row as an empty value.
        rules = [
            p
            for p in check_setup(self.setup)
            if (p.sheet, p.row, p.field) not in cells
            and (p.sheet, None) not in gone
            and (p.sheet, p.field) not in gone
        ]
        return sorted(self.problems + rules, key=self._place)

    def messages(self, problems: Iterable[Problem] | None = None) -> list[str]:
        """``sheet!CELL: message`` lines for ``problems`` (default: ``check()``)."""
        return [self.describe(p) for p in (self.check() if problems is None else problems)]

    def _letter(self, problem: Problem) -> str | None:
        layout = self.columns.get(problem.sheet or "", {})
        return layout.get(problem.field or "") or default_letter(problem.sheet, problem.field)

    def _place(self, problem: Problem) -> tuple[int, int, int]:
        order = list(SHEETS)
        sheet = order.index(problem.sheet) if problem.sheet in order else -1
        column = column_index_from_string(self._letter(problem) or "A")
        return sheet, problem.row or 0, column


def read_setup(source: bytes | str | Path | BinaryIO) -> SetupFile:
    """Read a setup workbook; types are parsed here, the rules are left to ``check()``."""
    if isinstance(source, (str, Path)):
        with open(source, "rb") as handle:
            return read_setup(handle)
    try:
        data = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
        workbook = load_workbook(data, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError):
        bad = Problem("file_invalid", "Tệp không phải là sổ tính Excel (.xlsx) hợp lệ")
        return SetupFile(Setup(None, [], [], [], [], [], []), [bad], {})
    problems: list[Problem] = []
    columns: dict[str, dict[str, str]] = {}
    read: dict[str, list] = {}
    try:
        names = {name.strip().lower(): name for name in workbook.sheetnames}
        for sheet in SHEETS:  # contests come before voting_areas, which needs their codes
            codes = [*CONTEST_CODES, *(c.code for c in read.get("contests", []) if c.code)]
            extra = {c.lower(): c for c in codes} if sheet == "voting_areas" else {}
            ws = workbook[names[sheet]] if sheet in names else None
            rows = _table(ws, sheet, extra, problems, columns)
            read[sheet] = [_DEFS[sheet](*values, row=row) for row, values in rows]
    finally:
        workbook.close()
    elections = read.pop("election")
    for other in elections[1:]:
        message = "Trang election chỉ có một dòng dữ liệu"
        problems.append(Problem("election_rows", message, "election", other.row, "name"))
    problems.sort(key=lambda p: list(SHEETS).index(p.sheet))  # the election rows above
    return SetupFile(Setup(elections[0] if elections else None, **read), problems, columns)


def _table(ws, sheet, extra, problems, columns) -> list[tuple[int, list]]:
    """(row number, values in dataclass order) per data row, once the header is checked."""
    if ws is None:
        problems.append(Problem("sheet_missing", f"Thiếu trang tính «{sheet}»", sheet, 1))
        return []
    allowed = {key: key for key in SHEETS[sheet]} | dict(extra)
    ws.reset_dimensions()  # a stale <dimension> would otherwise cut rows off
    rows = ws.iter_rows(values_only=True)
    layout: dict[str, str] = {}
    keys: list[tuple[int, str]] = []
    for index, raw in enumerate(next(rows, ())):
        name, letter = _text(raw), get_column_letter(index + 1)
        key = allowed.get(name.lower()) if name else None
        if name is None:
            continue
        if key is None:
            layout.setdefault(name, letter)
            known = ", ".join(SHEETS[sheet]) + (", mã cấp bầu cử" if extra else "")
            message = f"Cột «{name}» không dùng trong trang {sheet}; các cột: {known}"
            problems.append(Problem("column_unknown", message, sheet, 1, name))
        elif key in layout:
            message = f"Cột «{key}» bị lặp (cột {layout[key]} và {letter})"
            problems.append(Problem("column_duplicate", message, sheet, 1, key))
        else:
            layout[key] = letter
            keys.append((index, key))
    columns[sheet] = layout
    for key in SHEETS[sheet]:
        if key not in layout and (sheet, key) not in OPTIONAL_COLUMNS:
            problems.append(Problem("column_missing", f"Thiếu cột «{key}»", sheet, 1, key))
    out = []
    for number, values in enumerate(rows, 2):
        cells = {key: values[i] for i, key in keys if i < len(values)}
        texts = {key: _text(value) for key, value in cells.items()}
        if not any(texts.values()):
            continue
        parsed = [_value(cells.get(key), key, sheet, number, problems) for key in SHEETS[sheet]]
        if extra:  # the contest columns of voting_areas: contest code → unit code
            parsed.append({k: t for k, t in texts.items() if t and k not in SHEETS[sheet]})
        out.append((number, parsed))
    return out


def _value(value: Any, key: str, sheet: str, row: int, problems: list[Problem]) -> Any:
    """The cell parsed for column ``key``; None, with a problem noted, when it cannot be."""
    if key in INTEGER_COLUMNS:
        parsed, code, rule = _int(value), "integer_invalid", "phải là số nguyên (đang là «{}»)"
    elif key in LABELS:
        parsed, code, rule = _date(value), "date_invalid", "«{}» không hợp lệ; dùng dạng YYYY-MM-DD"
    else:
        return _text(value)
    if parsed is _INVALID:
        message = LABELS[key] + " " + rule.format(str(value).strip())
        problems.append(Problem(code, message, sheet, row, key))
        return None
    return parsed


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code typed as a number, e.g. 101
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    text = str(value).strip()
    return text or None


def _int(value: Any) -> Any:
    if isinstance(value, bool):
        return _INVALID
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else _INVALID
    text = _text(value)
    if text is None:
        return None
    digits = text[1:] if text[:1] == "-" else text
    return int(text) if digits.isascii() and digits.isdigit() else _INVALID


def _date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if text is None:
        return None
    return parse_date(text) or _INVALID


def parse_date(text: str) -> dt.date | None:
    """``YYYY-MM-DD`` or ``DD/MM/YYYY`` as a date; None when it is neither."""
    try:
        if len(text) == 10 and text[4] == "-" == text[7]:
            return dt.date.fromisoformat(text)
        parts = text.split("/")
        if (
            len(parts) == 3
            and len(parts[2]) == 4
            and all(p.isascii() and p.isdigit() for p in parts)
        ):
            return dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        pass
    return None
