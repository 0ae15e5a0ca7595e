"""The board's aids (issue #18): triage of a contest, and as-of reads against live reads.

    python -m bench.board_aids URL [--load city|nation] [--fill P] [--rounds N]

On the database at URL (a PostgreSQL database whose name starts with "bench", or a SQLite
file), optionally loaded first with ``demo --scale SCALE --fill P`` (the nation takes about
7 minutes on PostgreSQL; ``--load city`` is the quick check), it measures in one process:

- the triage of every contest (``triage.contest_triage``), median of the rounds;
- the city's QH totals read live (``results.area_result``, as the API reads them) and as they
  stood after the last audit event (``as_of.area_result``, rebuilt from the versions), and
  the ratio of the two medians (target ≤ 3×). Both are steady-state reads: a worker keeps a
  live answer per version of the total and a past answer per (moment, hash of its event);
- the first read of a moment (that worker cache emptied) at 25, 50, 75 and 100 % of the
  events, which is what moving the board's time picker costs;
- the QH unit with most voting areas, live and as of the last event.

It prints the figures and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from sqlalchemy import func, select

from election import create_app
from election.models import Area, AuditHead, Unit, UnitVotingArea, User
from election.services import results
from election.services.results import as_of, triage


def _median_ms(fn: Callable[[], object], rounds: int) -> float:
    fn()  # warm: the worker's caches as a serving worker has them
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _cold(s, board, city: str, moment: int) -> object:
    as_of._PAST.items.clear()
    return as_of.area_result(s, board, city, "QH", moment)


def load(url: str, scale: str, fill: int) -> float:
    env = {**os.environ, "DATABASE_URL": url}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
    start = time.perf_counter()
    subprocess.run([*flask, "demo", "--scale", scale, "--fill", str(fill)], env=env, check=True)
    return time.perf_counter() - start


def measure(url: str, rounds: int) -> dict:
    app = create_app({"DATABASE_URL": url})
    with app.extensions["election.sessions"]() as s:
        board = User(username="bench", role="board", active=True)
        city = s.scalar(select(Area.code).where(Area.parent_id.is_(None)))
        seq = s.scalar(select(AuditHead.seq))
        unit = s.execute(
            select(Unit.code, func.count())
            .join(UnitVotingArea, UnitVotingArea.unit_id == Unit.id)
            .where(Unit.code.like("QH%"))
            .group_by(Unit.code)
            .order_by(func.count().desc())
        ).first()[0]
        out: dict = {"url": url.rsplit("@", 1)[-1], "audit_events": seq, "triage_ms": {}}
        for contest in ("QH", "HDND_TINH", "HDND_HUYEN", "HDND_XA"):
            try:
                found = triage.contest_triage(s, board, contest)
            except Exception:  # a contest the election does not hold
                s.rollback()
                continue
            ms = _median_ms(lambda c=contest: triage.contest_triage(s, board, c), rounds)
            out["triage_ms"][contest] = {
                "ms": round(ms, 1),
                "units": len(found),
                "undecided": sum(not t.decided for t in found),
                "pending_areas": sum(len(t.pending) for t in found),
            }
        live = _median_ms(lambda: results.area_result(s, board, city, "QH"), rounds)
        past = _median_ms(lambda: as_of.area_result(s, board, city, "QH", seq), rounds)
        live_unit = _median_ms(lambda: results.unit_result(s, board, unit), rounds)
        past_unit = _median_ms(lambda: as_of.unit_result(s, board, unit, seq), rounds)
        # Cold: a moment never read before in this worker, at four points of the night.
        cold = {}
        for share in (25, 50, 75, 100):
            moment = seq * share // 100
            cold[share] = _median_ms(lambda m=moment: _cold(s, board, city, m), max(3, rounds // 4))
    out |= {
        "city_live_ms": round(live, 2),
        "city_as_of_ms": round(past, 2),
        "city_ratio": round(past / live, 2),
        "city_cold_ms": {k: round(v, 2) for k, v in cold.items()},
        "city_cold_ratio": {k: round(v / live, 2) for k, v in cold.items()},
        "unit": unit,
        "unit_live_ms": round(live_unit, 2),
        "unit_as_of_ms": round(past_unit, 2),
        "unit_ratio": round(past_unit / live_unit, 2),
    }
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--load", choices=["city", "nation"])
    parser.add_argument("--fill", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    loaded = load(args.url, args.load, args.fill) if args.load else None
    out = measure(args.url, args.rounds)
    if loaded is not None:
        out["load_s"] = round(loaded, 1)
    for contest, t in out["triage_ms"].items():
        print(
            f"triage {contest}: {t['ms']} ms ({t['units']} units, {t['undecided']} undecided, "
            f"{t['pending_areas']} pending voting areas)"
        )
    print(
        f"city QH totals: live {out['city_live_ms']} ms, as of event {out['audit_events']} "
        f"{out['city_as_of_ms']} ms = {out['city_ratio']}× (target ≤ 3×)"
    )
    for share, ms in out["city_cold_ms"].items():
        print(
            f"  first read as of {share} % of the events: {ms} ms = "
            f"{out['city_cold_ratio'][share]}× live"
        )
    print(
        f"unit {out['unit']}: live {out['unit_live_ms']} ms, as of {out['unit_as_of_ms']} ms "
        f"= {out['unit_ratio']}×"
    )
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
