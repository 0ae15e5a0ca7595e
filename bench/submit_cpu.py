"""The worker's CPU per tally submission, in-process, against the cheapest authenticated call.

Usage: .venv/bin/python -m bench.submit_cpu [DATABASE_URL] [--submissions N] [--warmup W]
           [--profile FILE]

No DATABASE_URL: a fresh SQLite file in a temporary directory. A postgresql+psycopg:// URL:
that database's public schema is dropped and rebuilt. A fresh demo city (no records) is
loaded through the app's sessionmaker (the TOTP secrets are sealed with the app's key), as
``bench.submit_load`` does, with ``N + W`` prepared submissions to distinct (voting area,
contest) pairs, each with its team's token and an Idempotency-Key.

Through Flask's test client (no HTTP server, no network): every team calls
``GET /api/v1/whoami`` once first, so that its token's once-a-minute touch is paid outside
the figures; then W submissions not counted (a worker's first requests import and fill its
caches), then N calls of whoami (the floor: token check and a JSON answer) and N
submissions, each one 201, each after a whoami of its own (interleaved; with
``--profile`` the floor comes first). Per request, ``time.process_time()`` (this process's CPU, fair on
a busy machine) and the SQL statements the app sent (a ``before_cursor_execute`` listener).
Printed: p50/p90/mean CPU ms and statements of the floor and of a submission.

``--profile FILE`` writes a pyinstrument text profile of the N counted submissions
(``pip install pyinstrument``; it adds its own overhead, so the CPU figures of a profiled run
are higher).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import time
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.engine import make_url

from bench.submit_cost import fresh_url
from bench.submit_load import PATH, Submission, prepare_submissions
from election import create_app, migrate
from election.services.setup import demo


def _quantiles(values: list[float]) -> dict:
    q = statistics.quantiles(values, n=10, method="inclusive") if len(values) > 1 else values * 9
    return {"p50": q[4], "p90": q[8], "mean": statistics.fmean(values)}


def measure(url: str | None, submissions: int, warmup: int, profile: str | None) -> dict:
    target = fresh_url(url)
    try:
        return _measure(target, submissions, warmup, profile)
    finally:
        if url is None:
            shutil.rmtree(os.path.dirname(make_url(target).database), ignore_errors=True)


def _measure(url: str, submissions: int, warmup: int, profile: str | None) -> dict:
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url})
    with app.extensions["election.sessions"]() as session:
        demo.load(session, "city", roll_voting_areas=[])
        pool = prepare_submissions(session, submissions + warmup)
    client = app.test_client()
    statements = [0]

    @event.listens_for(app.extensions["election.engine"], "before_cursor_execute")
    def _count(*_args) -> None:
        statements[0] += 1

    def timed(call: Callable[[], object]) -> tuple[float, int]:
        statements[0] = 0
        started = time.process_time()
        call()
        return (time.process_time() - started) * 1000, statements[0]

    def whoami(s: Submission) -> None:
        response = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {s.token}"})
        assert response.status_code == 200, response.get_data(as_text=True)

    def submit(s: Submission) -> None:
        response = client.post(
            PATH,
            data=s.body,
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {s.token}",
                "Idempotency-Key": s.key,
            },
        )
        assert response.status_code == 201, response.get_data(as_text=True)

    seen: set[str] = set()
    for s in pool:  # each token's once-a-minute touch, outside the figures
        if s.token not in seen:
            seen.add(s.token)
            whoami(s)
    counted = pool[warmup:]
    for s in pool[:warmup]:
        submit(s)
    profiler = None
    if profile:
        from pyinstrument import Profiler

        floor = [timed(lambda s=s: whoami(s)) for s in counted]
        profiler = Profiler(interval=0.0005)
        profiler.start()
        runs = [timed(lambda s=s: submit(s)) for s in counted]
    else:
        # Interleaved, so that a busy spell of the machine weighs on both alike.
        floor, runs = [], []
        for s in counted:
            floor.append(timed(lambda s=s: whoami(s)))
            runs.append(timed(lambda s=s: submit(s)))
    if profiler is not None:
        profiler.stop()
        with open(profile, "w") as out:
            out.write(profiler.output_text(unicode=True, color=False, show_all=False))
    app.extensions["election.engine"].dispose()
    return {
        "database": make_url(url).get_backend_name(),
        "submissions": len(runs),
        "floor_cpu_ms": _quantiles([ms for ms, _ in floor]),
        "floor_statements": _quantiles([float(n) for _, n in floor]),
        "submit_cpu_ms": _quantiles([ms for ms, _ in runs]),
        "submit_statements": _quantiles([float(n) for _, n in runs]),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.submit_cpu", description=__doc__)
    parser.add_argument("url", nargs="?", help="postgresql+psycopg://… (default: fresh SQLite)")
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profile", help="write a pyinstrument text profile to this file")
    args = parser.parse_args(argv)
    result = measure(args.url, args.submissions, args.warmup, args.profile)
    print(f"{result['database']}: {result['submissions']} submissions, in-process")
    print(f"{'':<12} {'CPU p50 ms':>10} {'p90 ms':>7} {'mean ms':>7} {'statements p50':>14}")
    for name, cpu, sql in (
        ("whoami", result["floor_cpu_ms"], result["floor_statements"]),
        ("submission", result["submit_cpu_ms"], result["submit_statements"]),
    ):
        print(
            f"{name:<12} {cpu['p50']:>10.2f} {cpu['p90']:>7.2f} {cpu['mean']:>7.2f} "
            f"{sql['p50']:>14.0f}"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
