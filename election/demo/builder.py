"""Accumulates a Setup row by row, with the helpers both demo scales share."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import TypeVar

from election.domain import setup as defs

from . import names

T = TypeVar("T")

ELECTION_NAME_2021 = (
    "Bầu cử đại biểu Quốc hội khóa XV và đại biểu Hội đồng nhân dân các cấp nhiệm kỳ 2021 - 2026"
)
ELECTION_DAY_2021 = dt.date(2021, 5, 23)
# Most units have exactly the minimum number of candidates, some one or two more.
EXTRA_CANDIDATES = (0, 1, 2)
EXTRA_WEIGHTS = (6, 3, 1)

_va_names: list[str] = []
_unit_names: list[str] = []


def voting_area_name(number: int) -> str:
    """The name of voting area N, one shared string per N to keep big setups small."""
    while len(_va_names) < number:
        _va_names.append(f"Khu vực bỏ phiếu số {len(_va_names) + 1}")
    return _va_names[number - 1]


def unit_name(number: int) -> str:
    """The name of electoral unit N, shared like voting_area_name."""
    while len(_unit_names) < number:
        _unit_names.append(f"Đơn vị bầu cử số {len(_unit_names) + 1}")
    return _unit_names[number - 1]


def distribute(
    total: int, parts: int, rng: random.Random, minimum: int = 1, spread: float = 0.4
) -> list[int]:
    """``parts`` random sizes, each ≥ ``minimum``, summing to ``total`` when it allows."""
    spare = max(0, total - parts * minimum)
    weights = [rng.uniform(1 - spread, 1 + spread) for _ in range(parts)]
    scale = spare / sum(weights)
    exact = [w * scale for w in weights]
    sizes = [int(x) for x in exact]
    # Hand out what flooring lost, largest remainder first (ties by position).
    short = spare - sum(sizes)
    order = sorted(range(parts), key=lambda i: sizes[i] - exact[i])
    for i in order[:short]:
        sizes[i] += 1
    return [minimum + s for s in sizes]


def split(items: Sequence[T], parts: int, rng: random.Random) -> list[list[T]]:
    """``items`` cut into ``parts`` non-empty runs of random length, order kept."""
    parts = max(1, min(parts, len(items)))
    groups, start = [], 0
    for size in distribute(len(items), parts, rng, minimum=1, spread=0.5):
        groups.append(list(items[start : start + size]))
        start += size
    return groups


class SetupBuilder:
    """Appends definitions in sheet order, numbering rows and making candidates."""

    def __init__(self, rng: random.Random, name: str, day: dt.date, form_set: str) -> None:
        self.rng = rng
        self.day = day
        self.election = defs.ElectionDef(name, day, form_set)
        self.areas: list[defs.AreaDef] = []
        self.contests: list[defs.ContestDef] = []
        self.units: list[defs.UnitDef] = []
        self.candidates: list[defs.CandidateDef] = []
        self.voting_areas: list[defs.VotingAreaDef] = []
        self.voters: list[defs.VoterCountDef] = []

    def area(self, code: str, name: str, level: str, parent: str | None) -> str:
        self.areas.append(defs.AreaDef(code, name, level, parent, len(self.areas) + 2))
        return code

    def contest(self, code: str, name: str) -> None:
        self.contests.append(defs.ContestDef(code, name, len(self.contests) + 2))

    def unit(
        self, code: str, contest: str, number: int, seats: int, count: int | None = None
    ) -> str:
        """Adds unit ``code`` with its candidates (the minimum plus a random few by default)."""
        self.units.append(
            defs.UnitDef(code, contest, unit_name(number), seats, len(self.units) + 2)
        )
        if count is None:
            extra = self.rng.choices(EXTRA_CANDIDATES, EXTRA_WEIGHTS)[0]
            count = defs.minimum_candidates(contest, seats) + extra
        people = names.candidates(self.rng, count, self.day)
        rows = self.candidates
        for order, (full_name, born, gender) in enumerate(people, 1):
            rows.append(
                defs.CandidateDef(
                    f"{code}-{order}", code, order, full_name, born, gender, len(rows) + 2
                )
            )
        return code

    def voting_area(self, code: str, number: int, area: str, units: dict[str, str]) -> None:
        self.voting_areas.append(
            defs.VotingAreaDef(
                code, voting_area_name(number), area, units, len(self.voting_areas) + 2
            )
        )

    def counts(self, voting_area: str, counts: dict[str, int]) -> None:
        rows = self.voters
        for contest, voters in counts.items():
            rows.append(defs.VoterCountDef(voting_area, contest, voters, len(rows) + 2))

    def setup(self) -> defs.Setup:
        return defs.Setup(
            self.election,
            self.areas,
            self.contests,
            self.units,
            self.candidates,
            self.voting_areas,
            self.voters,
        )
