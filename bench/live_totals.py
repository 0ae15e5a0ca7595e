"""Live totals against the cheapest API call, over HTTP, on an already loaded database.

Usage: DATABASE_URL=… .venv/bin/python -m bench.live_totals [REQUESTS]
Starts gunicorn (2 workers) on a free port against DATABASE_URL, creates a board user,
then times REQUESTS sequential keep-alive GETs of each of:
  - /api/v1/whoami                      (the floor: token check + one small row)
  - /api/v1/results/areas/<root>?contest=QH    (the national/city totals)
  - /api/v1/results/areas/<a district>?contest=QH
  - /api/v1/progress?area=<root>
  - the root's totals again, each right after a change to them (nothing built earlier reusable)
and a full recomputation of the root's QH totals from the records (SQL, no web stack).
Prints p50/p99 in ms and each p99 as a multiple of the floor's p99.
"""

from __future__ import annotations

import datetime
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time

from sqlalchemy import select, text

from election.db import make_engine, make_sessionmaker
from election.models import Area, AreaLevel
from election.services import users


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(conn: http.client.HTTPConnection, path: str, token: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        body = response.read()
        out.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise SystemExit(f"{path}: {response.status} {body[:200]!r}")
    return out


def summary(samples: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(samples, n=100)
    return q[49], q[98]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    url = os.environ["DATABASE_URL"]
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as s:
        root = s.scalar(select(Area).where(Area.parent_id.is_(None)))
        district = s.scalar(
            select(Area).join(AreaLevel).where(AreaLevel.code == "district").order_by(Area.id)
        )
        name = "bench-" + secrets.token_hex(4)
        token = users.create_user(s, name, "board", None, secrets.token_urlsafe(16)).token
        started = time.perf_counter()
        recomputed = []
        for _ in range(5):
            t0 = time.perf_counter()
            s.execute(
                text(
                    "SELECT COUNT(*), SUM(tv.voters_on_roll), SUM(tv.voters_voted), "
                    "SUM(tv.ballots_valid), SUM(tv.ballots_invalid) FROM tally_record tr "
                    "JOIN tally_version tv ON tv.record_id = tr.id AND tv.version = tr.current_version "
                    "JOIN contest c ON c.id = tr.contest_id WHERE c.code = 'QH' AND tr.round_no = 1"
                )
            ).all()
            s.execute(
                text(
                    "SELECT v.candidate_id, SUM(v.votes) FROM tally_record tr "
                    "JOIN tally_version tv ON tv.record_id = tr.id AND tv.version = tr.current_version "
                    "JOIN tally_vote v ON v.version_id = tv.id JOIN contest c ON c.id = tr.contest_id "
                    "WHERE c.code = 'QH' AND tr.round_no = 1 GROUP BY v.candidate_id"
                )
            ).all()
            recomputed.append((time.perf_counter() - t0) * 1000)
        del started
        records = s.scalar(text("SELECT COUNT(*) FROM tally_record"))
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        paths = {
            "floor: /whoami": "/api/v1/whoami",
            f"totals of {root.code} (QH)": f"/api/v1/results/areas/{root.code}?contest=QH",
            f"totals of {district.code} (QH)": f"/api/v1/results/areas/{district.code}?contest=QH",
            f"progress of {root.code}": f"/api/v1/progress?area={root.code}",
        }
        for path in paths.values():
            timed(conn, path, token, 20)  # warm up workers and caches
        results = {label: summary(timed(conn, path, token, n)) for label, path in paths.items()}
        # The same read right after a change: a new version of the root's total, so no worker
        # may answer from what it built before (on election night, the usual case).
        root_path = paths[f"totals of {root.code} (QH)"]
        after_change = []
        with sessions() as s:
            for _ in range(n):
                s.execute(
                    text(
                        "UPDATE result_total SET updated_at = :now WHERE scope_kind = 'area' "
                        "AND scope_id = :root AND round_no = 1 AND contest_id = "
                        "(SELECT id FROM contest WHERE code = 'QH')"
                    ),
                    {"now": datetime.datetime.now(datetime.UTC), "root": root.id},
                )
                s.commit()
                after_change += timed(conn, root_path, token, 1)
        results[f"{root.code} (QH) after each change"] = summary(after_change)
    finally:
        server.terminate()
        server.wait(10)
    floor = results["floor: /whoami"][1]
    print(f"database: {engine.dialect.name}; records: {records}; requests each: {n}")
    print(f"{'call':<32} {'p50 ms':>8} {'p99 ms':>8} {'p99/floor':>10}")
    for label, (p50, p99) in results.items():
        print(f"{label:<32} {p50:8.2f} {p99:8.2f} {p99 / floor:10.2f}")
    rec = sorted(recomputed)
    print(
        f"{'full recomputation (SQL, QH)':<32} {statistics.median(rec):8.2f} {rec[-1]:8.2f} {rec[-1] / floor:10.2f}"
    )
    print(json.dumps({"floor_p99": floor, "root_p99": results[f"totals of {root.code} (QH)"][1]}))
    engine.dispose()


if __name__ == "__main__":
    main()
