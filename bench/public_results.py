"""The public results under a crowd (issue #17): `GET /api/v1/public/results` from warm workers,
full (200) and revalidated (`If-None-Match`, 304), against `GET /api/v1/whoami` in the same run.

On a filled demo city with one National Assembly unit certified: 1,000 requests of each kind
from 50 concurrent clients (keep-alive connections), p50 and p99 in ms, each p99 as a ratio of
whoami's, and the errors (any answer but the one expected). Run by `make bench` (its step
"public results") or alone:

    .venv/bin/python -m bench.public_results [DATABASE_URL of a filled demo city]

Without a URL a SQLite city is loaded (`demo --fill 100`) into a temporary file first.
"""

from __future__ import annotations

import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import select

from bench._procs import ROOT, Gunicorn
from election.db import make_engine, make_sessionmaker
from election.models import Contest, TallyRecord, Unit, UnitVotingArea, User
from election.services import tallies
from election.services.certification import certify
from election.services.identity import users

CLIENTS = 50
REQUESTS = 1000
WORKERS = 2
PUBLIC = "/api/v1/public/results?contest=QH"
WHOAMI = "/api/v1/whoami"


def _print(line: str) -> None:
    print(line, flush=True)


def prepare(url: str) -> str:
    """Certify the city's first National Assembly unit (verifying its records); a token."""
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            board = session.scalar(select(User).where(User.username == "bench-board"))
            if board is None:
                board = users.create_user(
                    session, "bench-board", "board", None, "bench-mat-khau"
                ).user
            checker = users.create_user(
                session, f"bench-check-{int(time.time())}", "board", None, "bench-mat-khau"
            )
            unit = session.scalar(
                select(Unit).join(Contest).where(Contest.code == "QH").order_by(Unit.id)
            )
            ids = session.scalars(
                select(TallyRecord.id)
                .join(
                    UnitVotingArea,
                    (UnitVotingArea.voting_area_id == TallyRecord.voting_area_id)
                    & (UnitVotingArea.contest_id == TallyRecord.contest_id),
                )
                .where(UnitVotingArea.unit_id == unit.id, TallyRecord.status == "submitted")
            ).all()
            for record_id in ids:
                version = session.get(TallyRecord, record_id).current_version
                tallies.verify(session, checker.user, record_id, version)
            try:
                certify.certify_unit(session, board, unit.code, 1, "Ban bầu cử (benchmark)")
            except Exception as exc:  # already certified, or a record missing: measure anyway
                _print(f"  (certification skipped: {exc})")
            return users.create_user(
                session,
                f"bench-token-{int(time.time())}",
                "board",
                None,
                "bench-mat-khau",
                token_label="bench",
            ).token
    finally:
        engine.dispose()


def _run(port: int, path: str, headers: dict, expect: int) -> tuple[list[float], int]:
    """``REQUESTS`` GETs of ``path`` spread over ``CLIENTS`` threads; (ms samples, errors)."""
    samples: list[float] = []
    errors = [0]
    lock = threading.Lock()
    per_client = [REQUESTS // CLIENTS + (i < REQUESTS % CLIENTS) for i in range(CLIENTS)]
    start = threading.Barrier(CLIENTS)

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        mine = []
        bad = 0
        start.wait()
        for _ in range(n):
            began = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != expect:
                    bad += 1
            except (http.client.HTTPException, ConnectionError):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                continue
            mine.append((time.perf_counter() - began) * 1000)
        conn.close()
        with lock:
            samples.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client, args=(n,)) for n in per_client]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples, errors[0]


def _etag(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", PUBLIC)
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status != 200:
        raise SystemExit(f"GET {PUBLIC}: HTTP {response.status}")
    return response.getheader("ETag") or ""


def measure(url: str) -> dict:
    """The three runs against one gunicorn of ``WORKERS`` workers; figures and ratios."""
    token = prepare(url)
    with Gunicorn(url, WORKERS) as server:
        server.wait_ready()
        etag = _etag(server.port)
        auth = {"Authorization": f"Bearer {token}"}
        for path, headers in ((WHOAMI, auth), (PUBLIC, {})):  # warm every worker
            _run(server.port, path, headers, 200)
        runs = {}
        for name, path, headers, expect in (
            ("whoami", WHOAMI, auth, 200),
            ("public", PUBLIC, {}, 200),
            ("public_304", PUBLIC, {"If-None-Match": etag}, 304),
        ):
            samples, errors = _run(server.port, path, headers, expect)
            q = statistics.quantiles(samples, n=100, method="inclusive")
            runs[name] = {
                "p50": round(q[49], 1),
                "p99": round(q[98], 1),
                "errors": errors,
                "n": len(samples),
            }
    base = runs["whoami"]["p99"]
    result = {
        "clients": CLIENTS,
        "requests": REQUESTS,
        "workers": WORKERS,
        "runs": runs,
        "ratio_public": round(runs["public"]["p99"] / base, 2),
        "ratio_304": round(runs["public_304"]["p99"] / base, 2),
    }
    _print(table(result))
    return result


def table(result: dict) -> str:
    runs = result["runs"]
    lines = [
        f"{result['requests']:,} requests of each kind from {result['clients']} clients, "
        f"{result['workers']} gunicorn workers",
        "| request | p50 ms | p99 ms | p99 / whoami p99 | errors |",
        "|---|---:|---:|---:|---:|",
    ]
    names = {
        "whoami": "GET /api/v1/whoami",
        "public": f"GET {PUBLIC} (200)",
        "public_304": f"GET {PUBLIC} with If-None-Match (304)",
    }
    ratios = {"whoami": 1.0, "public": result["ratio_public"], "public_304": result["ratio_304"]}
    for key, name in names.items():
        r = runs[key]
        lines.append(f"| {name} | {r['p50']} | {r['p99']} | {ratios[key]:.2f} | {r['errors']} |")
    return "\n".join(lines)


def _city() -> str:
    path = Path(tempfile.mkdtemp(prefix="bench-public-")) / "city.db"
    url = f"sqlite:///{path}"
    env = {**os.environ, "DATABASE_URL": url}
    for args in (["db", "upgrade"], ["demo", "--fill", "100"]):
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return url


if __name__ == "__main__":
    measure(sys.argv[1] if len(sys.argv) > 1 else _city())
