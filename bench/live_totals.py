"""Live totals against the cheapest API call, over HTTP, on an already loaded database.

Usage: DATABASE_URL=… .venv/bin/python -m bench.live_totals [REQUESTS] [--during]
           [--workers 2] [--submitters 2] [--submissions N] [--interval S]

Starts gunicorn (``bench._procs.Gunicorn``, 2 workers) against DATABASE_URL, creates a board
user, and times REQUESTS rounds. Each round issues one request of each kind, one after the
other over one client connection (gunicorn's sync workers close it after each answer;
http.client opens the next one, so every request includes its TCP connect), the order of
the first four rotating from round to round:

  - floor: /api/v1/whoami (token check + one small row), the cheapest API call;
  - root: /api/v1/results/areas/<root>?contest=QH (the city's or the nation's totals);
  - district: /api/v1/results/areas/<first district>?contest=QH;
  - progress: /api/v1/progress?area=<root>;
  - after change: the root's QH totals again, right after a committed UPDATE of its
    result_total.updated_at (a new version: nothing a worker built before may be reused, as
    on election night after every record). Then every worker reads the root once, untimed
    (each is held by a request left incomplete until all have accepted one), so the next
    round's "root" read again finds what it built: that kind stays the steady state.

Interleaving the kinds makes the floor and the reads share the same machine conditions (a
noisy shared machine skews block-wise measurements). The target (issue #7) is every read's
p99 at most 3× the floor's p99 measured in the same run.

``--during``: before measuring, up to max(600, 5 × REQUESTS) free (voting area, contest)
slots get a prepared record (``bench.submit_load.prepare_submissions``) and ``--submitters``
client processes keep submitting them, without pause unless ``--interval``, while the reads
run; the rounds stop early when the submissions run out. Their records/s, p50/p99 and errors
(none allowed) are reported. The "after change" kind is dropped in that mode: the
submissions change the root's totals all the time, so the "root" kind then includes the
rebuilds after real changes.

Also measured, as a reference: the full recomputation of the root's QH totals from the
records in SQL (5 runs, no web stack). Prints a table and, last, one JSON line with every
figure; ``measure(url, …)`` returns them as a dict.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import secrets
import socket
import statistics
import sys
import time
from collections.abc import Callable

from sqlalchemy import func, select, text, update

from bench import submit_load
from bench._procs import Gunicorn
from bench.submit_load import prepare_submissions, start_background_submitters
from election.db import begin_write, make_engine, make_sessionmaker
from election.domain.clock import utcnow
from election.models import Area, AreaLevel, Contest, ResultTotal, TallyRecord
from election.services.identity import users

TARGET_RATIO = 3.0  # each read's p99 at most 3× the floor's p99 (issue #7)
WARMUP_ROUNDS = 20
RECOMPUTE_RUNS = 5

Echo = Callable[[str], None]


def _print(line: str) -> None:
    print(line, flush=True)


# --- HTTP -----------------------------------------------------------------------------------


class Client:
    """Timed GETs over one http.client connection (re-opened after each answer)."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.token = token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.retries = 0

    def get(self, path: str) -> float:
        """Milliseconds from sending the request to the last byte of a 200 answer."""
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                self.conn.request("GET", path, headers={"Authorization": f"Bearer {self.token}"})
                response = self.conn.getresponse()
                body = response.read()
            except (http.client.RemoteDisconnected, ConnectionError):
                # A connection the server closed without saying so: open a new one, once.
                self.conn.close()
                if attempt == 2:
                    raise
                self.retries += 1
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if response.status != 200:
                raise SystemExit(f"GET {path}: HTTP {response.status} {body[:300]!r}")
            return elapsed
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def _accept_backlog(port: int) -> int | None:
    """Connections to 127.0.0.1:port no worker has accepted yet (/proc/net/tcp, LISTEN)."""
    suffix = f":{port:04X}"
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[3] == "0A" and fields[1].endswith(suffix):
                return int(fields[4].split(":")[1], 16)
    return None


