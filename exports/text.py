"""Template text of the form definitions: fields, formats and inline markup.

A template is split into runs first (``**bold**``, ``*italic*``, ``^(5)``
superscript markers) and fields are filled in afterwards, so what a user typed
(a name, a comment) is never read as markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from election.domain.numbers import fmt_int

DOTS = "……………"

_MARKUP = re.compile(r"\*\*(.+?)\*\*|\*(.+?)\*|\^(\([0-9*]+\))")
_FIELD = re.compile(r"\{(\w+)(?:\|(\w+))?\}")


@dataclass(frozen=True)
class Run:
    """A piece of a paragraph with one style."""

    text: str
    bold: bool = False
    italic: bool = False
    superscript: bool = False


def runs(template: str, values: dict[str, Any] | Lookup) -> list[Run]:
    """The template's styled runs with its fields filled from ``values``."""
    out: list[Run] = []
    at = 0
    for match in _MARKUP.finditer(template):
        if match.start() > at:
            out.append(Run(fill(template[at : match.start()], values)))
        bold, italic, marker = match.groups()
        if bold is not None:
            out.append(Run(fill(bold, values), bold=True))
        elif italic is not None:
            out.append(Run(fill(italic, values), italic=True))
        else:
            out.append(Run(marker, superscript=True))
        at = match.end()
    if at < len(template):
        out.append(Run(fill(template[at:], values)))
    return [run for run in out if run.text]


def fill(template: str, values: dict[str, Any] | Lookup) -> str:
    """The template with each ``{field}`` or ``{field|format}`` replaced by its value."""
    return _FIELD.sub(lambda m: show(_get(values, m.group(1)), m.group(2)), template)


def show(value: Any, how: str | None = None) -> str:
    """A value as printed inside a sentence: 1.234.567, 99,85, or dots when unknown."""
    if value is None or value == "":
        return DOTS
    if how == "upper":
        return str(value).upper()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return fmt_int(value)
    if isinstance(value, Decimal | float):
        return f"{Decimal(value):.2f}".replace(".", ",")
    return str(value)


class Lookup:
    """An item's fields, falling back to the whole record's."""

    def __init__(self, *layers: dict[str, Any]) -> None:
        self.layers = layers

    def get(self, key: str, default: Any = None) -> Any:
        for layer in self.layers:
            if key in layer:
                return layer[key]
        return default


def _get(values: dict[str, Any] | Lookup, key: str) -> Any:
    return values.get(key)
