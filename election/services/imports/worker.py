"""Applying an import job in a background thread of the web process, with its heartbeat."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from functools import partial

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from election.domain.clock import utcnow
from election.domain.errors import DomainError, FileInvalid
from election.domain.problems import Problem
from election.models import ImportJob
from election.services.audit.chain import CREDENTIAL, Actor
from election.services.imports import jobs
from election.services.setup import rolls, setup
from election.services.setup.roll_io import RollFile, RollRow

log = logging.getLogger(__name__)
BEAT_SECONDS = 1.0
FAILED = "Lỗi hệ thống khi áp dụng tệp; không có dữ liệu nào được lưu"


class Beat:
    """Counts the rows a worker has done and, every second, says so with a heartbeat."""

    def __init__(self, sessions: sessionmaker[Session], job: ImportJob, settings: jobs.Settings):
        self.done = 0
        self._sessions = sessions
        self._job_id = job.id
        self._path = settings.progress_file(job)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"import-beat-{job.id}", daemon=True)

    def count(self, rows: Iterable[RollRow | list[Problem]]) -> Iterator[RollRow | list[Problem]]:
        """``rows`` passed on, counted."""
        for row in rows:
            self.done += 1
            yield row

    def __enter__(self) -> Beat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(BEAT_SECONDS):
            try:
                self.beat()
            except Exception:  # a missed beat is no reason to stop the import
                log.warning("import heartbeat failed", exc_info=True)

    def beat(self) -> None:
        now = utcnow()
        jobs.write_progress(self._path, self.done, now)
        engine = self._sessions.kw["bind"]
        if engine.dialect.name == "sqlite":
            return  # the import holds SQLite's one write lock: the file says it all
        with self._sessions() as session:
            session.execute(
                update(ImportJob)
                .where(ImportJob.id == self._job_id, ImportJob.status == "running")
                .values(rows_done=self.done, heartbeat_at=now)
            )
            session.commit()


def run(
    sessions: sessionmaker[Session], job_id: int, settings: jobs.Settings, actor: Actor
) -> None:
    """Apply a claimed job: all of it in one transaction, or nothing and the job failed."""
    with sessions() as session:
        session.info[CREDENTIAL] = "session"  # started from the pages
        job = jobs.get(session, job_id)
        origin = {"file": job.filename, "sha256": job.sha256, "job": job.id}
        done = partial(jobs.mark_done, job_id=job.id)
        try:
            with Beat(sessions, job, settings) as beat:
                if job.kind == "setup":
                    setup.import_workbook(session, settings.file(job), actor, origin, done)
                else:
                    roll = RollFile(settings.file(job), job.filename)
                    rolls.import_rows(
                        session, beat.count(roll), roll.describe, actor, roll.name, origin, done
                    )
        except DomainError as exc:
            session.rollback()
            lines = exc.lines if isinstance(exc, FileInvalid) else []
            jobs.mark_failed(session, job_id, actor, "\n".join([exc.message, *lines]))
        except Exception:
            log.exception("import job %s failed", job_id)
            session.rollback()
            jobs.mark_failed(session, job_id, actor, FAILED)
        job = jobs.get(session, job_id)
        if job.status in ("done", "failed"):
            jobs.discard(settings, job)


def start(
    sessions: sessionmaker[Session], job_id: int, settings: jobs.Settings, actor: Actor
) -> threading.Thread:
    """Run the job in a thread of this process; the thread is returned (tests join it)."""
    thread = threading.Thread(
        target=run, args=(sessions, job_id, settings, actor), name=f"import-{job_id}", daemon=True
    )
    thread.start()
    return thread
