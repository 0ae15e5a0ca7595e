"""Import jobs: a checked upload kept under IMPORT_DIR until it is applied, with its progress.

A job is ``ready`` once its file is checked clean, ``running`` while a worker applies it
(its heartbeat says the worker lives), then ``done`` or ``failed``; a ready job whose file
outlived UPLOAD_EXPIRY_HOURS is ``expired``. A running job without a heartbeat for
IMPORT_STALE_SECONDS was interrupted (its worker died) and may be claimed again.

While a worker applies a file, SQLite's one writer is the import itself, so the worker's
progress goes to a small file beside the upload (and, on PostgreSQL, to the job row too);
``state`` reads both.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.db import begin_write
from election.domain.clock import as_utc, utcnow
from election.domain.errors import Conflict, NotFound
from election.domain.numbers import fmt_pct, percent
from election.models import ImportJob, User
from election.services.audit import chain as audit
from election.services.audit.chain import Actor
from election.services.imports.check import Checked

STATUS_TEXT = {
    "ready": "Đã kiểm tra, chờ áp dụng",
    "running": "Đang áp dụng",
    "done": "Đã áp dụng xong",
    "failed": "Thất bại; không có dữ liệu nào được lưu",
    "expired": "Tệp đã hết hạn; hãy tải lên lại",
    "interrupted": "Bị gián đoạn; có thể chạy lại",
}
KIND_TEXT = {"setup": "Tệp thiết lập cuộc bầu cử", "roll": "Danh sách cử tri"}


@dataclass(frozen=True)
class Settings:
    """Where uploads are kept, when a silent worker counts as dead, when an upload expires."""

    directory: Path
    stale_seconds: int = 60
    expiry_hours: int = 24

    def file(self, job: ImportJob) -> Path:
        return self.directory / job.stored_name

    def progress_file(self, job: ImportJob) -> Path:
        return self.directory / (job.stored_name + ".progress")


@dataclass(frozen=True)
class JobState:
    """A job as its page and its JSON show it."""

    id: int
    kind: str
    status: str  # one of STATUS_TEXT's keys: "interrupted" for a running job gone silent
    label: str
    rows_done: int
    rows_total: int
    percent: str
    finished: bool
    message: str | None

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "label": self.label,
            "rows_done": self.rows_done,
            "rows_total": self.rows_total,
            "percent": self.percent,
            "finished": self.finished,
            "message": self.message,
        }


def create(
    session: Session,
    user: User,
    checked: Checked,
    filename: str,
    stored_name: str,
    sha256: str,
    size: int,
) -> ImportJob:
    """A ready job for a file checked clean; audited as ``import.upload``."""
    begin_write(session)
    job = ImportJob(
        kind=checked.kind,
        status="ready",
        filename=filename,
        stored_name=stored_name,
        sha256=sha256,
        size=size,
        preview=checked.preview,
        rows_total=checked.rows,
        rows_done=0,
        created_at=utcnow(),
        created_by=user.id,
        attempts=0,
    )
    session.add(job)
    session.flush()
    after = {"kind": job.kind, "file": filename, "sha256": sha256, "size": size}
    audit.append(session, Actor.of(user), "import.upload", "import_job", job.id, None, after)
    session.commit()
    return job


def get(session: Session, job_id: int) -> ImportJob:
    job = session.get(ImportJob, job_id)
    if job is None:
        raise NotFound(f"Không có lần tải lên số {job_id}")
    return job


def recent(session: Session, limit: int = 20) -> list[ImportJob]:
    """The latest uploads, newest first."""
    return list(session.scalars(select(ImportJob).order_by(ImportJob.id.desc()).limit(limit)))


def claim(session: Session, user: User, job_id: int, settings: Settings) -> ImportJob:
    """Mark a job running for a new worker: a ready one, or one whose worker died."""
    begin_write(session)
    job = session.get(ImportJob, job_id, with_for_update=True)
    if job is None:
        raise NotFound(f"Không có lần tải lên số {job_id}")
    status = state(job, settings).status
    if status not in ("ready", "interrupted"):
        raise Conflict(f"Không thể áp dụng: {STATUS_TEXT[status].lower()}")
    if not settings.file(job).exists():
        raise Conflict(STATUS_TEXT["expired"])
    now = utcnow()
    before = {"status": status, "rows_done": job.rows_done}
    job.status, job.started_at, job.heartbeat_at = "running", now, now
    job.rows_done, job.attempts, job.message = 0, job.attempts + 1, None
    after = {"status": "running", "attempt": job.attempts}
    audit.append(session, Actor.of(user), "import.start", "import_job", job.id, before, after)
    session.commit()
    return job


def mark_done(session: Session, job_id: int) -> None:
    """In the import's own transaction: the job is done exactly when its data is stored."""
    job = session.get(ImportJob, job_id)
    assert job is not None
    job.status, job.finished_at, job.rows_done = "done", utcnow(), job.rows_total
    session.flush()


