"""Evidence stores (directory and database), the evidence in backups and restores, and the
sweep of uploads that killed workers left half-written."""

from __future__ import annotations

import hashlib
import io
import os
import random
import tarfile
import time

import pytest
from PIL import Image
from sqlalchemy import func, select

from election import create_app
from election.models import EvidenceChunk, TallyEvidence, User
from election.services import evidence, tallies
from election.services.audit import backup
from election.services.audit.chain import Actor
from election.services.evidence.store import (
    STALE_PART_SECONDS,
    DatabaseStore,
    DirectoryStore,
    make_store,
    sweep,
)
from election.services.identity import users
from election.services.setup.setup import store_setup
from tests.factories import small_setup
from tests.integration.test_tally_rules_stored import entry_for


def noise_png(seed: int = 1) -> bytes:
    """A PNG of 800 × 800 random pixels: about 1,9 MB, which no encoder can shrink."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (800, 800), rng.randbytes(800 * 800 * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def officer(sessions):
    with sessions() as session:
        store_setup(session, small_setup(), Actor(None, "system"))
        user = users.create_user(session, "to-t1a-1", "officer", "T1A-1", "mat-khau-dai-du").user
        tallies.submit(session, user, "T1A-1", "QH", entry_for("T1A-1"))
    return user.id


def _attach(sessions, store, officer_id: int, data: bytes) -> str:
    with sessions() as session:
        user = session.get(User, officer_id)
        return evidence.attach(session, store, user, 1, io.BytesIO(data)).sha256


def test_the_database_store_keeps_a_file_in_1_mb_chunks_and_serves_it_whole(
    sessions, officer, tmp_path
):
    store = make_store("database", tmp_path)
    assert isinstance(store, DatabaseStore)
    sha = _attach(sessions, store, officer, noise_png())
    with sessions() as session:
        user = session.get(User, officer)
        file, chunks = evidence.open_file(session, store, user, sha)
        data = b"".join(chunks)
        stored_chunks = session.scalar(select(func.count()).select_from(EvidenceChunk))
    assert hashlib.sha256(data).hexdigest() == sha
    assert len(data) == file.size
    assert stored_chunks == -(-file.size // (1024 * 1024))  # ceil: 2 chunks for ~1,9 MB
    assert stored_chunks == 2
    # Nothing is left in the work directory.
    assert list((tmp_path / "tmp").iterdir()) == []
    # The same file again: no second copy.
    assert _attach(sessions, store, officer, noise_png()) == sha
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(EvidenceChunk)) == 2
        assert session.scalar(select(func.count()).select_from(TallyEvidence)) == 1


def test_directory_evidence_goes_into_the_backup_and_comes_back_checked(
    sessions, officer, tmp_path
):
    store = make_store("directory", tmp_path / "evidence")
    assert isinstance(store, DirectoryStore)
    shas = sorted(_attach(sessions, store, officer, noise_png(seed)) for seed in (1, 2))
    target = tmp_path / "backup.bin"
    assert backup.backup_evidence(store, target) == 2
    with tarfile.open(backup.evidence_archive(target)) as tar:
        assert sorted(tar.getnames()) == shas
    # Lost files come back from the archive.
    for sha in shas:
        store.path(sha).unlink()
    assert backup.restore_evidence(store, target) == 2
    for sha in shas:
        assert hashlib.sha256(store.path(sha).read_bytes()).hexdigest() == sha


def test_a_changed_file_in_the_archive_is_refused(sessions, officer, tmp_path):
    store = make_store("directory", tmp_path / "evidence")
    sha = _attach(sessions, store, officer, noise_png())
    target = tmp_path / "backup.bin"
    altered = tmp_path / sha
    altered.write_bytes(store.path(sha).read_bytes() + b"x")
    with tarfile.open(backup.evidence_archive(target), "w") as tar:
        tar.add(altered, arcname=sha)
    with pytest.raises(backup.BackupError, match="đã bị thay đổi"):
        backup.restore_evidence(store, target)


def test_the_database_store_needs_no_archive(sessions, officer, tmp_path):
    store = make_store("database", tmp_path)
    _attach(sessions, store, officer, noise_png())
    assert backup.backup_evidence(store, tmp_path / "backup.bin") == 0
    assert not backup.evidence_archive(tmp_path / "backup.bin").exists()


def test_an_unknown_store_kind_is_refused(tmp_path):
    with pytest.raises(ValueError, match="EVIDENCE_STORE"):
        make_store("s3", tmp_path)


def _part(directory, name: str, age_seconds: float):
    """A half-written upload as a killed worker leaves it, last written ``age_seconds`` ago."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(b"\xff\xd8\xff half a photo")
    then = time.time() - age_seconds
    os.utime(path, (then, then))
    return path


def test_sweep_removes_only_part_files_older_than_a_request_can_be(tmp_path):
    work = tmp_path / "tmp"
    stale = _part(work, "tmpold.part", STALE_PART_SECONDS + 5)
    fresh = _part(work, "tmpnew.part", STALE_PART_SECONDS - 60)  # a request still writing it
    other = _part(work, "notes.txt", STALE_PART_SECONDS + 5)
    assert sweep(work) == 1
    assert sorted(p.name for p in work.iterdir()) == ["notes.txt", "tmpnew.part"]
    assert not stale.exists() and fresh.exists() and other.exists()
    assert sweep(work, older_than=0) == 1
    assert [p.name for p in work.iterdir()] == ["notes.txt"]


def test_sweep_of_a_missing_work_directory_removes_nothing(tmp_path):
    assert sweep(tmp_path / "absent") == 0
    assert not (tmp_path / "absent").exists()


@pytest.mark.parametrize("kind", ["directory", "database"])
def test_the_app_sweeps_stale_part_files_when_it_starts(tmp_path, kind):
    stale = _part(tmp_path / "evidence" / "tmp", "tmpkilled.part", STALE_PART_SECONDS + 5)
    fresh = _part(tmp_path / "evidence" / "tmp", "tmpwriting.part", 1)
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}",
            "SECRET_KEY": "test-secret",
            "EVIDENCE_STORE": kind,
            "EVIDENCE_DIR": str(tmp_path / "evidence"),
        }
    )
    app.extensions["election.engine"].dispose()
    assert not stale.exists()
    assert fresh.exists()
