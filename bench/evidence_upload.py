"""Evidence uploads: the time to accept a 5 MB photo against `cp` of the same bytes, and the
memory of a worker while it takes ten at once.

Usage: .venv/bin/python -m bench.evidence_upload [--uploads N] [--at-once 10]

A fresh SQLite demo city (the database only holds the records and the rows of the files;
the bytes go to ``EVIDENCE_DIR``, a directory of this run) and ten officers' records. The
photo is made with Pillow as a 12-megapixel phone takes it: 4032 × 3024, a colour gradient
under Gaussian noise, JPEG quality 92, about 5 MB. Every upload sends a different file (one
pixel changed): the same bytes twice would be stored once and the second upload would skip
the store. The service decodes it, re-encodes it (quality 90, no metadata; the long side is
capped at 4096 px, which this photo is under) and stores it by its SHA-256 (fsync, rename).

1. Time: gunicorn with 2 sync workers (as deployed); N uploads one after the other, each
   timed from the first byte sent to the 201 read. Interleaved with them, as references on
   the same file system as ``EVIDENCE_DIR``: ``cp photo.jpg <EVIDENCE_DIR>/…`` (the process
   included) and the same ``cp`` followed by an fsync of the copy (the store fsyncs).
2. Memory: one gthread worker with 10 threads, so that ten uploads are in one process at
   once (sync workers take one request each: their peak is one upload's). Its peak RSS
   (VmHWM, reset first) over its RSS at rest: one upload alone, ten 5 MB bodies that are not
   photos (refused by content once received: what receiving ten bodies costs), and ten
   photos at once. Multipart bodies over 500 KB are spooled to temporary files by werkzeug,
   so ten bodies should cost far less than their 50 MB; decoding cannot be streamed: a
   12-megapixel photo is 36 MB of pixels while it is re-encoded.

Printed: the figures and one JSON line. ``measure()`` returns them; ``markdown(result)``
gives the section of docs/BENCHMARKS.md (bench/run.py).
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import secrets
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from PIL import Image, ImageChops

from bench._procs import Gunicorn, reset_peak, status_kib
from election import create_app, migrate
from election.db import make_engine, make_sessionmaker
from election.services.setup import demo

SIZE = (4032, 3024)
QUALITY = 92
NOISE = 13  # the noise's standard deviation: about 5 MB at this size and quality
# glibc keeps freed blocks of up to 32 MiB in each thread's arena once it has seen one freed
# (its mmap threshold rises): a fixed threshold gives a photo's pixels back when it is done.
MMAP_1MIB = {"MALLOC_MMAP_THRESHOLD_": str(1024 * 1024)}


def photos(count: int) -> list[bytes]:
    """``count`` different JPEGs of the same photo-like picture, one pixel apart."""
    w = SIZE[0]
    light = Image.linear_gradient("L").resize(SIZE)
    flips = (Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.FLIP_TOP_BOTTOM)
    colour = Image.merge("RGB", (light, *(light.transpose(f) for f in flips)))
    noise = Image.merge("RGB", [Image.effect_noise(SIZE, NOISE) for _ in range(3)])
    picture = ImageChops.add(colour, noise, 1.0, -128)
    out = []
    for n in range(count):
        picture.putpixel((n % w, n // w), (n % 256, 255 - n % 256, 0))
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=QUALITY)
        out.append(buffer.getvalue())
    return out


def upload(port: int, record_id: int, token: str, data: bytes) -> tuple[int, dict, float]:
    """One multipart upload on a new connection: (status, JSON body, seconds)."""
    boundary = secrets.token_hex(16)
    body = b"".join(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="bien-ban.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode(),
            data,
            f"\r\n--{boundary}--\r\n".encode(),
        )
    )
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        conn.request("POST", f"/api/v1/tallies/{record_id}/evidence", body=body, headers=headers)
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    return response.status, json.loads(raw), time.perf_counter() - started


def _records(port: int, url: str, count: int) -> list[tuple[str, int]]:
    """(officer token, record id) of ``count`` records submitted over HTTP."""
    from bench.submit_load import prepare_submissions

    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        pool = prepare_submissions(session, count)
    engine.dispose()
    out = []
    for s in pool:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {s.token}"}
        conn.request("POST", "/api/v1/tallies", body=s.body, headers=headers)
        response = conn.getresponse()
        answer = json.loads(response.read())
        conn.close()
        if response.status != 201:
            raise SystemExit(f"submitting {s.voting_area}/{s.contest}: {response.status} {answer}")
        out.append((s.token, answer["id"]))
    return out


def _at_once(port: int, jobs: list[tuple[str, int, bytes]]) -> list[tuple[int, dict, float]]:
    """Send the uploads from as many threads, released together."""
    barrier = threading.Barrier(len(jobs))
    answers: list = [None] * len(jobs)

    def send(i: int, token: str, record_id: int, data: bytes) -> None:
        barrier.wait(60)
        answers[i] = upload(port, record_id, token, data)

    threads = [threading.Thread(target=send, args=(i, *job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    return answers


def _ms(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return {"n": len(ms), "p50_ms": round(q[49], 1), "p99_ms": round(q[98], 1)}


def _timed(cmd: list[str], fsync: Path | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True)
    if fsync is not None:
        fd = os.open(fsync, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return time.perf_counter() - started


def filesystem(path: Path) -> str:
    """The type and device of the file system ``path`` is on (the longest mount point above it)."""
    best = ("", "?", "?")
    for line in Path("/proc/mounts").read_text().splitlines():
        device, point, kind = line.split()[:3]
        if path.resolve().is_relative_to(point) and len(point) >= len(best[0]):
            best = (point, kind, device)
    return f"{best[1]} on {best[2]}"


def _worker_mib(server: Gunicorn) -> tuple[int, float, float]:
    """(pid, RSS, peak RSS) of the server's only worker, in MiB."""
    (pid,) = server.worker_pids()
    return pid, (status_kib(pid, "VmRSS") or 0) / 1024, (status_kib(pid, "VmHWM") or 0) / 1024


