"""Deterministic synthetic elections: Hải Phòng 2021 or 2026 ("city"), a nationwide one ("nation")."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from election.domain.setup import Setup

from . import haiphong, haiphong2026, nation
from .rolls import RollPlan
from .rolls import roll_rows as _plan_rows

SCALES = ("city", "nation")
YEARS = (2021, 2026)  # the city as it voted in each year; the nation is 2021 only


@dataclass
class Demo:
    setup: Setup
    roll_voting_areas: list[str]
    seed: int = 2021
    plans: dict[str, RollPlan] = field(default_factory=dict, repr=False)

    def roll_rows(self, voting_areas: Iterable[str] | None = None) -> Iterator[dict]:
        """Per-voter roll rows, by voting area then seq (optionally only some voting areas)."""
        day = self.setup.election.date  # type: ignore[union-attr]  # generate() always sets it
        codes = self.roll_voting_areas if voting_areas is None else voting_areas
        for code in codes:
            yield from _plan_rows(self.plans[code], self.seed, day)


def generate(scale: str = "city", seed: int = 2021, year: int = 2021) -> Demo:
    """The demo election of ``scale`` and ``year``; the same seed always gives the same one."""
    if year not in YEARS or (scale == "nation" and year != 2021):
        raise ValueError(f"no {scale} demo for {year}")
    if scale == "city":
        setup, plans = (haiphong2026 if year == 2026 else haiphong).build(seed)
        return Demo(setup, [p.code for p in plans], seed, {p.code: p for p in plans})
    if scale == "nation":
        return Demo(nation.build(seed), [], seed)
    raise ValueError(f"unknown demo scale {scale!r}; use one of {', '.join(SCALES)}")
