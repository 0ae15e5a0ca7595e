"""`make bench`: every benchmark of issue #7, end to end; writes docs/BENCHMARKS.md.

In order (each figure against a reference measured in the same run, every target marked):

1. Loads (bench.load): the demo city and a 1,000,000-voter roll on SQLite and on
   PostgreSQL; the nation filled 99 % (``demo --scale nation --fill 99``) on PostgreSQL.
2. Submit (bench.submit_load): records/s and p50/p99 over HTTP (2 and 4 gunicorn workers,
   1–8 clients) against the two plain-SQL limits (the same rows; the minimal record, votes
   and audit row), on SQLite and PostgreSQL.
3. Live totals (bench.live_totals): a demo city filled 90 % on SQLite and on PostgreSQL,
   and the nation, each alone and while submissions run.
4. EXPLAIN (bench.explain) of the hot paths on the nation (the PostgreSQL city if quick).
5. Exports (bench.forms_export) on the SQLite city of step 3.
5b. Public results (bench.public_results) on the same city: 1,000 requests from 50 clients.
6. Evidence upload (bench.evidence_upload, issue #16): a 5 MB photo accepted against `cp` of
   the same bytes, and a worker's memory while it takes ten at once.
7. docs/BENCHMARKS.md, generated, replaced as a whole.

Environment:
  BENCH_DATABASE_URL  PostgreSQL database for the city, roll and submit benchmarks; its public
                      schema is dropped and rebuilt several times. Default
                      postgresql+psycopg://postgres@127.0.0.1/bench (created if missing).
  BENCH_NATION_URL    PostgreSQL database the nation is loaded into (dropped and reloaded, about
                      10 minutes). Default postgresql+psycopg://postgres@127.0.0.1/bench_nation.
  BENCH_QUICK=1       No nation load. The nation's live totals and EXPLAIN then run only if
                      BENCH_NATION_URL is set and already holds a loaded nation (not dropped:
                      the background submissions add at most 300 records to it unless
                      BENCH_SUBMISSIONS says otherwise); else EXPLAIN runs on the PostgreSQL
                      city.
  BENCH_REQUESTS      Rounds of each live-totals run (400).
  BENCH_SUBMISSIONS   At most this many records submitted in the background by each
                      live-totals run during submissions (default: max(600, 5 × rounds), at
                      most the free slots); the rounds stop when they run out.
  BENCH_SUBMIT_INTERVAL  Pause of each background submitter between two records, in
                      seconds (0.05: the 2 submitters send at most 40 records/s, above the
                      country's average of 28/s on election night, and the free slots last
                      the whole run).
  BENCH_OUT           The file written (docs/BENCHMARKS.md).

Databases this script drops must have a name starting with "bench" (a safeguard). A
benchmark that fails is reported in the file and the exit status is 1; the others still run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from bench import (
    board_aids,
    evidence_upload,
    live_totals,
    load,
    public_results,
    submit_cpu,
    submit_load,
)
from bench._procs import ROOT
from bench.submit_cost import fresh_url
from election.db import make_engine, make_sessionmaker
from election.models import Area

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1/bench"
NATION_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1/bench_nation"
PY = ".venv/bin/python"
FLASK = ".venv/bin/flask --app wsgi"
CITY_FILL = 90
QUICK_NATION_SUBMISSIONS = 300
EXPORT_REPEAT = 5

STARTED = time.monotonic()


def echo(line: str = "") -> None:
    elapsed = int(time.monotonic() - STARTED)
    print(f"[{elapsed // 60:02d}:{elapsed % 60:02d}] {line}", flush=True)


def shown(url: str) -> str:
    """A URL as printed in the report (no password); a bare host/database as it is."""
    if "://" not in url:
        return url
    return make_url(url).render_as_string(hide_password=True)


def _tmp_sqlite(name: str) -> str:
    return f"sqlite:///{os.path.join(tempfile.mkdtemp(), name)}"


# --- databases ------------------------------------------------------------------------------


def droppable(url: str) -> None:
    name = make_url(url).database or ""
    if not name.startswith("bench"):
        raise SystemExit(f"refusing to drop the database {name!r}: its name must start with bench")


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of ``url`` if it does not exist."""
    u = make_url(url)
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": u.database}
            )
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{u.database}"'))
                echo(f"created database {u.database}")
    finally:
        admin.dispose()


def holds_election(url: str) -> tuple[str, int] | None:
    """(root code, records) of a loaded database, None if it holds no election."""
    try:
        engine = make_engine(url)
        with make_sessionmaker(engine)() as s:
            root = s.scalar(select(Area.code).where(Area.parent_id.is_(None)))
            records = s.scalar(text("SELECT COUNT(*) FROM tally_record"))
        engine.dispose()
    except Exception:
        return None
    return (root, records) if root else None


