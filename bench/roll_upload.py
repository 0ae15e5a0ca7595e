"""A 1-million-row voter roll uploaded on /admin/setup: check, then apply as an import job.

Usage: .venv/bin/python -m bench.roll_upload [DATABASE_URL]
Without a URL the demo city is loaded into a fresh SQLite file. The roll (bench.load's, one
row per voter over every voting area) is checked and applied through the same services the
pages call (election.services.imports), in a child process whose peak memory is measured;
while the job runs, its progress is read as the page's progress bar reads it, once a second.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import select

from bench.load import ROLL_ROWS, database_url, dialect, write_roll
from election import create_app, migrate
from election.models import ImportJob, VotingArea
from election.services.audit.chain import Actor
from election.services.identity import users
from election.services.imports import check, jobs, worker
from election.services.setup import demo


def child(url: str, path: str) -> None:
    """Check and apply ``path`` as the pages do; print the timings as JSON."""
    sessions = create_app({"DATABASE_URL": url}).extensions["election.sessions"]
    directory = tempfile.mkdtemp()
    settings = jobs.Settings(directory=Path(directory))
    with sessions() as session:
        admin = users.create_user(session, "bench-admin", "admin", None, "mat-khau-bench").user
        started = time.perf_counter()
        checked = check.check_roll_file(session, Path(path), "roll_1m.csv")
        checked_s = time.perf_counter() - started
        assert not checked.problems, checked.problems[:3]
        stored = "bench.csv"
        shutil.copy(path, settings.directory / stored)
        job = jobs.create(session, admin, checked, "roll_1m.csv", stored, "0" * 64, 0)
        jobs.claim(session, admin, job.id, settings)
    seen: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(1.0):
            with sessions() as s:
                seen.append(jobs.state(s.get(ImportJob, job.id), settings).rows_done)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.perf_counter()
    worker.run(sessions, job.id, settings, Actor.of(admin))
    applied_s = time.perf_counter() - started
    stop.set()
    watcher.join()
    with sessions() as session:
        status = session.get(ImportJob, job.id).status
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        json.dumps(
            {
                "check_s": checked_s,
                "apply_s": applied_s,
                "status": status,
                "progress": seen,
                "rss_mib": rss,
            }
        )
    )


def main(url: str | None) -> None:
    target = database_url(url, "upload.db")
    migrate.upgrade(target)
    app = create_app({"DATABASE_URL": target})
    with app.extensions["election.sessions"]() as session:
        demo.load(session, "city", roll_voting_areas=[])
        codes = list(session.scalars(select(VotingArea.code).order_by(VotingArea.id)))
    app.extensions["election.engine"].dispose()
    path = os.path.join(tempfile.mkdtemp(), "roll_1m.csv")
    write_roll(path, codes, ROLL_ROWS)
    started = time.perf_counter()
    run = subprocess.Popen(
        [sys.executable, "-m", "bench.roll_upload", "--child", target, path],
        stdout=subprocess.PIPE,
        text=True,
    )
    out, _ = run.communicate()
    wall = time.perf_counter() - started
    result = json.loads(out.strip().splitlines()[-1])
    os.unlink(path)
    shown = [result["progress"][i] for i in range(0, len(result["progress"]), 5)]
    print(
        f"{dialect(target)}: {ROLL_ROWS:,} rows over {len(codes):,} voting areas — "
        f"check {result['check_s']:.1f} s, apply {result['apply_s']:.1f} s "
        f"({result['status']}), child process {wall:.1f} s, peak memory "
        f"{result['rss_mib']:.0f} MiB; "
        f"progress seen every 5 s: {shown}"
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else None)