def _growth(server: Gunicorn, send) -> tuple[dict, list]:
    """The worker's RSS at rest, then its peak while ``send()`` runs, in MiB; its answers."""
    pid, rest, _ = _worker_mib(server)
    if not reset_peak(pid):
        raise SystemExit("cannot reset the worker's VmHWM (/proc/<pid>/clear_refs)")
    answers = send()
    _, _, peak = _worker_mib(server)
    figures = {
        "rest_mib": round(rest, 1),
        "peak_mib": round(peak, 1),
        "growth_mib": round(peak - rest, 1),
        "statuses": sorted({a[0] for a in answers}),
        "seconds": round(max(a[2] for a in answers), 2),
    }
    return figures, answers


def _memory(url: str, env: dict, records: list[tuple[str, int]], files: list[bytes]) -> dict:
    """One gthread worker with a thread per record: one photo alone, then as many bodies that
    are not photos at once, then as many photos at once (``files``: a warm-up, one, the rest)."""
    at_once = len(records)
    memory = {}
    threads = ("--worker-class", "gthread", "--threads", str(at_once))
    with Gunicorn(url, 1, options=threads, env=env) as server:
        server.wait_ready()
        token, record_id = records[0]
        if upload(server.port, record_id, token, files[0])[0] != 201:  # imports, connects
            raise SystemExit("warm-up upload to the gthread worker failed")
        memory["one"], _ = _growth(
            server, lambda: [upload(server.port, record_id, token, files[1])]
        )
        size = len(files[0])
        junk = [(*record, b"not a photo" + os.urandom(size)) for record in records]
        memory["bodies"], _ = _growth(server, lambda: _at_once(server.port, junk))
        ten = [(*record, data) for record, data in zip(records, files[2:], strict=True)]
        memory["ten"], answers = _growth(server, lambda: _at_once(server.port, ten))
    if len({a[1]["sha256"] for a in answers}) != at_once:
        raise SystemExit("the photos sent at once were not stored as as many files")
    for key, expected in (("one", [201]), ("bodies", [415]), ("ten", [201])):
        if memory[key]["statuses"] != expected:
            raise SystemExit(f"memory run {key!r}: statuses {memory[key]['statuses']}")
    return memory