def machine(pg: str) -> dict:
    def cmd(*args: str) -> str:
        try:
            return subprocess.run(args, capture_output=True, text=True, check=True).stdout.rstrip()
        except (OSError, subprocess.CalledProcessError) as exc:
            return f"({exc})"

    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    engine = make_engine(pg)
    try:
        with engine.connect() as conn:
            pg_version = conn.scalar(text("SELECT version()"))
            sync = conn.scalar(text("SHOW synchronous_commit"))
            shared = conn.scalar(text("SHOW shared_buffers"))
    except Exception as exc:
        pg_version, sync, shared = f"({exc})", "?", "?"
    finally:
        engine.dispose()
    return {
        "nproc": cmd("nproc"),
        "cpu": cpu,
        "free_g": cmd("free", "-g"),  # (its header's leading blanks kept below)
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg_version,
        "synchronous_commit": sync,
        "shared_buffers": shared,
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
    }


# --- steps ----------------------------------------------------------------------------------


class Steps:
    """Runs each step, keeps its result or its error, and goes on."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}
        self.seconds: dict[str, float] = {}

    def run(self, key: str, what: str, action: Callable[[], object]) -> object | None:
        echo(f"▶ {what}")
        started = time.monotonic()
        try:
            result = action()
        except (Exception, SystemExit) as exc:
            message = f"{type(exc).__name__}: {exc}"
            self.errors[key] = message
            traceback.print_exc()
            echo(f"✗ {what}: {message}")
            result = None
        else:
            echo(f"✓ {what} ({time.monotonic() - started:.0f} s)")
        self.seconds[key] = round(time.monotonic() - started, 1)
        return result


def city_filled(url: str) -> dict:
    """The demo city filled ``CITY_FILL`` %, loaded with the operator's commands."""
    env = {**os.environ, "DATABASE_URL": url}
    started = time.monotonic()
    for args in (["db", "upgrade"], ["demo", "--fill", str(CITY_FILL)]):
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return {"url": url, "seconds": round(time.monotonic() - started, 1)}


SUBMIT_INTERVAL = float(os.environ.get("BENCH_SUBMIT_INTERVAL") or 0.05)


def live(url: str, requests: int, during: bool, submissions: int | None = None) -> dict:
    result = live_totals.measure(
        url,
        requests,
        during_submissions=during,
        submissions=submissions,
        interval=SUBMIT_INTERVAL,
        echo=echo,
    )
    print(live_totals.table(result), flush=True)
    return result | {"submissions_arg": submissions}


