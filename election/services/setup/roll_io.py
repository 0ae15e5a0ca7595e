"""Voter roll files (.csv or .xlsx), streamed row by row into checked values.

Iterating a ``RollFile`` yields one item per data row, in file order: a ``RollRow`` when
the row is valid, else the non-empty ``list[Problem]`` of everything wrong with it. A
header or file problem comes as one list at row 1 and ends the iteration. Columns other
than ROLL_COLUMNS are ignored (rolls often carry more, an ID number for one). Whether the
voting area exists and whether ``seq`` is unique are for the caller, who has the database.
"""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, NamedTuple
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from election.domain.problems import Problem
from election.domain.rolls import NOTES, RESIDENCE_TYPES
from election.domain.setup import GENDERS
from election.services.setup.setup_io import INSTRUCTIONS_SHEET, cell_of, parse_date, problem_text

ROLL_COLUMNS = (
    "voting_area",
    "seq",
    "full_name",
    "date_of_birth",
    "gender",
    "residence",
    "residence_type",
    "note",
)
REQUIRED_COLUMNS = ROLL_COLUMNS[:-1]  # a roll without notes may leave the column out


class _Unreadable(Exception):
    """The file cannot be opened as what its name says it is."""


class RollRow(NamedTuple):
    """One voter on a roll; ``row`` is the 1-based row (the header is row 1)."""

    voting_area: str
    seq: int
    full_name: str
    date_of_birth: dt.date
    gender: str
    residence: str
    residence_type: str
    note: str | None
    row: int


