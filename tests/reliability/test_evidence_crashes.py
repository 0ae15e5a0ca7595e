"""Evidence uploads while gunicorn workers are SIGKILLed again and again: nothing lost.

Officers upload distinct photos of their records (and a few twice on purpose) while a
killer sends SIGKILL to a worker every few tenths of a second; a client retries the same
file on a lost connection or a 5xx until it gets its 201. Afterwards every upload is
attached exactly once (one link, one audit event), the database and the evidence directory
hold the same files, every file's bytes hash to its name, and the only things a crash may
leave in the directory's tmp/ are ``*.part`` files, which the next worker to start sweeps
once they are old. Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL names one.
"""

from __future__ import annotations

import collections
import hashlib
import http.client
import io
import json
import os
import random
import secrets
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from election.models import AuditEvent, Evidence, TallyEvidence
from election.services.audit import check as audit_check
from election.services.evidence import content
from election.services.evidence.store import STALE_PART_SECONDS
from tests.reliability.conftest import (
    CLIENT_TIMEOUT,
    ON_PG,
    Database,
    call,
    contests_of,
    loaded,
    tally_body,
)

pytestmark = [pytest.mark.slow, pytest.mark.db]

WORKERS = 4
KILLS = 12
KILL_EVERY = 0.4  # seconds
OFFICERS = ("T1A-1", "T1A-2", "T1B-1", "T2A-1")
MAX_PHOTOS = 60  # per officer: enough to outlast the kills
AGAIN_EVERY = 5  # every 5th photo is sent a second time once it is accepted


@pytest.fixture(params=["sqlite"] + (["postgresql"] if ON_PG else []))
def served_database(request, tmp_path) -> Database:
    """The small election with its users, in a fresh database of the backend under test."""
    if request.param == "postgresql":
        return request.getfixturevalue("database")
    return loaded(f"sqlite:///{tmp_path / 'reliability.db'}")


