"""Vietnamese number formats and exact percentages."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from election.domain.clock import as_utc


def fmt_int(value: int) -> str:
    """1234567 → '1.234.567' (vi-VN grouping)."""
    sign = "-" if value < 0 else ""
    return sign + f"{abs(value):,}".replace(",", ".")


def fmt_seconds(seconds: float) -> str:
    """A duration (not negative): 34.04 → '34,0 giây', 1234.56 → '1.234,6 giây' (half up)."""
    tenths = int(Decimal(repr(seconds)).scaleb(1).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return f"{fmt_int(tenths // 10)},{tenths % 10} giây"


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` as a percentage of ``whole``, two decimals, half up; None when whole is 0."""
    if whole == 0:
        return None
    # Exact integer arithmetic: hundredths of a percent, rounded half up, i.e.
    # floor(part·10000/whole + 1/2) = floor((2·part·10000 + whole) / (2·whole)).
    if whole < 0:
        part, whole = -part, -whole
    if part >= 0:
        hundredths = (20000 * part + whole) // (2 * whole)
    else:  # half up in magnitude, as for a negative difference
        hundredths = -((20000 * -part + whole) // (2 * whole))
    return Decimal(hundredths).scaleb(-2)


def percent_text(part: int, whole: int) -> str | None:
    """``percent(part, whole)`` as its two-decimal text ("22.57"), without a Decimal."""
    if whole <= 0 or part < 0:
        value = percent(part, whole)
        return None if value is None else f"{value:.2f}"
    hundredths = (20000 * part + whole) // (2 * whole)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def fmt_pct(value: Decimal | None) -> str:
    """Decimal('99.85') → '99,85%'."""
    if value is None:
        return "—"
    rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{rounded:.2f}".replace(".", ",") + "%"


def fmt_date(value: dt.date) -> str:
    """2021-05-23 → '23/05/2021'."""
    return value.strftime("%d/%m/%Y")


def iso_utc(at: dt.datetime) -> str:
    """A stored time as ISO 8601 UTC with microseconds ('2021-05-23T12:00:00.000000Z')."""
    return as_utc(at).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
