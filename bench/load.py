"""Load targets: the demo city, a 1-million-voter roll, and the nation filled 99 %.

Usage: .venv/bin/python -m bench.load [DATABASE_URL] [--nation]
Without a URL the city and the roll are loaded into fresh SQLite files. With a
postgresql+psycopg:// URL that database's schema is dropped and rebuilt for each load;
``--nation`` then also loads ``demo --scale nation --fill 99`` there (about 10 minutes)
and leaves it in place for bench.live_totals.

Each load runs as the CLI command an operator would type, in its own process; the
figures are its wall time and its peak resident memory (from the kernel's accounting of
that process, ``wait4``). Targets (issue #7): city 1 min, roll 2 min, nation 10 min.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass

from sqlalchemy import select

from bench.submit_cost import fresh_url
from election import create_app, migrate
from election.demo.names import FAMILY_WEIGHTS, MALE_GIVEN, MALE_MIDDLE
from election.models import VotingArea
from election.services.setup import demo
from election.services.setup.roll_io import ROLL_COLUMNS

FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]
ROLL_ROWS = 1_000_000


@dataclass(frozen=True)
class Load:
    what: str
    database: str
    seconds: float
    peak_rss_mib: float
    target_seconds: float
    command: str

    @property
    def ratio(self) -> float:
        return self.seconds / self.target_seconds


def measured(args: list[str], url: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one command run in its own process."""
    started = time.perf_counter()
    child = subprocess.Popen(
        args, env={**os.environ, "DATABASE_URL": url}, stdout=subprocess.DEVNULL
    )
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{' '.join(args)} failed with {child.returncode}")
    return seconds, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def database_url(url: str | None, name: str) -> str:
    if url is None:
        return f"sqlite:///{os.path.join(tempfile.mkdtemp(), name)}"
    return fresh_url(url)


def dialect(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


def city(url: str | None) -> Load:
    target = database_url(url, "city.db")
    migrate.upgrade(target)
    seconds, rss = measured([*FLASK, "demo"], target)
    return Load(
        "demo city (setup, totals, 1.5 M roll rows)",
        dialect(target),
        seconds,
        rss,
        60,
        "flask --app wsgi demo",
    )


def write_roll(path: str, codes: list[str], rows: int, seed: int = 7) -> None:
    """A roll of ``rows`` voters spread evenly over ``codes``, as a CSV file."""
    rng = random.Random(seed)
    family, middle, given = list(FAMILY_WEIGHTS), list(MALE_MIDDLE), MALE_GIVEN
    per_area, extra = divmod(rows, len(codes))
    born = dt.date(1940, 1, 1)
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(ROLL_COLUMNS)
        for i, code in enumerate(codes):
            for seq in range(1, per_area + (i < extra) + 1):
                out.writerow(
                    [
                        code,
                        seq,
                        f"{rng.choice(family)} {rng.choice(middle)} {rng.choice(given)}",
                        (born + dt.timedelta(days=rng.randrange(23_000))).isoformat(),
                        rng.choice(("Nam", "Nữ")),
                        f"Tổ dân phố {seq % 40 + 1}",
                        "thuong_tru",
                        "",
                    ]
                )


def roll(url: str | None) -> Load:
    target = database_url(url, "roll.db")
    migrate.upgrade(target)
    # The app's sessionmaker: the demo's TOTP secrets are sealed with the app's key.
    with create_app({"DATABASE_URL": target}).extensions["election.sessions"]() as session:
        demo.load(session, "city", roll_voting_areas=[])
        codes = list(session.scalars(select(VotingArea.code).order_by(VotingArea.id)))
    path = os.path.join(tempfile.mkdtemp(), "roll_1m.csv")
    write_roll(path, codes, ROLL_ROWS)
    seconds, rss = measured([*FLASK, "import-roll", path], target)
    os.unlink(path)
    return Load(
        f"voter roll of {ROLL_ROWS:,} rows ({len(codes):,} voting areas)",
        dialect(target),
        seconds,
        rss,
        120,
        "flask --app wsgi import-roll roll_1m.csv",
    )


def nation(url: str) -> Load:
    target = fresh_url(url)
    migrate.upgrade(target)
    seconds, rss = measured([*FLASK, "demo", "--scale", "nation", "--fill", "99"], target)
    return Load(
        "demo nation, 85,000 voting areas, filled 99 %",
        dialect(target),
        seconds,
        rss,
        600,
        "flask --app wsgi demo --scale nation --fill 99",
    )


def measure(url: str | None, with_nation: bool = False) -> list[Load]:
    loads = [city(url), roll(url)]
    if with_nation and url:
        loads.append(nation(url))
    return loads


def report(loads: list[Load]) -> None:
    print(f"{'load':<48} {'database':<11} {'seconds':>8} {'target':>7} {'peak RSS MiB':>13}")
    for x in loads:
        print(
            f"{x.what:<48} {x.database:<11} {x.seconds:8.1f} {x.target_seconds:7.0f} "
            f"{x.peak_rss_mib:13.0f}"
        )


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    loads = measure(args[0] if args else None, "--nation" in sys.argv)
    report(loads)
    print(json.dumps([asdict(x) for x in loads], ensure_ascii=False))


if __name__ == "__main__":
    main()