def cpu_ticks(pid: int) -> int:
    """User + system CPU time of a process in clock ticks (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def photo(seed: str) -> bytes:
    """A photo-like JPEG of about 300 KB (a gradient under noise), different for every seed."""
    rng = random.Random(seed)
    width, height = 960, 720
    light = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    out = io.BytesIO()
    Image.blend(light, noise, 0.4).save(out, "JPEG", quality=85)
    return out.getvalue()


def upload(port: int, record_id: int, token: str, data: bytes) -> tuple[int, object]:
    """POST ``data`` as the multipart field ``file``; (status, parsed JSON body)."""
    boundary = secrets.token_hex(16)
    body = b"".join(
        (
            f"--{boundary}\r\n".encode(),
            b'Content-Disposition: form-data; name="file"; filename="bien-ban.jpg"\r\n',
            b"Content-Type: image/jpeg\r\n\r\n",
            data,
            f"\r\n--{boundary}--\r\n".encode(),
        )
    )
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
    try:
        conn.request("POST", f"/api/v1/tallies/{record_id}/evidence", body=body, headers=headers)
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    try:
        return response.status, json.loads(raw)
    except ValueError:
        return response.status, raw.decode(errors="replace")


@dataclass
class Officer:
    """Uploads photos of its own records, each until it is accepted, until told to stop."""

    port: int
    va: str
    token: str
    records: list[int]
    stop: threading.Event
    accepted: list[tuple[int, str, dict]] = field(default_factory=list)  # record, seed, body
    retries: int = 0
    errors: collections.Counter = field(default_factory=collections.Counter)

    def send(self, record_id: int, seed: str, data: bytes) -> None:
        delay = 0.05
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = upload(self.port, record_id, self.token, data)
                if status < 500:
                    assert status == 201, (self.va, seed, status, body)
                    assert isinstance(body, dict)
                    self.accepted.append((record_id, seed, body))
                    return
                self.errors[status] += 1
            except (OSError, http.client.HTTPException) as exc:
                self.errors[type(exc).__name__] += 1
            assert time.monotonic() < deadline, f"{self.va} {seed}: no answer within 60 s"
            self.retries += 1
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def run(self) -> None:
        n = 0
        while not self.stop.is_set() and n < MAX_PHOTOS:
            seed = f"{self.va}/{n}"
            data = photo(seed)
            record_id = self.records[n % len(self.records)]
            self.send(record_id, seed, data)
            if n % AGAIN_EVERY == 0:
                self.send(record_id, seed, data)  # the same file twice: one link
            n += 1


def test_uploads_during_sigkilled_workers_are_attached_once_and_stored_whole(
    served_database, start_server, tmp_path
):
    db = served_database
    evidence_dir = tmp_path / "evidence"
    server = start_server(
        db.url, db.tokens["board"], WORKERS, env={"EVIDENCE_DIR": str(evidence_dir)}
    )
    records: dict[str, list[int]] = {}
    for va in OFFICERS:  # the records exist before the storm
        for contest in contests_of(va):
            sent = call(
                server.port, "POST", "/api/v1/tallies", db.tokens[va], tally_body(va, contest)
            )
            assert sent.status == 201, sent.body
            records.setdefault(va, []).append(sent.body["id"])

    stop = threading.Event()
    officers = [Officer(server.port, va, db.tokens[va], records[va], stop) for va in OFFICERS]
    failures: list[BaseException] = []

    def guarded(officer: Officer) -> None:
        try:
            officer.run()
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=guarded, args=(o,)) for o in officers]
    started = time.monotonic()
    for t in threads:
        t.start()
    killed: list[int] = []
    born: dict[int, float] = {}
    ticks: dict[int, int] = {}
    rng = random.Random(16)
    while len(killed) < KILLS and time.monotonic() - started < 40 and not failures:
        time.sleep(KILL_EVERY)
        now = time.monotonic()
        workers = server.workers()
        for pid in workers:
            born.setdefault(pid, now)
        # Only a worker that has loaded the app (~1.3 s), preferably one that has used the
        # CPU since the last look: it is most likely in the middle of an upload.
        serving = [pid for pid in workers if now - born[pid] >= 1.5]
        busy = [pid for pid in serving if cpu_ticks(pid) > ticks.get(pid, 0)]
        ticks = {pid: cpu_ticks(pid) for pid in workers}
        if serving:
            pid = rng.choice(busy or serving)
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
    stop.set()
    for t in threads:
        t.join(90)
    elapsed = time.monotonic() - started
    assert not failures, failures
    assert server.process.poll() is None, "the gunicorn master died"

    # What each photo must have become: the sanitizer's output is the same for the same input.
    accepted = [a for o in officers for a in o.accepted]
    expected_sha = {
        seed: content.clean(io.BytesIO(photo(seed)), tmp_path / "expected").sha256
        for seed in {seed for _, seed, _ in accepted}
    }
    for _, seed, body in accepted:
        assert body == {"sha256": expected_sha[seed], "media_type": "image/jpeg"}, seed
    wanted_links = {(record_id, expected_sha[seed]) for record_id, seed, _ in accepted}
    assert len(set(expected_sha.values())) == len(expected_sha)  # distinct photos, distinct files

    engine, sessions = db.sessions()
    try:
        with sessions() as session:
            links = session.execute(select(TallyEvidence.record_id, TallyEvidence.sha256)).all()
            files = {e.sha256: e.size for e in session.scalars(select(Evidence))}
            audited = [
                (int(object_id), after["sha256"])
                for object_id, after in session.execute(
                    select(AuditEvent.object_id, AuditEvent.after).where(
                        AuditEvent.action == "evidence.add"
                    )
                )
            ]
            chain = audit_check.verify(session)
    finally:
        engine.dispose()

    # Every accepted upload attached exactly once, and audited once.
    assert sorted(links) == sorted(wanted_links)
    assert sorted(audited) == sorted(wanted_links)
    assert chain.ok, chain
    # The database and the directory hold the same files, each whole.
    stored = {p.name: p for p in evidence_dir.glob("??/*")}
    assert set(stored) == set(files) == set(expected_sha.values())
    for sha, path in stored.items():
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha
        assert len(data) == files[sha]
        assert path.parent.name == sha[:2]
    # A crash may leave a half-written upload in tmp/, never anything else.
    left = sorted(p.name for p in (evidence_dir / "tmp").iterdir())
    assert all(name.endswith(".part") for name in left), left
    assert not server.errors_logged()

    # The next worker to start removes the stale ones (aged here: the sweep spares fresh ones).
    planted = evidence_dir / "tmp" / "tmp-planted.part"
    planted.write_bytes(b"\xff\xd8\xff")  # so that the sweep is seen at work even with no crash
    old = time.time() - STALE_PART_SECONDS - 60
    for path in (evidence_dir / "tmp").iterdir():
        os.utime(path, (old, old))
    os.kill(server.workers()[0], signal.SIGKILL)
    server.wait_ready(db.tokens["board"], WORKERS)
    deadline = time.monotonic() + 15
    while any((evidence_dir / "tmp").iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list((evidence_dir / "tmp").iterdir()) == []

    retries = sum(o.retries for o in officers)
    errors = sum((o.errors for o in officers), collections.Counter())
    print(
        f"\n[evidence crashes] {db.url.split(':')[0]} officers={len(officers)} "
        f"workers={WORKERS} kills={len(killed)} in {elapsed:.1f}s uploads accepted="
        f"{len(accepted)} files={len(files)} links={len(links)} retries={retries} "
        f"errors seen={dict(errors)} .part left by crashes={len(left)} "
        f"audit events={chain.events}"
    )
    assert len(killed) == KILLS
    assert retries > 0, "no upload was interrupted: the kills proved nothing"


def test_one_new_photo_sent_to_several_records_at_once_is_stored_once(
    served_database, start_server, tmp_path
):
    """Concurrent first uploads of the same file: one file, one link per record, no 500."""
    db = served_database
    evidence_dir = tmp_path / "evidence"
    server = start_server(
        db.url, db.tokens["board"], WORKERS, env={"EVIDENCE_DIR": str(evidence_dir)}
    )
    targets = []
    for va in OFFICERS:
        sent = call(server.port, "POST", "/api/v1/tallies", db.tokens[va], tally_body(va, "QH"))
        assert sent.status == 201, sent.body
        targets.append((db.tokens[va], sent.body["id"]))
    rounds = 5
    answers: list[tuple[int, object]] = []
    for n in range(rounds):
        data = photo(f"shared/{n}")
        barrier = threading.Barrier(len(targets), timeout=30)

        def send(token: str, record_id: int, data: bytes = data, barrier=barrier) -> None:
            barrier.wait()
            answers.append(upload(server.port, record_id, token, data))

        threads = [threading.Thread(target=send, args=target) for target in targets]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert [status for status, _ in answers] == [201] * (rounds * len(targets))
    shas = {body["sha256"] for _, body in answers}  # type: ignore[index]
    assert len(shas) == rounds
    engine, sessions = db.sessions()
    try:
        with sessions() as session:
            links = session.execute(select(TallyEvidence.record_id, TallyEvidence.sha256)).all()
            files = set(session.scalars(select(Evidence.sha256)))
    finally:
        engine.dispose()
    assert sorted(links) == sorted((record_id, sha) for _, record_id in targets for sha in shas)
    assert files == shas == {p.name for p in evidence_dir.glob("??/*")}
    assert not server.errors_logged()