def measure(uploads: int = 40, at_once: int = 10) -> dict:
    """Both measurements (see the module's docstring) in a temporary directory, removed after."""
    work = Path(tempfile.mkdtemp(prefix="bench-evidence-"))
    try:
        return _measure(work, uploads, at_once)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _measure(work: Path, uploads: int, at_once: int) -> dict:
    started = time.monotonic()
    url = f"sqlite:///{work / 'bench.db'}"
    migrate.upgrade(url)
    # The app's sessionmaker: the demo's TOTP secrets are sealed with the key the server reads.
    app = create_app({"DATABASE_URL": url})
    with app.extensions["election.sessions"]() as session:
        demo.load(session, "city", roll_voting_areas=[])
    evidence = work / "evidence"
    env = {"EVIDENCE_DIR": str(evidence)}
    files = photos(2 + uploads + 2 * (2 + at_once))  # warm-ups, timed, two memory runs
    source = work / "photo.jpg"
    source.write_bytes(files[0])
    shas: list[str] = []
    times: list[float] = []
    cp: list[float] = []
    cp_fsync: list[float] = []
    with Gunicorn(url, 2, env=env) as server:
        server.wait_ready()
        records = _records(server.port, url, at_once)
        for answer in _at_once(server.port, [(*records[i], files[i]) for i in range(2)]):
            if answer[0] != 201:  # the warm-up: each worker imports Pillow, opens the store
                raise SystemExit(f"warm-up upload: {answer[0]} {answer[1]}")
        copy = evidence / "cp-reference.jpg"
        for n in range(uploads):
            token, record_id = records[n % len(records)]
            status, body, seconds = upload(server.port, record_id, token, files[2 + n])
            if status != 201:
                raise SystemExit(f"upload {n}: {status} {body}")
            shas.append(body["sha256"])
            times.append(seconds)
            cp.append(_timed(["cp", str(source), str(copy)]))
            copy.unlink()
            cp_fsync.append(_timed(["cp", str(source), str(copy)], fsync=copy))
            copy.unlink()
    stored = [(evidence / sha[:2] / sha).stat().st_size for sha in shas]
    with Image.open(evidence / shas[0][:2] / shas[0]) as image:
        stored_size = image.size
    sent = [len(f) for f in files[2 : 2 + uploads]]

    per_run = 2 + at_once  # a warm-up, one alone, ten at once
    rest = files[2 + uploads :]
    memory = {
        "default": _memory(url, env, records, rest[:per_run]),
        "mmap_1mib": _memory(url, env | MMAP_1MIB, records, rest[per_run:]),
    }
    time_ms, cp_ms, cp_fsync_ms = _ms(times), _ms(cp), _ms(cp_fsync)
    return {
        "photo": {
            "pixels": list(SIZE),
            "sent_mb": round(statistics.mean(sent) / 1e6, 2),
            "stored_mb": round(statistics.mean(stored) / 1e6, 2),
            "stored_pixels": list(stored_size),
            "decoded_mib": round(SIZE[0] * SIZE[1] * 3 / 2**20, 1),
        },
        "upload": time_ms,
        "cp": cp_ms,
        "cp_fsync": cp_fsync_ms,
        "ratio_cp": round(time_ms["p50_ms"] / cp_ms["p50_ms"], 1),
        "ratio_cp_fsync": round(time_ms["p50_ms"] / cp_fsync_ms["p50_ms"], 1),
        "filesystem": filesystem(evidence),
        "at_once": at_once,
        "memory": memory,
        "seconds": round(time.monotonic() - started, 1),
    }


RUNS = (("default", "glibc's defaults"), ("mmap_1mib", "MALLOC_MMAP_THRESHOLD_=1048576"))


