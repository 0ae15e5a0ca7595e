"""Expected failures are values: a problem names where it is and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """A broken rule. ``sheet``/``row``/``field`` locate it in an input file when known."""

    code: str
    message: str
    sheet: str | None = None
    row: int | None = None
    field: str | None = None
