"""Per-voter rolls: a small plan per voting area, expanded lazily into rows."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from election.domain.rolls import count_roll

from .names import FAMILY_TABLE, GENDER_BY_BIT, MIDDLE_GIVEN_TABLES, TABLE_BITS, weighted_table

MASK = (1 << TABLE_BITS) - 1
VOTING_AGE = 18
OLDEST = 100
# Typical voter = permanent resident with no note; only the exceptions are stored.
Special = tuple[str, str | None, str | None]  # residence_type, note, residence (None: home)


@dataclass
class RollPlan:
    """What a voting area's roll holds; the names and dates are drawn when rows are made."""

    code: str
    voters: int  # rows on the roll
    home: int  # rows 1..home live at ``residences``; later rows are added blocks
    residences: tuple[str, ...]
    specials: dict[int, Special]

    def counts(self, contests_held: Sequence[str]) -> dict[str, int]:
        """Voters per contest, as count_roll would derive them from the rows."""
        counts = count_roll(((s[0], s[1]) for s in self.specials.values()), contests_held)
        plain = self.voters - len(self.specials)
        return {contest: n + plain for contest, n in counts.items()}


def _age_weight(age: int) -> float:
    """Rough share of Vietnamese adults by age: flat to 45, thinning after."""
    if age <= 45:
        return 1.0
    if age <= 60:
        return 1.0 - 0.4 * (age - 45) / 15
    return max(0.01, 0.6 - 0.6 * (age - 60) / 35)


@lru_cache(maxsize=4)
def _birth_dates(election_day: dt.date) -> tuple[tuple[dt.date, ...], tuple[int, ...]]:
    """Dates of birth counted back from the latest allowed one, and a weighted day-offset table."""
    latest = election_day.replace(year=election_day.year - VOTING_AGE).toordinal()
    span = (OLDEST - VOTING_AGE) * 365
    dates = tuple(dt.date.fromordinal(latest - d) for d in range(span + 365))
    years = {y: _age_weight(VOTING_AGE + y) for y in range(OLDEST - VOTING_AGE)}
    return dates, tuple(y * 365 for y in weighted_table(years))


def plan_roll(
    rng: random.Random,
    code: str,
    voters: int,
    residences: Sequence[str],
    elsewhere: Sequence[str],
    soldiers_at: str | None = None,
    detainees_at: str | None = None,
) -> RollPlan:
    """A roll of ``voters`` rows with the usual share of exceptions (domain.md §4)."""

    def share(rate: float) -> int:
        return round(voters * rate * rng.uniform(0.4, 1.6))

    soldiers = rng.randint(15, 80) if soldiers_at else 0
    detainees = rng.randint(3, 25) if detainees_at else 0
    arriving = share(0.003)
    home = max(1, voters - soldiers - detainees - arriving)
    soldiers = min(soldiers, voters - home)
    detainees = min(detainees, voters - home - soldiers)
    arriving = voters - home - soldiers - detainees
    specials: dict[int, Special] = {}
    # Exceptions among the residents sit anywhere in the list.
    kinds = (
        [("tam_tru_12", None)] * share(0.02)
        + [("tam_tru_duoi_12", None)] * share(0.02)
        + [("thuong_tru", "bo_phieu_noi_khac")] * share(0.005)
    )[:home]
    for seq, (kind, note) in zip(rng.sample(range(1, home + 1), len(kinds)), kinds):
        specials[seq] = (kind, note, None)
    # Soldiers, detainees and voters arriving with a certificate are listed after them.
    seq = home
    for _ in range(soldiers):
        seq += 1
        specials[seq] = ("quan_nhan", None, soldiers_at)
    for _ in range(detainees):
        seq += 1
        specials[seq] = ("tam_giam", None, detainees_at)
    for _ in range(arriving):
        seq += 1
        specials[seq] = ("thuong_tru", "den_bo_phieu", rng.choice(elsewhere))
    return RollPlan(code, voters, home, tuple(residences), specials)


def roll_rows(plan: RollPlan, seed: int, election_day: dt.date) -> Iterator[dict]:
    """The rows of one roll, the same for the same seed."""
    # One stream per voting area, seeded by text (sha512, not hash()) so it is stable.
    bits = random.Random(f"demo-roll:{seed}:{plan.code}").getrandbits
    dates, ages = _birth_dates(election_day)
    family, middle_given, genders = FAMILY_TABLE, MIDDLE_GIVEN_TABLES, GENDER_BY_BIT
    special = plan.specials.get
    code, home, places = plan.code, plan.home, plan.residences
    spots = len(places)
    for seq in range(1, plan.voters + 1):
        r = bits(52)
        sex = r & 1
        kind = special(seq)
        if kind is None:
            residence_type, note, place = "thuong_tru", None, None
        else:
            residence_type, note, place = kind
        if place is None:
            place = places[(seq - 1) * spots // home]
        yield {
            "voting_area": code,
            "seq": seq,
            "full_name": family[(r >> 1) & MASK] + middle_given[sex][(r >> 13) & MASK],
            "date_of_birth": dates[ages[(r >> 25) & MASK] + (r >> 37) % 365],
            "gender": genders[sex],
            "residence": place,
            "residence_type": residence_type,
            "note": note,
        }