def settle(port: int, path: str, token: str, workers: int) -> bool:
    """Have each of ``workers`` idle sync workers answer ``path`` once (untimed).

    Each worker accepts one of ``workers`` connections whose request is held incomplete, so
    none can take two; the requests are completed once all are accepted. Returns whether
    they were all accepted in time (else some worker may have answered twice).
    """
    head = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n").encode()
    socks = []
    try:
        for _ in range(workers):
            s = socket.create_connection(("127.0.0.1", port), 120)
            s.sendall(head)
            socks.append(s)
        deadline = time.perf_counter() + 2.0
        while (backlog := _accept_backlog(port)) and time.perf_counter() < deadline:
            time.sleep(0.0005)
        for s in socks:
            s.sendall(b"Connection: close\r\n\r\n")
        for s in socks:
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
            if not answer.startswith(b"HTTP/1.1 200"):
                raise SystemExit(f"GET {path}: {answer[:300]!r}")
    finally:
        for s in socks:
            s.close()
    return not backlog


# --- figures --------------------------------------------------------------------------------


def percentiles(samples: list[float]) -> tuple[float, float]:
    if len(samples) == 1:
        return samples[0], samples[0]
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return q[49], q[98]


def free_slots(session) -> int:
    """(Voting area, contest) slots without a first-round record (as prepare_submissions)."""
    return len(submit_load.free_slots(session))


RECOMPUTE = (
    "SELECT COUNT(*), SUM(tv.voters_on_roll), SUM(tv.voters_voted), "
    "SUM(tv.ballots_valid), SUM(tv.ballots_invalid) FROM tally_record tr "
    "JOIN tally_version tv ON tv.record_id = tr.id AND tv.version = tr.current_version "
    "JOIN contest c ON c.id = tr.contest_id WHERE c.code = 'QH' AND tr.round_no = 1",
    "SELECT v.candidate_id, SUM(v.votes) FROM tally_record tr "
    "JOIN tally_version tv ON tv.record_id = tr.id AND tv.version = tr.current_version "
    "JOIN tally_vote v ON v.version_id = tv.id JOIN contest c ON c.id = tr.contest_id "
    "WHERE c.code = 'QH' AND tr.round_no = 1 GROUP BY v.candidate_id",
)


# --- the benchmark --------------------------------------------------------------------------


