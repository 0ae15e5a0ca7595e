"""Statistical flags on count records that explain themselves and never block (CONTRACT §6.5).

Each flag names what is unusual, by how much, against what, in a sentence a board member
reads, with a score (larger is stranger). Thresholds are set so that plausible data raises
almost none: a record must be far from its ward in robust terms (median and median absolute
deviation of the *other* records, at least ``MIN_NEIGHBOURS`` of them) *and* by a margin that
matters in percentage points; a digit test speaks only from ``MIN_DIGITS`` figures on.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from statistics import median

from election.domain.numbers import fmt_int

MIN_NEIGHBOURS = 4
ROBUST_Z = 5  # robust z-score from which a record is far from its ward
TURNOUT_POINTS = 10  # … and at least this many percentage points of turnout
INVALID_POINTS = 5  # … or of the invalid share
PREVIOUS_POINTS = 20  # turnout moved this much from the round before
MIN_DIGITS = 50  # figures (≥ 10) a last-digit test needs
DIGIT_P = 0.001  # p-value below which last digits are far from uniform
MIN_ROUND = 4  # non-zero figures that must all be round for a record to be flagged


@dataclass(frozen=True)
class RecordFigures:
    """A current record as the flags read it."""

    voting_area: str
    ward: str
    contest: str
    voters_on_roll: int
    voters_voted: int
    ballots_received: int
    ballots_valid: int
    ballots_invalid: int
    votes: tuple[int, ...]
    record_id: int | None = None
    previous_turnout: Fraction | None = None  # the same voting area in the round before


@dataclass(frozen=True)
class Flag:
    voting_area: str | None  # None: a flag on a group (a ward's or a team's records)
    area: str  # the ward, or the voting area itself
    contest: str | None
    kind: str
    score: float
    explanation: str
    record_id: int | None = None


def flags(records: Sequence[RecordFigures]) -> list[Flag]:
    """Every flag the records raise, the strangest first."""
    found: list[Flag] = []
    groups: dict[tuple[str, str], list[RecordFigures]] = defaultdict(list)
    for r in records:
        groups[(r.ward, r.contest)].append(r)
        found.extend(_own(r))
    for group in groups.values():
        found.extend(_outliers(group, "turnout", _turnout, TURNOUT_POINTS, "tỷ lệ cử tri đi bầu"))
        found.extend(
            _outliers(group, "invalid_share", _invalid, INVALID_POINTS, "tỷ lệ phiếu không hợp lệ")
        )
    by_ward: dict[str, list[RecordFigures]] = defaultdict(list)
    by_team: dict[str, list[RecordFigures]] = defaultdict(list)
    for r in records:
        by_ward[r.ward].append(r)
        by_team[r.voting_area].append(r)
    for ward, group in sorted(by_ward.items()):
        found.extend(_digits(group, None, ward, f"phường, xã {ward}"))
    for team, group in sorted(by_team.items()):
        found.extend(_digits(group, team, team, f"Tổ bầu cử KV {team}"))
    return sorted(found, key=lambda f: (-f.score, f.area, f.kind, f.contest or ""))


def _turnout(r: RecordFigures) -> Fraction | None:
    return Fraction(r.voters_voted, r.voters_on_roll) if r.voters_on_roll else None


def _invalid(r: RecordFigures) -> Fraction | None:
    return Fraction(r.ballots_invalid, r.ballots_received) if r.ballots_received else None


def _pct(share: Fraction) -> str:
    """A share as a Vietnamese percentage with two decimals, half up: 0,98765 → '98,77%'."""
    hundredths = math.floor(share * 10000 + Fraction(1, 2))
    return f"{hundredths // 100},{hundredths % 100:02d}%"


def _decimal(text: str) -> str:
    """A decimal point as Vietnamese writes it: '3.5' → '3,5'."""
    return text.replace(".", ",")


def _own(r: RecordFigures) -> list[Flag]:
    """Flags a record raises by itself: full turnout, round figures, a jump from last round."""
    out = []
    if r.voters_on_roll and r.voters_voted == r.voters_on_roll:
        out.append(
            _flag(
                r,
                "full_turnout",
                1.0,
                f"KV {r.voting_area}: 100% cử tri đi bầu ({fmt_int(r.voters_voted)}/"
                f"{fmt_int(r.voters_on_roll)}); có thể đúng, nên đối chiếu danh sách cử tri.",
            )
        )
    figures = [r.voters_voted, r.ballots_valid, r.ballots_invalid, *r.votes]
    nonzero = [n for n in figures if n]
    if len(nonzero) >= MIN_ROUND and all(n % 10 == 0 for n in nonzero):
        out.append(
            _flag(
                r,
                "round_figures",
                float(len(nonzero)),
                f"KV {r.voting_area}: cả {len(nonzero)} con số khác 0 của biên bản đều tròn chục "
                f"(nếu ngẫu nhiên, khả năng là 1 trên {fmt_int(10 ** len(nonzero))}).",
            )
        )
    turnout = _turnout(r)
    if r.previous_turnout is not None and turnout is not None:
        moved = abs(turnout - r.previous_turnout) * 100
        if moved >= PREVIOUS_POINTS:
            out.append(
                _flag(
                    r,
                    "turnout_vs_previous_round",
                    float(moved) / PREVIOUS_POINTS,
                    f"KV {r.voting_area}: tỷ lệ cử tri đi bầu {_pct(turnout)}, vòng trước "
                    f"{_pct(r.previous_turnout)}.",
                )
            )
    return out


def _outliers(
    group: list[RecordFigures],
    kind: str,
    measure: Callable[[RecordFigures], Fraction | None],
    points: int,
    what: str,
) -> Iterable[Flag]:
    """Records far from the other records of their ward in the same contest."""
    shares = [(r, s) for r in group if (s := measure(r)) is not None]
    for i, (r, share) in enumerate(shares):
        others = [s for j, (_o, s) in enumerate(shares) if j != i]
        if len(others) < MIN_NEIGHBOURS:
            continue
        middle = median(others)
        spread = median(abs(s - middle) for s in others)
        # 1.4826 × MAD estimates a standard deviation; a floor of 0,5 point keeps a ward of
        # identical records from calling any difference infinite.
        scale = max(Fraction(14826, 10000) * spread, Fraction(1, 200))
        distance = abs(share - middle)
        z = float(distance / scale)
        if z >= ROBUST_Z and distance * 100 >= points:
            yield _flag(
                r,
                kind,
                round(z, 2),
                f"KV {r.voting_area}: {what} {_pct(share)}, trong khi {len(others)} khu vực "
                f"khác của {r.ward} ở mức {_pct(middle)} (trung vị), chênh {_pct(distance)[:-1]} điểm phần trăm.",
            )


def _digits(group: list[RecordFigures], team: str | None, area: str, who: str) -> list[Flag]:
    """Last digits of a group's figures of 10 or more, tested against uniform (χ², 9 df)."""
    numbers = [n for r in group for n in (*r.votes, r.ballots_valid) if n >= 10]
    if len(numbers) < MIN_DIGITS:
        return []  # too few figures to say anything
    counts = Counter(n % 10 for n in numbers)
    expected = len(numbers) / 10
    chi2 = sum((counts.get(d, 0) - expected) ** 2 / expected for d in range(10))
    p = chi2_survival(chi2, 9)
    if p >= DIGIT_P:
        return []
    common = max(range(10), key=lambda d: (counts.get(d, 0), -d))
    return [
        Flag(
            team,
            area,
            None,
            "last_digits",
            round(-math.log10(max(p, 1e-300)), 2),
            f"Chữ số cuối của {fmt_int(len(numbers))} con số trong các biên bản của {who} "
            f"lệch xa phân bố đều (χ² = {_decimal(f'{chi2:.1f}')}, "
            f"p = {_decimal(f'{p:.1e}')}); chữ số {common} xuất hiện "
            f"{fmt_int(counts.get(common, 0))} lần, kỳ vọng khoảng {fmt_int(round(expected))}.",
        )
    ]


def chi2_survival(x: float, df: int) -> float:
    """P(χ²_df ≥ x): the regularized upper incomplete gamma Q(df/2, x/2)."""
    a, z = df / 2, x / 2
    if z <= 0:
        return 1.0
    if z < a + 1:  # the series for P converges quickly here
        term = total = 1 / a
        n = a
        while term > total * 1e-15:
            n += 1
            term *= z / n
            total += term
        return max(0.0, 1 - total * math.exp(-z + a * math.log(z) - math.lgamma(a)))
    # Lentz's continued fraction for Q.
    b = z + 1 - a
    c, d = 1 / 1e-300, 1 / b
    h = d
    for i in range(1, 500):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1 / (d if abs(d) > 1e-300 else 1e-300)
        c = b + an / c
        c = c if abs(c) > 1e-300 else 1e-300
        step = d * c
        h *= step
        if abs(step - 1) < 1e-15:
            break
    return h * math.exp(-z + a * math.log(z) - math.lgamma(a))


def _flag(r: RecordFigures, kind: str, score: float, text: str) -> Flag:
    return Flag(r.voting_area, r.voting_area, r.contest, kind, score, text, r.record_id)