def mark_failed(session: Session, job_id: int, actor: Actor, message: str) -> None:
    """A job whose import was refused or broke: nothing of it was stored."""
    begin_write(session)
    job = session.get(ImportJob, job_id)
    if job is None or job.status != "running":
        session.rollback()
        return
    job.status, job.finished_at, job.message = "failed", utcnow(), message
    after = {"status": "failed", "message": message[:2000]}
    audit.append(session, actor, "import.fail", "import_job", job.id, {"status": "running"}, after)
    session.commit()


def state(job: ImportJob, settings: Settings, now: dt.datetime | None = None) -> JobState:
    """The job as shown: its progress from the row or the worker's file, whichever is newer."""
    done, beat = job.rows_done, job.heartbeat_at and as_utc(job.heartbeat_at)
    status = job.status
    if status == "running":
        noted = read_progress(settings.progress_file(job))
        if noted is not None and (beat is None or noted[1] >= beat):
            done, beat = max(done, noted[0]), noted[1]
        silent = ((now or utcnow()) - (beat or as_utc(job.created_at))).total_seconds()
        if silent > settings.stale_seconds:
            status = "interrupted"
    share = percent(done, job.rows_total) if job.rows_total else None
    return JobState(
        job.id,
        job.kind,
        status,
        STATUS_TEXT[status],
        done,
        job.rows_total,
        fmt_pct(share) if share is not None else ("100,00%" if status == "done" else "0,00%"),
        status in ("done", "failed", "expired"),
        job.message,
    )


def write_progress(path: Path, done: int, at: dt.datetime) -> None:
    """The worker's progress and heartbeat, replaced whole so a reader never sees half of it."""
    part = path.with_suffix(".tmp")
    part.write_text(json.dumps({"done": done, "at": at.isoformat()}))
    os.replace(part, path)


def read_progress(path: Path) -> tuple[int, dt.datetime] | None:
    try:
        noted = json.loads(path.read_text())
        return int(noted["done"]), dt.datetime.fromisoformat(noted["at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def sweep(session: Session, settings: Settings, now: dt.datetime | None = None) -> int:
    """Expire ready uploads older than UPLOAD_EXPIRY_HOURS and delete their files, and any
    file left in IMPORT_DIR that long by an upload that never became a job; how many expired."""
    now = now or utcnow()
    limit = now - dt.timedelta(hours=settings.expiry_hours)
    begin_write(session)
    old = list(
        session.scalars(
            select(ImportJob).where(ImportJob.status == "ready", ImportJob.created_at < limit)
        )
    )
    for job in old:
        job.status = "expired"
        audit.append(
            session,
            Actor(None, audit.SYSTEM),
            "import.expire",
            "import_job",
            job.id,
            {"status": "ready"},
            {"status": "expired"},
        )
    session.commit()
    for job in old:
        discard(settings, job)
    keep = {
        j.stored_name
        for j in session.scalars(
            select(ImportJob).where(ImportJob.status.in_(("ready", "running")))
        )
    }
    if settings.directory.is_dir():
        for path in settings.directory.iterdir():
            stem = path.name.split(".progress")[0]
            if stem in keep:
                continue
            with contextlib.suppress(OSError):
                if dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC) < limit:
                    path.unlink()
    return len(old)


def discard(settings: Settings, job: ImportJob) -> None:
    """Delete a job's upload and progress files (once it is finished or expired)."""
    for path in (settings.file(job), settings.progress_file(job)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