def measure(
    url: str,
    requests: int = 400,
    workers: int = 2,
    during_submissions: bool = False,
    submitters: int = 2,
    submissions: int | None = None,
    interval: float = 0.0,
    echo: Echo = _print,
) -> dict:
    """Run the benchmark on the loaded database at ``url``; return every figure (module doc).

    ``submissions``: how many records the background clients may submit (default
    max(600, 5 × requests), at most the free slots).
    """
    started = time.monotonic()
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    try:
        with sessions() as s:
            dialect = engine.dialect.name
            root = s.scalar(select(Area).where(Area.parent_id.is_(None)))
            if root is None:
                raise SystemExit("no election loaded (no root area)")
            root_id, root_code, root_level = root.id, root.code, root.level.code
            district = s.scalar(
                select(Area.code)
                .join(AreaLevel)
                .where(AreaLevel.code == "district")
                .order_by(Area.id)
            )
            qh = s.scalar(select(Contest.id).where(Contest.code == "QH"))
            records = s.scalar(select(func.count()).select_from(TallyRecord))
            name = "bench-" + secrets.token_hex(4)
            token = users.create_user(
                s, name, "board", None, secrets.token_urlsafe(16), token_label="bench"
            ).token
            recomputed = []
            for _ in range(RECOMPUTE_RUNS):
                t0 = time.perf_counter()
                for sql in RECOMPUTE:
                    s.execute(text(sql)).all()
                recomputed.append((time.perf_counter() - t0) * 1000)
            s.rollback()
            pool = []
            if during_submissions:
                free = free_slots(s)
                wanted = min(free, submissions or max(600, 5 * requests))
                if wanted < 50:
                    raise SystemExit(f"only {free} free (voting area, contest) slots")
                pool = prepare_submissions(s, wanted, seed=7)
                echo(f"  {len(pool)} submissions prepared ({free} free slots)")
        paths = {
            "floor": "/api/v1/whoami",
            "root": f"/api/v1/results/areas/{root_code}?contest=QH",
            "district": f"/api/v1/results/areas/{district}?contest=QH",
            "progress": f"/api/v1/progress?area={root_code}",
        }
        labels = {
            "floor": "floor: /api/v1/whoami",
            "root": f"{root_code} totals (QH)",
            "district": f"{district} totals (QH)",
            "progress": f"progress of {root_code}",
            "after_change": f"{root_code} (QH) right after a change",
        }
        kinds = list(paths) if during_submissions else [*paths, "after_change"]
        samples: dict[str, list[float]] = {k: [] for k in kinds}
        settle_misses = 0
        background = None
        rounds = 0
        exhausted = False
        with Gunicorn(url, workers) as server, sessions() as s:
            server.wait_ready()
            client = Client(server.port, token)

            def change() -> None:
                # A new version of the root's total: what any worker built before is stale.
                begin_write(s)
                s.execute(
                    update(ResultTotal)
                    .where(
                        ResultTotal.scope_kind == "area",
                        ResultTotal.scope_id == root_id,
                        ResultTotal.contest_id == qh,
                        ResultTotal.round_no == 1,
                    )
                    .values(updated_at=utcnow())
                )
                s.commit()

            def one_round(i: int, keep: bool) -> None:
                nonlocal settle_misses
                order = list(paths)
                order = order[i % len(order) :] + order[: i % len(order)]
                for kind in order:
                    ms = client.get(paths[kind])
                    if keep:
                        samples[kind].append(ms)
                if "after_change" in kinds:
                    change()
                    ms = client.get(paths["root"])
                    if keep:
                        samples["after_change"].append(ms)
                    if not settle(server.port, paths["root"], token, workers):
                        settle_misses += keep

            for i in range(WARMUP_ROUNDS):  # every worker imports, connects, builds
                one_round(i, keep=False)
            server.reset_peaks()
            bg = None
            if during_submissions:
                bg = start_background_submitters(server.url, pool, submitters, interval)
            try:
                t0 = time.perf_counter()
                for i in range(requests):
                    if bg is not None and i % 5 == 0 and not multiprocessing.active_children():
                        exhausted = True  # every submission made: no longer "during"
                        break
                    one_round(i, keep=True)
                    rounds += 1
                seconds = time.perf_counter() - t0
            finally:
                if bg is not None:
                    background = bg.stop()
            peaks = server.peak_rss_mib()
            client.close()
            retries = client.retries
        if background is not None and background["errors"]:
            raise SystemExit("background submissions failed:\n" + "\n".join(background["errors"]))
        if rounds < 2:
            raise SystemExit(f"only {rounds} rounds measured")
        with sessions() as s:
            records_after = s.scalar(select(func.count()).select_from(TallyRecord))
    finally:
        engine.dispose()

    floor_p99 = percentiles(samples["floor"])[1]
    out_kinds = {}
    for kind in kinds:
        p50, p99 = percentiles(samples[kind])
        ratio = p99 / floor_p99
        out_kinds[kind] = {
            "label": labels[kind],
            "path": paths.get(kind, paths["root"]),
            "samples": len(samples[kind]),
            "p50_ms": round(p50, 2),
            "p99_ms": round(p99, 2),
            "ratio": round(ratio, 2),
            "met": None if kind == "floor" else ratio <= TARGET_RATIO,
        }
    rec = sorted(recomputed)
    peak_values = sorted(round(v, 1) for v in peaks.values())
    return {
        "database": dialect,
        "scale": root_code,
        "root_level": root_level,
        "root": root_code,
        "district": district,
        "records": records,
        "records_after": records_after,
        "mode": "during submissions" if during_submissions else "alone",
        "workers": workers,
        "requests": requests,
        "rounds": rounds,
        "seconds": round(seconds, 1),
        "after_change": (
            "dropped: the submissions change the root's totals all the time"
            if during_submissions
            else "kept: an UPDATE of the root's result_total committed before each"
        ),
        "settle_misses": settle_misses,
        "reconnect_retries": retries,
        "kinds": out_kinds,
        "target": {
            "ratio": TARGET_RATIO,
            "met": all(k["met"] for k in out_kinds.values() if k["met"] is not None),
        },
        "recomputation": {
            "runs": len(rec),
            "p50_ms": round(statistics.median(rec), 2),
            "max_ms": round(rec[-1], 2),
            "ratio": round(rec[-1] / floor_p99, 2),
        },
        "worker_peak_rss_mib": peak_values,
        "peak_worker_rss_mib": peak_values[-1] if peak_values else None,
        "background": (
            None
            if background is None
            else {
                **background,
                "clients": submitters,
                "interval_s": interval,
                "prepared": len(pool),
                "ran_out": exhausted,
            }
        ),
        "total_seconds": round(time.monotonic() - started, 1),
    }


