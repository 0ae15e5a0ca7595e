"""Server-side cost of one tally submission, through the service, on a fresh demo city.

Usage: .venv/bin/python -m bench.submit_cost [DATABASE_URL] [N]
Prints p50/p90/p99/mean milliseconds of `tallies.submit` (checks, version, votes,
audit event, commit) for N records of different voting areas.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time

from sqlalchemy import text

from election import migrate
from election.db import make_engine, make_sessionmaker
from election.demo.tallies import candidate_weights, plausible_tally
from election.services import tallies
from election.services.audit.chain import SYSTEM, Actor
from election.services.identity import users
from election.services.setup import demo, structure


def fresh_url(url: str | None) -> str:
    if url and url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        return url
    path = os.path.join(tempfile.mkdtemp(), "bench.db")
    return f"sqlite:///{path}"


def main() -> None:
    url = fresh_url(sys.argv[1] if len(sys.argv) > 1 else None)
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    migrate.upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        demo.load(session, "city", roll_voting_areas=[])
        plan = structure.fill_plan(session)
        codes = sorted(plan)[:n]
        teams = users.ensure_team_accounts(session, codes, Actor(None, SYSTEM))
    rng = random.Random(1)
    timings = []
    with sessions() as session:
        for code in codes:
            slot = plan[code][0]
            data = plausible_tally(
                rng,
                slot.voters,
                slot.seats,
                slot.candidates,
                candidate_weights(1, slot.unit, len(slot.candidates)),
            )
            entry = tallies.TallyInput.from_data(data)
            started = time.perf_counter()
            tallies.submit(session, teams[code], code, slot.contest, entry)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    q = statistics.quantiles(timings, n=100)
    print(f"database: {engine.dialect.name}; submissions: {len(timings)}")
    print(
        f"ms per submission: p50 {q[49]:.2f}  p90 {q[89]:.2f}  p99 {q[98]:.2f}  "
        f"mean {statistics.fmean(timings):.2f}"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