class RollFile:
    """A voter roll file, read lazily each time it is iterated."""

    def __init__(self, path: str | Path, name: str | None = None):
        self.path = Path(path)
        self.name = name or self.path.name  # the "sheet" of its problems
        self.columns: dict[str, str] = {}  # column key → letter, known once the header is read

    def __iter__(self) -> Iterator[RollRow | list[Problem]]:
        kind = Path(self.name).suffix.lower() or self.path.suffix.lower()
        if kind == ".csv":
            return self._rows(self._csv_records())
        if kind in (".xlsx", ".xlsm"):
            return self._rows(self._xlsx_records())
        message = "Chỉ nhận danh sách cử tri dạng .csv hoặc .xlsx"
        return iter([[Problem("file_type", message, self.name, 1)]])

    def locate(self, problem: Problem) -> str:
        """``roll.csv!B5``: where ``problem`` is in this file."""
        return cell_of(problem, self._letter(problem.field))

    def describe(self, problem: Problem) -> str:
        """``roll.csv!B5: message``."""
        return problem_text(problem, self._letter(problem.field))

    def _letter(self, field: str | None) -> str | None:
        if field in self.columns:
            return self.columns[field]
        return get_column_letter(ROLL_COLUMNS.index(field) + 1) if field in ROLL_COLUMNS else None

    @contextmanager
    def _csv_records(self) -> Iterator[Iterator[list[str]]]:
        with open(self.path, newline="", encoding="utf-8-sig") as f:
            # Excel saves ';'-separated CSV in locales with a decimal comma (vi-VN among them).
            first = f.readline()
            f.seek(0)
            yield csv.reader(f, delimiter=max((",", ";", "\t"), key=first.count))

    @contextmanager
    def _xlsx_records(self) -> Iterator[Iterator[list[str]]]:
        with open(self.path, "rb") as f:
            try:
                workbook = load_workbook(f, read_only=True, data_only=True)
            except (BadZipFile, InvalidFileException, KeyError) as error:
                raise _Unreadable("Tệp không phải là sổ tính Excel (.xlsx) hợp lệ") from error
            try:
                names = [n for n in workbook.sheetnames if n.strip().lower() != INSTRUCTIONS_SHEET]
                ws = workbook[names[0] if names else workbook.sheetnames[0]]
                ws.reset_dimensions()  # a stale <dimension> would otherwise cut rows off
                yield ([_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True))
            finally:
                workbook.close()

    def _rows(self, opened: AbstractContextManager) -> Iterator[RollRow | list[Problem]]:
        number = 0  # the last row read, to place a decoding error
        try:
            with opened as records:
                index = self._layout(next(records, None))
                if isinstance(index, list):
                    yield index
                    return
                width = max(index.values()) + 1
                i_area, i_seq, i_name, i_born, i_gender, i_home, i_kind, i_note = index.values()
                from_iso = dt.date.fromisoformat
                new = tuple.__new__  # skips the NamedTuple's Python-level __new__: a third faster
                # The hot loop: strict, cheap checks; anything unusual goes to _check_row.
                for number, record in enumerate(records, 2):
                    if len(record) < width:
                        record = [*record, *[""] * (width - len(record))]
                    area, name = record[i_area].strip(), record[i_name].strip()
                    try:
                        seq = int(record[i_seq])
                    except ValueError:
                        seq = 0
                    born = record[i_born]
                    try:
                        iso = len(born) == 10 and born[4] == "-" == born[7]
                        dob = from_iso(born) if iso else None
                    except ValueError:
                        dob = None
                    gender, kind, note = record[i_gender], record[i_kind], record[i_note] or None
                    if (
                        area
                        and name
                        and seq > 0
                        and dob
                        and gender in GENDERS
                        and kind in RESIDENCE_TYPES
                        and (note is None or note in NOTES)
                    ):
                        home = record[i_home].strip()
                        yield new(RollRow, (area, seq, name, dob, gender, home, kind, note, number))
                    else:
                        checked = self._check_row(record, index, number)
                        if checked is not None:
                            yield checked
        except (UnicodeDecodeError, csv.Error) as error:
            # The decoder reads ahead in blocks, so the row is where reading stopped, roughly.
            message = f"Không đọc được tệp CSV mã UTF-8 ({error})"
            yield [Problem("file_invalid", message, self.name, number + 1)]
        except _Unreadable as error:
            yield [Problem("file_invalid", str(error), self.name, 1)]

    def _layout(self, header: list[str] | None) -> dict[str, int] | list[Problem]:
        """Column index per key in ROLL_COLUMNS order, or the header's problem."""
        if header is None:
            return [Problem("file_empty", "Tệp không có dữ liệu", self.name, 1)]
        position: dict[str, int] = {}
        for i, key in enumerate(header):
            position.setdefault(key.strip().lower(), i)
        index = {key: position[key] for key in ROLL_COLUMNS if key in position}
        self.columns = {key: get_column_letter(i + 1) for key, i in index.items()}
        missing = [key for key in REQUIRED_COLUMNS if key not in index]
        if missing:
            return [Problem("column_missing", "Thiếu cột: " + ", ".join(missing), self.name, 1)]
        # Without a note column, point past the row: the padding then reads as an empty note.
        index.setdefault("note", max(index.values()) + 1)
        return index

    def _check_row(
        self, record: Sequence[str], index: dict[str, int], number: int
    ) -> RollRow | list[Problem] | None:
        """The row leniently parsed, or all its problems; None for an empty row."""
        value = {key: record[i].strip() for key, i in index.items()}
        if not any(value.values()):
            return None
        problems: list[Problem] = []

        def bad(key: str, label: str, rule: str) -> None:
            if value[key]:
                code, message = f"{key}_invalid", f"{label} «{value[key]}» không hợp lệ; {rule}"
            else:
                code, message = "required", f"Thiếu {label[0].lower()}{label[1:]}"
            problems.append(Problem(code, message, self.name, number, key))

        area, name, home = value["voting_area"], value["full_name"], value["residence"]
        if not area:
            bad("voting_area", "Mã khu vực bỏ phiếu", "")
        try:
            seq = int(value["seq"])
        except ValueError:
            seq = 0
        if seq < 1:
            bad("seq", "Số thứ tự", "cần một số nguyên dương")
        if not name:
            bad("full_name", "Họ và tên", "")
        born = parse_date(value["date_of_birth"])
        if born is None:
            bad("date_of_birth", "Ngày sinh", "dùng dạng YYYY-MM-DD hoặc DD/MM/YYYY")
        gender = _GENDER_OF.get(_fold(value["gender"]))
        if gender is None:
            bad("gender", "Giới tính", "dùng Nam hoặc Nữ")
        kind = _KIND_OF.get(_fold(value["residence_type"]))
        if kind is None:
            bad("residence_type", "Loại cư trú", "dùng một trong: " + ", ".join(_KIND_OF))
        note = _NOTE_OF.get(_fold(value["note"]))
        if value["note"] and note is None:
            bad("note", "Ghi chú", "để trống hoặc dùng " + ", ".join(_NOTE_OF))
        if problems:
            return problems
        return RollRow(area, seq, name, born, gender, home, kind, note, number)


def iter_roll_file(path: str | Path, name: str | None = None) -> Iterator[RollRow | list[Problem]]:
    """Stream a roll file: a ``RollRow`` or a row's problems per data row (see the module)."""
    return iter(RollFile(path, name))


def write_roll_csv(rows: Iterable[Sequence[Any]], path: str | Path) -> None:
    """Write a roll CSV (header, then the first eight fields of each row), for tests and demos."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(ROLL_COLUMNS)
        for row in rows:
            out.writerow(
                v.isoformat() if isinstance(v, dt.date) else ("" if v is None else v)
                for v in row[:8]
            )


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


_GENDER_OF = {_fold(g): g for g in GENDERS}
_KIND_OF = {_fold(k): k for k in RESIDENCE_TYPES}
_NOTE_OF = {_fold(n): n for n in NOTES}


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
