"""Expected failures are values: a problem names where it is and what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """A broken rule. ``sheet``/``row``/``field`` locate it in an input file when known."""

    code: str
    message: str
    sheet: str | None = None
    row: int | None = None
    field: str | None = None


# What collects problems, and what reports one of a given row: report(code, message, field).
Add = Callable[[Problem], None]
Report = Callable[[str, str, str], None]


def reporter(add: Add, sheet: str, row: int | None) -> Report:
    """What hands ``add`` the problems of one row of ``sheet``, each with its field."""

    def report(code: str, message: str, field: str) -> None:
        add(Problem(code, message, sheet, row, field))

    return report