def exports(url: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.forms_export", str(EXPORT_REPEAT)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
    )
    print("\n".join(done.stdout.strip().splitlines()[:-1]), done.stderr, sep="\n", flush=True)
    if done.returncode:
        raise SystemExit(f"bench.forms_export exited with {done.returncode}: {done.stderr[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def evidence() -> dict:
    found = evidence_upload.measure()
    print(evidence_upload.text(found), flush=True)
    return found


def explain(url: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.explain"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode not in (0, 1) or not lines:
        raise SystemExit(f"bench.explain exited with {done.returncode}: {done.stderr[-800:]}")
    figures = json.loads(lines[-1])
    summary = next((x for x in lines if " statements (" in x), "")
    seq = [x.strip() for x in lines if x.strip().startswith("SEQ SCAN")]
    listing = lines[: lines.index(summary) if summary in lines else len(lines) - 1]
    echo(summary)
    for x in seq:
        echo(x)
    return {
        **figures,
        "summary": summary,
        "seq_scans": seq,
        "listing": [x for x in listing if x.strip()],
    }


# --- the report -----------------------------------------------------------------------------


MISSED_NOTE = (
    "A target marked MISSED is missed by the difference in its row; why, with the profile, "
    "is in docs/PROFILING.md (issue #19's sections)."
)


def mark(met: bool | None) -> str:
    return "—" if met is None else ("**met**" if met else "**MISSED**")


def md_table(head: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return [*out, ""]


def fmt_s(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds // 60:.0f} min"
    if seconds < 90:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {seconds % 60:04.1f} s"


def fmt_ms(ms: float) -> str:
    return f"{ms:.1f} ms" if ms < 1000 else f"{ms / 1000:.2f} s"


def write_report(out: Path, ctx: dict, res: dict, steps: Steps) -> None:
    quick, pg, nation = ctx["quick"], ctx["pg"], ctx["nation"]
    m = ctx["machine"]
    requests = ctx["requests"]
    L: list[str] = []
    now = ctx["date"]
    L += [
        "# Benchmarks",
        "",
        f"Generated by `{'BENCH_QUICK=1 ' if quick else ''}make bench` (bench/run.py) on {now}, "
        f"in {fmt_s(time.monotonic() - STARTED)}. The next run replaces this file: do not edit "
        "it by hand. Every ratio is against a reference measured in the same run; every "
        "section gives the command that reproduces it (from the repository root, "
        "PostgreSQL databases named as below).",
        "",
    ]
    if quick:
        L += [
            "Quick run (`BENCH_QUICK=1`): the nation was not loaded in this run"
            + (
                f"; its live totals and EXPLAIN ran on the nation already loaded at "
                f"`{shown(nation)}`."
                if ctx["nation_ready"]
                else "; the nation's figures are not measured (run `make bench` for them)."
            ),
            "",
        ]
    L += [
        "## Machine",
        "",
        *md_table(
            ["", ""],
            [
                ["CPU", f"{m['nproc']} × {m['cpu']} (`nproc`)"],
                ["kernel", m["kernel"]],
                [
                    "PostgreSQL",
                    f"{m['postgresql']}, same host; synchronous_commit="
                    f"{m['synchronous_commit']}, shared_buffers={m['shared_buffers']}",
                ],
                ["Python / SQLite", f"{m['python']} / {m['sqlite']}"],
                ["load average at start", " ".join(m["loadavg"])],
            ],
        ),
        "`free -g`:",
        "",
        "```",
        m["free_g"],
        "```",
        "",
        "The machine is shared (another engineer's work may run at the same time): figures "
        "are noisy, which is why every reference is measured in the same run, and for live "
        "totals interleaved with the reads.",
        "",
    ]

    # --- targets summary
    rows: list[list[object]] = []
    loads = (
        (res.get("loads_sqlite") or [])
        + (res.get("loads_pg") or [])
        + ([res["load_nation"]] if res.get("load_nation") else [])
    )
    for x in loads:
        rows.append(
            [
                f"Load: {x.what}, {x.database}, ≤ {x.target_seconds:.0f} s",
                fmt_s(x.seconds),
                mark(x.seconds <= x.target_seconds),
            ]
        )
    if res.get("load_nation"):
        x = res["load_nation"]
        rows.append(
            [
                f"Load: {x.what}, {x.database}, ≤ {NATION_TARGET_19:.0f} s (issue #19)",
                fmt_s(x.seconds),
                mark(x.seconds <= NATION_TARGET_19),
            ]
        )
    if quick:
        rows.append(["Load: the nation, PostgreSQL, ≤ 600 s", "not run (quick)", "—"])
    sub = res.get("submit_pg")
    if sub:
        for t in sub["target"]["results"]:
            rows.append(
                [
                    f"Submit: PostgreSQL, {sub['target']['clients']} clients, {t['workers']} "
                    f"workers: ≥ {sub['target']['ratio']} of the minimal limit, p99 < "
                    f"{sub['target']['p99_ms']:.0f} ms",
                    f"ratio {t['minimal_ratio']:.3f}, p99 {t['p99_ms']:.1f} ms",
                    mark(t["met"]),
                ]
            )
    cpu = res.get("submit_cpu")
    if cpu:
        rows.append(
            [
                f"Submit: the worker's CPU per submission, PostgreSQL, in-process, p50 ≤ "
                f"{SUBMIT_CPU_TARGET_MS:g} ms",
                f"{cpu['with_settle_ms']['p50']:.1f} ms with its share of the settle "
                f"({cpu['with_settle_ms']['p50'] / cpu['floor_cpu_ms']['p50']:.1f}× the floor's "
                f"{cpu['floor_cpu_ms']['p50']:.1f} ms; the request alone "
                f"{cpu['submit_cpu_ms']['p50']:.1f} ms)",
                mark(cpu["with_settle_ms"]["p50"] <= SUBMIT_CPU_TARGET_MS),
            ]
        )
    for key, title in LIVE_RUNS:
        r = res.get(key)
        if r is None:
            if key == "live_nation" and not ctx["nation_ready"]:
                rows.append(
                    ["Live totals: the nation, alone and during submissions", "not run", "—"]
                )
            continue
        worst = max(
            (k for k in r["kinds"].values() if k["met"] is not None), key=lambda k: k["ratio"]
        )
        rows.append(
            [
                f"Live totals: {title} — every read's p99 ≤ 3× the floor's",
                f"worst {worst['ratio']:.2f}× ({worst['label']})",
                mark(r["target"]["met"]),
            ]
        )
    exp = res.get("exports")
    if exp:
        for x in exp["exports"]:
            if x["target_ms"]:
                rows.append(
                    [
                        f"Export: {x['name']} < {x['target_ms'] / 1000:g} s",
                        f"{x['median_ms']:.0f} ms",
                        mark(x["met"]),
                    ]
                )
    ex = res.get("explain")
    if ex:
        rows.append(
            [
                f"EXPLAIN ({ex['database']}): no sequential scan of a growing table",
                f"{ex['seq_scans_of_growing_tables']} of {ex['statements']} statements",
                mark(ex["seq_scans_of_growing_tables"] == 0),
            ]
        )
    for key, error in steps.errors.items():
        rows.append([f"{STEP_TITLES.get(key, key)}", f"failed: {error[:160]}", "**FAILED**"])
    L += ["## Targets (issues #7 and #19)", "", *md_table(["target", "measured", ""], rows)]
    if any(row[2] == mark(False) for row in rows):
        L += [MISSED_NOTE, ""]
    if cpu:
        L += [
            "## The worker's CPU per submission (issue #19)",
            "",
            f"`python -m bench.submit_cpu {shown(pg)} --submissions {SUBMIT_CPU_N}`: a fresh "
            "demo city, submissions through Flask's test client to distinct (voting area, "
            "contest) pairs with an Idempotency-Key, each after a `GET /api/v1/whoami` (the "
            "floor), CPU of the thread that served the request (`time.thread_time()`) and "
            "the SQL statements it sent. On PostgreSQL a submission is its write; the settle "
            "(the short step after the commit that chains its event and adds to the city's "
            "totals, docs/SCALING.md) runs in the worker's settler thread "
            f"{cpu.get('settle_delay_ms', 0):.0f} ms later, for the writes of that spell "
            f"together: {cpu['settle']['runs']} settles for {cpu['settle']['settled']} writes, "
            f"{cpu['settle']['cpu_ms']:.0f} ms of that thread's CPU, "
            f"{cpu['settle']['share_ms']:.2f} ms per submission, added on the last line. "
            "The profile is in docs/PROFILING.md.",
            "",
            *md_table(
                ["request", "CPU p50 ms", "CPU p90 ms", "statements p50"],
                [
                    [
                        "whoami (floor)",
                        f"{cpu['floor_cpu_ms']['p50']:.2f}",
                        f"{cpu['floor_cpu_ms']['p90']:.2f}",
                        f"{cpu['floor_statements']['p50']:.0f}",
                    ],
                    [
                        "submission",
                        f"{cpu['submit_cpu_ms']['p50']:.2f}",
                        f"{cpu['submit_cpu_ms']['p90']:.2f}",
                        f"{cpu['submit_statements']['p50']:.0f}",
                    ],
                    [
                        "submission with its share of the settle",
                        f"{cpu['with_settle_ms']['p50']:.2f}",
                        "",
                        "",
                    ],
                ],
            ),
        ]

    # --- loads
    L += [
        "## Load",
        "",
        "Each load runs as the command an operator types, in its own process: wall time and "
        "that process's peak RSS (`wait4`). The roll is a generated CSV of 1,000,000 voters "
        "imported into a demo city without rolls.",
        "",
        "```",
        f"{PY} -m bench.load                # SQLite: the city, then the roll",
        f"{PY} -m bench.load {shown(pg)}    # PostgreSQL (schema dropped for each)",
        f"{PY} -m bench.load {shown(NATION_DEFAULT if quick else nation)} --nation"
        "   # + demo --scale nation --fill 99",
        "```",
        "",
    ]
    if loads:
        L += md_table(
            ["load", "command", "database", "time", "target", "", "peak RSS MiB"],
            [
                [
                    x.what,
                    f"`{x.command}`",
                    x.database,
                    fmt_s(x.seconds),
                    fmt_s(x.target_seconds),
                    mark(x.seconds <= x.target_seconds),
                    f"{x.peak_rss_mib:.0f}",
                ]
                for x in loads
            ],
        )
    if quick:
        L += ["The nation load was skipped (`BENCH_QUICK=1`).", ""]

    # --- submit
    L += [
        "## Submit",
        "",
        f"`{PY} -m bench.submit_load` (SQLite) and `{PY} -m bench.submit_load {shown(pg)}`: "
        "a fresh demo city; per configuration, 240 records over HTTP (gunicorn sync workers, "
        "each client one process, every answer 201) and, as the limit, 240 other records "
        "written with the same rows by as many raw DBAPI connections (no web stack, no ORM, "
        "durable commits), and, as the minimal limit, 240 more written as one durable "
        "transaction of the record, its version, its votes and one audit row (in a scratch "
        "table, its seq from a sequence: no head row locked; no running totals, no "
        "Idempotency-Key). Ratio = HTTP rec/s ÷ limit rec/s; the target is judged on the "
        "ratio to the minimal limit (issue #19). Peak RSS: the busiest worker "
        "(VmHWM, reset before each configuration). At the end the record count, the audit "
        "chain and the running totals are checked.",
        "",
    ]
    for key, name in (("submit_sqlite", "SQLite"), ("submit_pg", "PostgreSQL")):
        s = res.get(key)
        if not s:
            continue
        L += [f"{name} ({s['seconds']:.0f} s):", ""]
        L += md_table(
            [
                "workers",
                "clients",
                "rec/s",
                "p50 ms",
                "p99 ms",
                "limit rec/s",
                "limit p99 ms",
                "ratio",
                "minimal limit rec/s",
                "minimal limit p99 ms",
                "minimal ratio",
                "peak worker RSS MiB",
            ],
            [
                [
                    r["workers"],
                    r["clients"],
                    f"{r['rec_per_s']:.1f}",
                    f"{r['p50_ms']:.1f}",
                    f"{r['p99_ms']:.1f}",
                    f"{r['limit']['rec_per_s']:.1f}",
                    f"{r['limit']['p99_ms']:.1f}",
                    f"{r['ratio']:.3f}",
                    f"{r['minimal_limit']['rec_per_s']:.1f}",
                    f"{r['minimal_limit']['p99_ms']:.1f}",
                    f"{r['minimal_ratio']:.3f}",
                    r["peak_worker_rss_mib"],
                ]
                for r in s["rows"]
            ],
        )
        c = s["checks"]
        L += [
            f"Checks: {c['tally_records']:,} records stored as written, audit chain of "
            f"{c['audit_events']:,} events {'OK' if c['audit_chain_ok'] else 'BROKEN'}, "
            f"running totals {'equal' if c['totals_ok'] else 'DIFFER from'} their "
            "recomputation.",
            "",
        ]
        if s["target"]["applies"]:
            for t in s["target"]["results"]:
                L += [
                    f"- Target ({s['target']['clients']} clients, {t['workers']} workers): "
                    f"ratio to the minimal limit {t['minimal_ratio']:.3f} ≥ "
                    f"{s['target']['ratio']} and p99 {t['p99_ms']:.1f} < "
                    f"{s['target']['p99_ms']:.0f} ms: {mark(t['met'])} (ratio to the same-rows "
                    f"limit {t['ratio']:.3f})"
                ]
                if not t["met"]:
                    row = next(
                        r
                        for r in s["rows"]
                        if r["workers"] == t["workers"] and r["clients"] == s["target"]["clients"]
                    )
                    L[-1] += (
                        f" — {row['rec_per_s']:.1f} rec/s against a minimal limit of "
                        f"{row['minimal_limit']['rec_per_s']:.1f} rec/s (its p99 "
                        f"{row['minimal_limit']['p99_ms']:.1f} ms); {ctx['machine']['nproc']} cores "
                        f"shared by the {s['target']['clients']} client processes, "
                        f"{t['workers']} workers and PostgreSQL."
                    )
            L += [""]

    # --- live totals
    L += [
        "## Live totals",
        "",
        f"`DATABASE_URL=… {PY} -m bench.live_totals {requests} [--during]`: gunicorn with 2 "
        f"workers; {requests} rounds, each one request of every kind in turn over one client "
        "connection (the first four in rotating order), so the floor and the reads see the "
        "same machine conditions. The floor is `/api/v1/whoami` (token check and one small "
        "row). *After a change*: the root's QH totals read right after a committed UPDATE of "
        "its `result_total.updated_at` (a new version: nothing built before may be reused); "
        "each worker then reads it once, untimed, so the plain *totals* kind stays the steady "
        "state. *During submissions*: 2 client processes submit prepared records to free "
        f"(voting area, contest) slots, each pausing {SUBMIT_INTERVAL:g} s between two records "
        "(their own figures below) while the reads "
        "run; the rounds stop when those records run out; the after-change kind is dropped "
        "there since the submissions change the totals all the time. The full recomputation "
        "of the root's QH totals in SQL (5 runs, no web stack) is the reference of what the "
        "running totals save. Target: every read's p99 at most 3× the floor's.",
        "",
    ]
    setups = {
        "city_sqlite": ("SQLite", "sqlite:///$PWD/city.db"),
        "city_pg": ("PostgreSQL", shown(pg)),
    }
    for key, (name, url) in setups.items():
        c = res.get(key)
        if c:
            L += [
                f"The {name} city: `DATABASE_URL={url} {FLASK} db upgrade && "
                f"DATABASE_URL={url} {FLASK} demo --fill {CITY_FILL}` "
                f"({fmt_s(c['seconds'])}"
                + (", on an empty database" if name == "PostgreSQL" else "")
                + ").",
                "",
            ]
    for key, title in LIVE_RUNS:
        r = res.get(key)
        if r is None:
            if key.startswith("live_nation") and not ctx["nation_ready"]:
                continue
            L += [f"### {title}", "", "Not measured: see the targets above.", ""]
            continue
        url = LIVE_URLS[key](ctx)
        L += [
            f"### {title}",
            "",
            f"`DATABASE_URL={url} {PY} -m bench.live_totals {requests}"
            f"{f' --during --interval {SUBMIT_INTERVAL:g}' if r['mode'] != 'alone' else ''}"
            + (f" --submissions {r['submissions_arg']}" if r.get("submissions_arg") else "")
            + f"` — {r['records']:,} records"
            + (f" ({r['records_after']:,} after)" if r["records_after"] != r["records"] else "")
            + ", "
            f"root {r['root']} ({r['root_level']}), {r['rounds']} rounds in {r['seconds']} s.",
            "",
        ]
        L += md_table(
            ["call", "p50 ms", "p99 ms", "p99 / floor", "≤ 3×"],
            [
                [
                    k["label"] if kind != "floor" else "floor `/api/v1/whoami`",
                    f"{k['p50_ms']:.2f}",
                    f"{k['p99_ms']:.2f}",
                    f"{k['ratio']:.2f}",
                    mark(k["met"]),
                ]
                for kind, k in r["kinds"].items()
            ]
            + [
                [
                    "full recomputation in SQL (median, max of 5)",
                    f"{r['recomputation']['p50_ms']:.2f}",
                    f"{r['recomputation']['max_ms']:.2f}",
                    f"{r['recomputation']['ratio']:.2f}",
                    "—",
                ]
            ],
        )
        notes = [f"worker peak RSS {', '.join(f'{v:.0f}' for v in r['worker_peak_rss_mib'])} MiB"]
        bg = r["background"]
        if bg:
            notes.append(
                f"background: {bg['clients']} clients submitted {bg['records']:,} records at "
                f"{bg.get('rec_per_s', 0)} rec/s, p50 {bg.get('p50_ms')} ms, p99 "
                f"{bg.get('p99_ms')} ms, {len(bg['errors'])} errors"
                + (
                    f"; they ran out after {r['rounds']} rounds"
                    if bg["ran_out"]
                    else " (until the last round)"
                )
            )
        if r["settle_misses"]:
            notes.append(f"{r['settle_misses']} rounds where a worker may have skipped the settle")
        L += ["; ".join(notes) + ".", ""]

    # --- EXPLAIN
    L += ["## EXPLAIN", ""]
    if ex:
        L += [
            f"`DATABASE_URL={shown(ex['url'])} {PY} -m bench.explain` ({ex['database']}): one "
            "submission (rolled back) and the reads of the root's and a district's totals and "
            "of progress, each statement's plan.",
            "",
            f"Summary: {ex['summary']}",
            "",
        ]
        if ex["seq_scans"]:
            L += ["Sequential scans of growing tables:", ""]
            L += [f"- `{x}`" for x in ex["seq_scans"]] + [""]
        L += [
            "<details><summary>Every statement's access paths</summary>",
            "",
            "```",
            *ex["listing"],
            "```",
            "",
            "</details>",
            "",
        ]
    else:
        L += ["Not measured: see the targets above.", ""]

    L += board_aids_lines(res.get("board_aids"))

    # --- exports
    L += ["## Exports", ""]
    if exp:
        L += [
            f"`DATABASE_URL=sqlite:///$PWD/city.db {PY} -m bench.forms_export {EXPORT_REPEAT}` on "
            f"the SQLite city of the live totals ({exp['records']:,} records after its "
            "submissions): median of "
            f"{EXPORT_REPEAT} (every unit record: {max(1, EXPORT_REPEAT // 5)}). The floor is "
            "openpyxl's write-only mode writing the same cell values (no merges, no styles); "
            "peak RSS of the exporting process, reset before each export.",
            "",
        ]
        L += md_table(
            ["export", "median", "bare openpyxl", "× bare", "size KiB", "target", "peak RSS MiB"],
            [
                [
                    x["name"],
                    fmt_ms(x["median_ms"]),
                    fmt_ms(x["floor_ms"]),
                    f"{x['ratio']:.2f}",
                    f"{x['bytes'] / 1024:,.0f}",
                    f"< {x['target_ms'] / 1000:g} s {mark(x['met'])}" if x["target_ms"] else "—",
                    x["peak_rss_mib"],
                ]
                for x in exp["exports"]
            ],
        )
    else:
        L += ["Not measured: see the targets above.", ""]

    L += evidence_upload.markdown(res.get("evidence"))

    # --- memory
    mem: list[list[object]] = []
    for x in loads:
        mem.append([f"load: {x.what} ({x.database})", "the CLI process", f"{x.peak_rss_mib:.0f}"])
    for key, name in (("submit_sqlite", "SQLite"), ("submit_pg", "PostgreSQL")):
        s = res.get(key)
        if s:
            for w in sorted({r["workers"] for r in s["rows"]}):
                peak = max((r["peak_worker_rss_mib"] or 0) for r in s["rows"] if r["workers"] == w)
                mem.append([f"submit ({name}, {w} workers, 1–8 clients)", "a worker", peak])
    for key, title in LIVE_RUNS:
        r = res.get(key)
        if r:
            mem.append([f"live totals: {title}", "a worker", r["peak_worker_rss_mib"]])
    if exp:
        for x in exp["exports"]:
            mem.append([f"export: {x['name']}", "the exporting process", x["peak_rss_mib"]])
    ev = res.get("evidence")
    if ev:
        ten = ev["memory"]["default"]["ten"]
        mem.append(["evidence: ten 5 MB photos at once", "a gthread worker", ten["peak_mib"]])
    pub = res.get("public")
    L += ["## Public results (issue #17)", ""]
    if pub:
        L += [
            f"`{PY} -m bench.public_results $DATABASE_URL` on the SQLite city of the exports, "
            "its first National Assembly unit certified: each kind of request from 50 clients "
            "at once (keep-alive), every worker warm. Target: no error.",
            "",
            public_results.table(pub),
            "",
        ]
    else:
        L += ["Not measured: see the failures below.", ""]
    L += [
        "## Memory",
        "",
        "Peak resident memory (VmHWM) during each of the above; for gunicorn, the highest "
        "of its workers.",
        "",
        *md_table(["benchmark", "process", "peak RSS MiB"], mem),
    ]

    if steps.errors:
        L += ["## Failures", ""]
        L += [f"- {STEP_TITLES.get(k, k)}: `{v}`" for k, v in steps.errors.items()] + [""]
    L += [
        "## Step durations",
        "",
        *md_table(
            ["step", "seconds"],
            [[STEP_TITLES.get(k, k), f"{v:.0f}"] for k, v in steps.seconds.items()],
        ),
    ]
    out.write_text("\n".join(L).rstrip() + "\n", encoding="utf-8")


LIVE_RUNS = [
    ("live_city_sqlite", "City, SQLite, alone"),
    ("live_city_sqlite_during", "City, SQLite, during submissions"),
    ("live_city_pg", "City, PostgreSQL, alone"),
    ("live_city_pg_during", "City, PostgreSQL, during submissions"),
    ("live_nation", "Nation, PostgreSQL, alone"),
    ("live_nation_during", "Nation, PostgreSQL, during submissions"),
]
LIVE_URLS: dict[str, Callable[[dict], str]] = {
    "live_city_sqlite": lambda ctx: "sqlite:///$PWD/city.db",
    "live_city_sqlite_during": lambda ctx: "sqlite:///$PWD/city.db",
    "live_city_pg": lambda ctx: shown(ctx["pg"]),
    "live_city_pg_during": lambda ctx: shown(ctx["pg"]),
    "live_nation": lambda ctx: shown(ctx["nation"]),
    "live_nation_during": lambda ctx: shown(ctx["nation"]),
}
SUBMIT_CPU_TARGET_MS = 6.0  # issue #19
NATION_TARGET_19 = 300.0
SUBMIT_CPU_N = 400
STEP_TITLES = {
    "submit_cpu": "Submit, the worker's CPU, PostgreSQL",
    "loads_sqlite": "Loads, SQLite",
    "loads_pg": "Loads, PostgreSQL",
    "load_nation": "Load of the nation",
    "submit_sqlite": "Submit, SQLite",
    "submit_pg": "Submit, PostgreSQL",
    "city_sqlite": f"City filled {CITY_FILL} %, SQLite",
    "city_pg": f"City filled {CITY_FILL} %, PostgreSQL",
    "explain": "EXPLAIN",
    "exports": "Exports",
    "evidence": "Evidence upload",
    "public": "Public results",
    "board_aids": "The board's aids",
    "board_aids_city": "As-of reads on the city",
    **{key: f"Live totals: {title}" for key, title in LIVE_RUNS},
}


def board_aids_lines(aids: dict | None) -> list[str]:
    """The section of issue #18: triage of every contest, as-of reads against live reads."""
    lines = ["## The board's aids (issue #18)", ""]
    if not aids:
        return [*lines, "Not measured.", ""]
    lines += [
        f"`{PY} -m bench.board_aids {shown(aids['url'])}`: medians of 20 in one process, "
        f"{aids['audit_events']:,} audit events.",
        "",
    ]
    lines += md_table(
        ["contest", "triage", "units", "undecided", "pending voting areas", "target"],
        [
            [
                c,
                fmt_ms(t["ms"]),
                t["units"],
                t["undecided"],
                t["pending_areas"],
                mark(t["ms"] < 1000) + " < 1 s",
            ]
            for c, t in aids["triage_ms"].items()
        ],
    )
    past = aids.get("city") or aids
    lines += [
        "",
        f"As of an event, on `{shown(past['url'])}` ({past['audit_events']:,} events): the root's "
        f"QH totals live {past['city_live_ms']} ms, as of the last event "
        f"{past['city_as_of_ms']} ms: {past['city_ratio']}× "
        f"({mark(past['city_ratio'] <= 3)} ≤ 3×); unit {past['unit']}: live "
        f"{past['unit_live_ms']} ms, as of {past['unit_as_of_ms']} ms ({past['unit_ratio']}×). "
        "Both are steady-state reads: a worker keeps a live answer per version of the total and "
        "a past answer per moment and hash of its event.",
        "",
        "The first read of a moment (what moving the time picker costs; the worker's past "
        "answers emptied first):",
        "",
    ]
    lines += md_table(
        ["moment", "first read", "× live"],
        [
            [f"{share} % of the events", fmt_ms(ms), f"{past['city_cold_ratio'][share]}×"]
            for share, ms in past["city_cold_ms"].items()
        ],
    )
    return [*lines, ""]


def main() -> None:
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    pg = os.environ.get("BENCH_DATABASE_URL") or PG_DEFAULT
    nation = os.environ.get("BENCH_NATION_URL") or NATION_DEFAULT
    requests = int(os.environ.get("BENCH_REQUESTS") or 400)
    submissions = int(os.environ.get("BENCH_SUBMISSIONS") or 0) or None
    out = Path(os.environ.get("BENCH_OUT") or ROOT / "docs" / "BENCHMARKS.md")
    if make_url(pg).database == make_url(nation).database:
        raise SystemExit("BENCH_DATABASE_URL and BENCH_NATION_URL must name different databases")
    droppable(pg)
    if not quick:
        droppable(nation)
    work = tempfile.mkdtemp(prefix="bench-run-")
    # Every temporary file of this run (SQLite databases, CSV, logs) goes under `work`.
    tempfile.tempdir = work
    os.environ["TMPDIR"] = work
    os.environ.setdefault("SECRET_KEY", "bench-secret-key")
    steps = Steps()
    res: dict[str, object] = {}
    try:
        ensure_database(pg)
        if not quick:
            ensure_database(nation)
        ctx = {
            "quick": quick,
            "pg": pg,
            "nation": nation,
            "requests": requests,
            "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "machine": machine(pg),
            "nation_ready": False,
        }
        echo(
            f"make bench{' (quick)' if quick else ''}: PostgreSQL {shown(pg)}, nation "
            f"{shown(nation)}, {requests} rounds per live-totals run; temporary files in {work}"
        )

        def loads(url: str | None) -> list:
            found = load.measure(url)
            load.report(found)
            return found

        res["loads_sqlite"] = steps.run("loads_sqlite", "loads on SQLite", lambda: loads(None))
        res["loads_pg"] = steps.run("loads_pg", "loads on PostgreSQL", lambda: loads(pg))
        nation_submissions = submissions
        if not quick:
            res["load_nation"] = steps.run(
                "load_nation", "the nation load (about 10 min)", lambda: load.nation(nation)
            )
            if res["load_nation"]:
                load.report([res["load_nation"]])
            ctx["nation_ready"] = res["load_nation"] is not None
        elif os.environ.get("BENCH_NATION_URL"):
            # A nation loaded earlier, maybe someone else's: add few records to it.
            nation_submissions = submissions or QUICK_NATION_SUBMISSIONS
            held = holds_election(nation)
            ctx["nation_ready"] = held is not None
            echo(f"quick: nation at {shown(nation)}: {held or 'no election loaded'}")

        def submit(url: str | None) -> dict:
            found = submit_load.measure(url, echo=echo)
            print(submit_load.table(found), flush=True)
            return found

        res["submit_cpu"] = steps.run(
            "submit_cpu",
            "the worker's CPU per submission on PostgreSQL",
            lambda: submit_cpu.measure(pg, SUBMIT_CPU_N, 20, None),
        )
        res["submit_sqlite"] = steps.run("submit_sqlite", "submit on SQLite", lambda: submit(None))
        res["submit_pg"] = steps.run("submit_pg", "submit on PostgreSQL", lambda: submit(pg))

        sqlite_city = _tmp_sqlite("city.db")
        res["city_sqlite"] = steps.run(
            "city_sqlite",
            f"the SQLite city filled {CITY_FILL} %",
            lambda: city_filled(sqlite_city),
        )
        if res["city_sqlite"]:
            res["live_city_sqlite"] = steps.run(
                "live_city_sqlite",
                "live totals, SQLite city, alone",
                lambda: live(sqlite_city, requests, False),
            )
            res["live_city_sqlite_during"] = steps.run(
                "live_city_sqlite_during",
                "live totals, SQLite city, during submissions",
                lambda: live(sqlite_city, requests, True, submissions),
            )
        res["city_pg"] = steps.run(
            "city_pg",
            f"the PostgreSQL city filled {CITY_FILL} %",
            lambda: city_filled(fresh_url(pg)),
        )
        if res["city_pg"]:
            res["live_city_pg"] = steps.run(
                "live_city_pg",
                "live totals, PostgreSQL city, alone",
                lambda: live(pg, requests, False),
            )
            if not ctx["nation_ready"]:  # before the submissions take the free slots
                res["explain"] = steps.run(
                    "explain", "EXPLAIN on the PostgreSQL city", lambda: explain(pg)
                )
            res["live_city_pg_during"] = steps.run(
                "live_city_pg_during",
                "live totals, PostgreSQL city, during submissions",
                lambda: live(pg, requests, True, submissions),
            )
        if ctx["nation_ready"]:
            res["live_nation"] = steps.run(
                "live_nation",
                "live totals, the nation, alone",
                lambda: live(nation, requests, False),
            )
            res["explain"] = steps.run("explain", "EXPLAIN on the nation", lambda: explain(nation))
            res["live_nation_during"] = steps.run(
                "live_nation_during",
                "live totals, the nation, during submissions",
                lambda: live(nation, requests, True, nation_submissions),
            )
        if res.get("explain"):
            res["explain"]["url"] = nation if ctx["nation_ready"] else pg
            res["explain"]["database"] = "the nation" if ctx["nation_ready"] else "the city"
        if res["city_sqlite"]:
            res["exports"] = steps.run(
                "exports", "exports on the SQLite city", lambda: exports(sqlite_city)
            )
        res["evidence"] = steps.run("evidence", "evidence upload", evidence)
        if res["city_sqlite"]:
            res["public"] = steps.run(
                "public",
                "public results on the SQLite city",
                lambda: public_results.measure(sqlite_city),
            )
        aids_url = nation if ctx["nation_ready"] else pg
        if aids_url:
            res["board_aids"] = steps.run(
                "board_aids",
                "triage and as-of reads (issue #18)",
                lambda: board_aids.measure(aids_url, 20),
            )
            if aids_url != pg and pg and res["board_aids"]:
                # The as-of target is the city's: read it on the city too.
                res["board_aids"]["city"] = steps.run(
                    "board_aids_city",
                    "as-of reads on the city (issue #18)",
                    lambda: board_aids.measure(pg, 20),
                )
        write_report(out, ctx, res, steps)
        echo(f"wrote {out}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if steps.errors:
        echo("failed: " + ", ".join(STEP_TITLES.get(k, k) for k in steps.errors))
        sys.exit(1)


if __name__ == "__main__":
    main()
