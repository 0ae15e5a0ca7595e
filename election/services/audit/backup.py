"""Backing up and restoring the whole database: SQLite files and PostgreSQL databases.

SQLite uses the online backup API, so a backup taken while the app runs is a
consistent snapshot. PostgreSQL uses ``pg_dump --format=custom`` and
``pg_restore --clean --if-exists --no-owner``, which replace every object of the
dump in the target database in one transaction.

Evidence files kept in a directory (``EVIDENCE_STORE=directory``) go to ``FILE.evidence.tar``
beside the database backup, and come back from it, each checked against its SHA-256 name;
kept in the database they are in the database backup already.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from election.services.evidence.store import DirectoryStore, Store

# Debian/Ubuntu install the client tools here when they are not on PATH.
PG_BIN_DIRS = ("/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin")


class BackupError(Exception):
    """The backup or restore could not be made; the message says why (Vietnamese)."""


SHA256_NAME = re.compile(r"[0-9a-f]{64}")


def evidence_archive(path: str | Path) -> Path:
    """Where the evidence files of the backup ``path`` go."""
    return Path(f"{path}.evidence.tar")


def backup_evidence(store: Store, path: str | Path) -> int:
    """Copy a directory store's files into ``FILE.evidence.tar``; how many were copied."""
    if not isinstance(store, DirectoryStore):
        return 0  # kept in the database: the database backup holds them
    archive = evidence_archive(path)
    count = 0
    with tarfile.open(archive, "w") as tar:
        for name in store.names():
            tar.add(store.path(name), arcname=name)
            count += 1
    return count


def restore_evidence(store: Store, path: str | Path) -> int:
    """Put back the files of ``FILE.evidence.tar``, if there is one; how many."""
    archive = evidence_archive(path)
    if not archive.is_file() or not isinstance(store, DirectoryStore):
        return 0
    count = 0
    with tarfile.open(archive, "r") as tar, tempfile.TemporaryDirectory() as work:
        for member in tar.getmembers():
            if not member.isfile() or not SHA256_NAME.fullmatch(member.name):
                raise BackupError(f"Tệp «{member.name}» trong {archive.name} không phải tệp ảnh")
            source = tar.extractfile(member)
            assert source is not None
            copy = Path(work) / member.name
            digest = hashlib.sha256()
            with copy.open("wb") as out:
                while chunk := source.read(1024 * 1024):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != member.name:
                raise BackupError(f"Tệp {member.name} trong {archive.name} đã bị thay đổi")
            store.copy_in(member.name, copy)
            count += 1
    return count


def backup(url: str, path: str | Path) -> Path:
    """Write a backup of the database at ``url`` to ``path``."""
    path = Path(path)
    if _is_sqlite(url):
        _sqlite_copy(_sqlite_file(url), path)
    else:
        _run("pg_dump", "--format=custom", "--no-owner", f"--file={path}", *_pg_args(url), url=url)
    return path


def restore(path: str | Path, url: str) -> None:
    """Replace the database at ``url`` with the backup at ``path``."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"Không có tệp sao lưu «{path}»")
    if _is_sqlite(url):
        _sqlite_copy(path, _sqlite_file(url))
    else:
        _run(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            *_pg_args(url),
            str(path),
            url=url,
        )


def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("Chỉ sao lưu được cơ sở dữ liệu SQLite lưu trong tệp")
    return Path(database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy page by page with SQLite's backup API (safe while others read and write)."""
    if not source.is_file():
        raise BackupError(f"Không có tệp cơ sở dữ liệu «{source}»")
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def _pg_args(url: str) -> list[str]:
    """Connection arguments of a SQLAlchemy PostgreSQL URL, for the libpq command-line tools."""
    u = make_url(url)
    args = []
    if u.host:
        args.append(f"--host={u.host}")
    if u.port:
        args.append(f"--port={u.port}")
    if u.username:
        args.append(f"--username={u.username}")
    args.append(f"--dbname={u.database or 'postgres'}")
    return args


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for directory in PG_BIN_DIRS:
        candidate = Path(directory) / name
        if candidate.is_file():
            return str(candidate)
    raise BackupError(f"Không tìm thấy lệnh {name} (cài gói postgresql-client)")


def _run(name: str, *args: str, url: str) -> None:
    env = dict(os.environ)
    password = make_url(url).password
    if password:
        env["PGPASSWORD"] = str(password)  # not on the command line, where `ps` would show it
    done = subprocess.run(
        [_tool(name), *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{name} thất bại (mã {done.returncode}): {done.stderr.strip()[-2000:]}")
