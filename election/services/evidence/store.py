"""Where evidence files live: a directory (one host, or a shared one) or the database.

Both name a file by its SHA-256 and keep it once. ``EVIDENCE_STORE=directory`` (default)
writes ``EVIDENCE_DIR/ab/abcdef…``; every host must see the same directory (docs/SCALING.md).
``EVIDENCE_STORE=database`` keeps the bytes in ``evidence_chunk`` rows of 1 MB, in the same
transaction as the record of the file, so every host serves every file with nothing shared
but the database. Files are read back in chunks: a download never holds a whole file.

Either way an upload is re-written into ``workdir`` as a ``*.part`` file first, then moved in
(or copied into rows) and removed. A worker killed in between (SIGKILL, the OOM killer,
gunicorn's timeout) leaves its ``.part`` behind: ``sweep`` removes those when the app starts.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.models.evidence import EvidenceChunk

CHUNK = 1024 * 1024
KINDS = ("directory", "database")
# A .part lives for one request (re-written, then stored); gunicorn kills a worker whose
# request takes 30 s or more, so a .part this old belongs to no request any more.
STALE_PART_SECONDS = 10 * 60


class DirectoryStore:
    kind = "directory"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.workdir = self.root / "tmp"  # same file system: a finished file is renamed in

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, session: Session, sha256: str, source: Path) -> None:
        """Move ``source`` in as ``sha256``, durably, before the transaction naming it commits."""
        target = self.path(sha256)
        if target.exists():
            source.unlink(missing_ok=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        with source.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(source, target)
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def chunks(self, session: Session, sha256: str) -> Iterator[bytes]:
        with self.path(sha256).open("rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk

    def has(self, session: Session, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def names(self) -> Iterator[str]:
        """Every stored file's SHA-256 (for backups)."""
        if self.root.is_dir():
            for path in sorted(self.root.glob("??/*")):
                if path.is_file() and len(path.name) == 64:
                    yield path.name

    def copy_in(self, sha256: str, source: Path) -> None:
        """Restore a file from a backup."""
        target = self.path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


class DatabaseStore:
    kind = "database"

    def __init__(self, workdir: Path) -> None:
        self.workdir = Path(workdir)

    def put(self, session: Session, sha256: str, source: Path) -> None:
        """Write ``source`` as rows of the caller's transaction, then remove it."""
        try:
            if self.has(session, sha256):
                return
            with source.open("rb") as f:
                seq = 0
                while chunk := f.read(CHUNK):
                    row = EvidenceChunk(sha256=sha256, seq=seq, data=chunk)
                    session.add(row)
                    session.flush()
                    session.expunge(row)  # one chunk in memory at a time
                    seq += 1
        finally:
            source.unlink(missing_ok=True)

    def chunks(self, session: Session, sha256: str) -> Iterator[bytes]:
        seqs = list(
            session.scalars(
                select(EvidenceChunk.seq)
                .where(EvidenceChunk.sha256 == sha256)
                .order_by(EvidenceChunk.seq)
            )
        )
        for seq in seqs:
            yield (
                session.scalar(
                    select(EvidenceChunk.data).where(
                        EvidenceChunk.sha256 == sha256, EvidenceChunk.seq == seq
                    )
                )
                or b""
            )

    def has(self, session: Session, sha256: str) -> bool:
        found = session.scalar(
            select(EvidenceChunk.seq).where(EvidenceChunk.sha256 == sha256).limit(1)
        )
        return found is not None


Store = DirectoryStore | DatabaseStore


def sweep(workdir: Path, older_than: float = STALE_PART_SECONDS) -> int:
    """Remove the ``*.part`` files left in ``workdir`` by killed workers; how many."""
    if not workdir.is_dir():
        return 0
    limit = time.time() - older_than
    removed = 0
    for path in workdir.glob("*.part"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # its request stored it, or another worker swept it
            continue
    return removed


def make_store(kind: str, directory: Path) -> Store:
    """The store ``EVIDENCE_STORE`` names; temporary files go under ``directory`` either way."""
    if kind == "database":
        return DatabaseStore(Path(directory) / "tmp")
    if kind == "directory":
        return DirectoryStore(Path(directory))
    raise ValueError(f"EVIDENCE_STORE must be one of {', '.join(KINDS)}, not {kind!r}")