def text(r: dict) -> str:
    p, n = r["photo"], r["at_once"]
    lines = [
        f"photo: {p['pixels'][0]} × {p['pixels'][1]} JPEG, {p['sent_mb']} MB sent; stored "
        f"{p['stored_pixels'][0]} × {p['stored_pixels'][1]}, {p['stored_mb']} MB, "
        f"on {r['filesystem']}",
        f"accept a photo (2 sync workers, {r['upload']['n']} uploads one at a time): "
        f"p50 {r['upload']['p50_ms']} ms, p99 {r['upload']['p99_ms']} ms",
        f"cp of the same bytes, same file system: p50 {r['cp']['p50_ms']} ms "
        f"(ratio {r['ratio_cp']}×); cp + fsync: p50 {r['cp_fsync']['p50_ms']} ms "
        f"(ratio {r['ratio_cp_fsync']}×)",
    ]
    for key, title in RUNS:
        m = r["memory"][key]
        lines.append(
            f"gthread worker ({n} threads, {title}) at rest {m['one']['rest_mib']} MiB; peak "
            f"growth: one photo {m['one']['growth_mib']} MiB, {n} non-photo bodies at once "
            f"{m['bodies']['growth_mib']} MiB, {n} photos at once {m['ten']['growth_mib']} MiB "
            f"({m['ten']['seconds']} s)"
        )
    lines.append(
        f"for comparison: {n} bodies are {n * p['sent_mb']:.0f} MB, one photo's pixels "
        f"{p['decoded_mib']} MiB"
    )
    return "\n".join(lines)


def markdown(r: dict | None) -> list[str]:
    """The section of docs/BENCHMARKS.md."""
    lines = ["## Evidence upload", ""]
    if not r:
        return [*lines, "Not measured: see the failures below.", ""]
    p, n = r["photo"], r["at_once"]
    lines += [
        "`.venv/bin/python -m bench.evidence_upload` (bench/evidence_upload.py; its docstring "
        f"says how): a {p['pixels'][0]} × {p['pixels'][1]} photo-like JPEG (gradient under "
        f"noise) of {p['sent_mb']} MB, a different one (one pixel) per upload, stored re-encoded "
        f"as {p['stored_pixels'][0]} × {p['stored_pixels'][1]} ({p['stored_mb']} MB, under the "
        f"4096 px cap), in a directory store on the run's temporary directory ({r['filesystem']}; "
        f"`cp` writes there too). {r['seconds']:.0f} s.",
        "",
        "| measure | p50 | p99 | ratio of p50s |",
        "|---|---|---|---|",
        f"| accept a photo over HTTP (2 sync workers, {r['upload']['n']} uploads one at a time) "
        f"| {r['upload']['p50_ms']} ms | {r['upload']['p99_ms']} ms | — |",
        f"| `cp` of the same bytes to the same file system | {r['cp']['p50_ms']} ms | "
        f"{r['cp']['p99_ms']} ms | upload = {r['ratio_cp']}× |",
        f"| the same `cp`, then fsync of the copy (the store fsyncs) | "
        f"{r['cp_fsync']['p50_ms']} ms | {r['cp_fsync']['p99_ms']} ms | "
        f"upload = {r['ratio_cp_fsync']}× |",
        "",
        f"Memory of one gthread worker with {n} threads: its peak RSS (VmHWM, reset first) over "
        "its RSS at rest just before, in MiB. The service re-writes at most two images at a "
        "time per process (the others wait with their bodies on disk); with glibc's default "
        "malloc, memory a thread's arena got back stays in the process, so the second run "
        "fixes the mmap threshold at 1 MiB.",
        "",
        "| while it takes | " + " | ".join(title for _, title in RUNS) + " | for comparison |",
        "|---|---|---|---|",
    ]
    m = [r["memory"][key] for key, _ in RUNS]
    rows = [
        ("at rest (RSS)", "rest_mib", "one", "—"),
        ("one photo", "growth_mib", "one", f"its pixels decoded: {p['decoded_mib']} MiB"),
        (
            f"{n} bodies of {p['sent_mb']} MB at once, not photos (415 once received)",
            "growth_mib",
            "bodies",
            f"{n} bodies held whole: {n * p['sent_mb']:.0f} MB",
        ),
        (
            f"{n} photos at once",
            "growth_mib",
            "ten",
            f"{n} photos' pixels: {n * p['decoded_mib']:.0f} MiB",
        ),
    ]
    for label, field, phase, compare in rows:
        lines.append(
            f"| {label} | " + " | ".join(str(x[phase][field]) for x in m) + f" | {compare} |"
        )
    return [*lines, ""]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.evidence_upload", description=__doc__)
    parser.add_argument("--uploads", type=int, default=40, help="timed uploads (40)")
    parser.add_argument("--at-once", type=int, default=10, help="uploads at once (10)")
    args = parser.parse_args(argv)
    result = measure(args.uploads, args.at_once)
    print(text(result))
    print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
