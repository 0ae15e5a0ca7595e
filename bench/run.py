"""`make bench`: the benchmarks that run on this machine without extra setup.

1. bench.submit_cost on a fresh SQLite demo city (and on PostgreSQL when
   BENCH_DATABASE_URL is set; that database's schema is dropped and rebuilt).
2. bench.live_totals on a demo city filled 100 % (SQLite, or BENCH_DATABASE_URL).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from election import migrate
from election.db import make_engine, make_sessionmaker
from election.services import demo


def run(*args: str, env: dict | None = None) -> None:
    print("$", " ".join(args), flush=True)
    subprocess.run([sys.executable, *args], check=True, env={**os.environ, **(env or {})})


def filled_city(url: str | None) -> str:
    if url is None:
        url = f"sqlite:///{os.path.join(tempfile.mkdtemp(), 'bench-city.db')}"
    else:
        from bench.submit_cost import fresh_url

        url = fresh_url(url)
    migrate.upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        demo.load(session, "city", roll_voting_areas=[], fill=100)
    engine.dispose()
    return url


def main() -> None:
    pg = os.environ.get("BENCH_DATABASE_URL")
    run("-m", "bench.submit_cost")
    if pg:
        run("-m", "bench.submit_cost", pg)
    for url in [None, pg] if pg else [None]:
        target = filled_city(url)
        run("-m", "bench.live_totals", "300", env={"DATABASE_URL": target})


if __name__ == "__main__":
    main()
