"""Uploaded setup workbooks and voter rolls, and the background jobs that apply them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, CheckConstraint, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from election.db import Base

IMPORT_KINDS = ("setup", "roll")
# ready: checked clean, waiting for «Áp dụng»; running: a worker holds it (its heartbeat
# says whether it still lives); done / failed: finished; expired: its file was swept away.
IMPORT_STATUSES = ("ready", "running", "done", "failed", "expired")


class ImportJob(Base):
    """One uploaded file, checked clean, and what became of applying it."""

    __tablename__ = "import_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    filename: Mapped[str] = mapped_column(String(255))
    # The stored upload's name inside IMPORT_DIR (never a name the client chose).
    stored_name: Mapped[str] = mapped_column(String(80))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    # What applying it will change, as the check found it: shown before «Áp dụng».
    preview: Mapped[dict] = mapped_column(JSON)
    rows_total: Mapped[int] = mapped_column(BigInteger)
    rows_done: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(default=0)
    # A finished job's summary, or why it failed (with the problems, one per line).
    message: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("kind IN ('setup', 'roll')", name="kind_known"),
        CheckConstraint(
            "status IN ('ready', 'running', 'done', 'failed', 'expired')", name="status_known"
        ),
        CheckConstraint("rows_done >= 0 AND rows_total >= 0", name="rows_not_negative"),
    )
