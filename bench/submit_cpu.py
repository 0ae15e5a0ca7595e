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
``--profile`` the floor comes first). Per request, ``time.thread_time()`` (the CPU of the
thread that served it, fair on a busy machine) and the SQL statements it sent (a
``before_cursor_execute`` listener that counts that thread's only).
Printed: p50/p90/mean CPU ms and statements of the floor and of a submission.

On PostgreSQL the settle step runs in the worker's settler thread (``SETTLE_DELAY_MS``,
default the app's; ``--settle-delay-ms 0``: in the request, after the commit). Its CPU over
the run, divided by the submissions counted, is printed as each submission's share, and
added to the submission's p50 and mean on the "with settle" line: the figure the target is
about. The warm-up's settles are waited for before the counted ones start.

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
import threading
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


def measure(
    url: str | None,
    submissions: int,
    warmup: int,
    profile: str | None,
    settle_delay_ms: int | None = None,
) -> dict:
    target = fresh_url(url)
    try:
        return _measure(target, submissions, warmup, profile, settle_delay_ms)
    finally:
        if url is None:
            shutil.rmtree(os.path.dirname(make_url(target).database), ignore_errors=True)


def _measure(
    url: str, submissions: int, warmup: int, profile: str | None, settle_delay_ms: int | None
) -> dict:
    migrate.upgrade(url)
    config = {"DATABASE_URL": url}
    if settle_delay_ms is not None:
        config["SETTLE_DELAY_MS"] = settle_delay_ms
    app = create_app(config)
    settler = app.extensions.get("election.settler")
    with app.extensions["election.sessions"]() as session:
        demo.load(session, "city", roll_voting_areas=[])
        pool = prepare_submissions(session, submissions + warmup)
    client = app.test_client()
    statements = [0]
    requests = threading.get_ident()  # the test client serves requests in this thread

    @event.listens_for(app.extensions["election.engine"], "before_cursor_execute")
    def _count(*_args) -> None:
        if threading.get_ident() == requests:
            statements[0] += 1

    def timed(call: Callable[[], object]) -> tuple[float, int]:
        statements[0] = 0
        started = time.thread_time()
        call()
        return (time.thread_time() - started) * 1000, statements[0]

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
    settle_before = (0.0, 0, 0)
    if settler is not None:
        settler.wait()
        settle_before = (settler.cpu_seconds, settler.runs, settler.settled)
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
    settle = {"cpu_ms": 0.0, "runs": 0, "settled": 0}
    if settler is not None:
        settler.wait()
        settle = {
            "cpu_ms": (settler.cpu_seconds - settle_before[0]) * 1000,
            "runs": settler.runs - settle_before[1],
            "settled": settler.settled - settle_before[2],
        }
    if profiler is not None:
        profiler.stop()
        with open(profile, "w") as out:
            out.write(profiler.output_text(unicode=True, color=False, show_all=False))
    app.extensions["election.engine"].dispose()
    submit_cpu = _quantiles([ms for ms, _ in runs])
    share = settle["cpu_ms"] / len(runs)
    return {
        "database": make_url(url).get_backend_name(),
        "submissions": len(runs),
        "settle_delay_ms": settler.delay * 1000 if settler is not None else 0,
        "settle": settle | {"share_ms": share},
        "with_settle_ms": {"p50": submit_cpu["p50"] + share, "mean": submit_cpu["mean"] + share},
        "floor_cpu_ms": _quantiles([ms for ms, _ in floor]),
        "floor_statements": _quantiles([float(n) for _, n in floor]),
        "submit_cpu_ms": submit_cpu,
        "submit_statements": _quantiles([float(n) for _, n in runs]),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.submit_cpu", description=__doc__)
    parser.add_argument("url", nargs="?", help="postgresql+psycopg://… (default: fresh SQLite)")
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profile", help="write a pyinstrument text profile to this file")
    parser.add_argument(
        "--settle-delay-ms", type=int, help="the app's SETTLE_DELAY_MS (0: settle in the request)"
    )
    args = parser.parse_args(argv)
    result = measure(args.url, args.submissions, args.warmup, args.profile, args.settle_delay_ms)
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
    settle, total = result["settle"], result["with_settle_ms"]
    if settle["runs"]:
        print(
            f"settler thread ({result['settle_delay_ms']:.0f} ms after a write): "
            f"{settle['runs']} settles for {settle['settled']} writes, "
            f"{settle['cpu_ms']:.1f} ms CPU = {settle['share_ms']:.2f} ms per submission"
        )
        print(f"{'with settle':<12} {total['p50']:>10.2f} {'':>7} {total['mean']:>7.2f}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