def table(result: dict) -> str:
    r = result
    lines = [
        f"database: {r['database']}; root: {r['root']} ({r['root_level']}); records: "
        f"{r['records']:,}; mode: {r['mode']}; {r['workers']} workers; "
        f"{r['rounds']} of {r['requests']} rounds in {r['seconds']} s",
        f"{'call':<36} {'p50 ms':>8} {'p99 ms':>8} {'p99/floor':>10}  target ≤ {TARGET_RATIO:g}×",
    ]
    for k in r["kinds"].values():
        met = "" if k["met"] is None else ("met" if k["met"] else "MISSED")
        lines.append(
            f"{k['label']:<36} {k['p50_ms']:8.2f} {k['p99_ms']:8.2f} {k['ratio']:10.2f}  {met}"
        )
    rc = r["recomputation"]
    lines.append(
        f"{'full recomputation in SQL (median/max)':<36} {rc['p50_ms']:8.2f} {rc['max_ms']:8.2f} "
        f"{rc['ratio']:10.2f}"
    )
    lines.append(f"after-change kind {r['after_change']}")
    lines.append(f"worker peak RSS (MiB): {r['worker_peak_rss_mib']}")
    if r["settle_misses"]:
        lines.append(
            f"rounds where a worker may have missed the untimed read: {r['settle_misses']}"
        )
    bg = r["background"]
    if bg is not None:
        lines.append(
            f"background: {bg['clients']} clients, {bg['records']} records, "
            f"{bg.get('rec_per_s', 0)} rec/s, p50 {bg.get('p50_ms')} ms, "
            f"p99 {bg.get('p99_ms')} ms, errors: {len(bg['errors'])}"
            + ("; ran out of submissions before the last round" if bg["ran_out"] else "")
        )
    lines.append(
        "target (every read's p99 ≤ 3× the floor's): " + ("met" if r["target"]["met"] else "MISSED")
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.live_totals",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("requests", nargs="?", type=int, default=400, help="rounds (400)")
    parser.add_argument("--during", action="store_true", help="while submissions run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--submitters", type=int, default=2)
    parser.add_argument("--submissions", type=int, default=None)
    parser.add_argument("--interval", type=float, default=0.0, help="pause between submissions")
    args = parser.parse_args(argv)
    result = measure(
        os.environ["DATABASE_URL"],
        args.requests,
        args.workers,
        args.during,
        args.submitters,
        args.submissions,
        args.interval,
    )
    print(table(result))
    print(json.dumps(result, ensure_ascii=False))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
