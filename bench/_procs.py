"""Processes the benchmarks start: a gunicorn server, its workers' memory, free ports.

Linux only (/proc). The server is always stopped by ``stop()`` (use it as a context manager).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    """Live (not zombie) child processes of ``pid``, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return sorted(found)


def status_kib(pid: int, field: str) -> int | None:
    """A ``kB`` field of /proc/<pid>/status (VmHWM: peak RSS, VmRSS: current RSS)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_ticks(pid: int) -> int:
    """User + system CPU time of a process, in clock ticks (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def reset_peak(pid: int) -> bool:
    """Reset a process's VmHWM to its current RSS (Linux ≥ 4.0, our own processes only)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class Gunicorn:
    """``gunicorn --workers W [options] wsgi:app`` on a free local port, against
    ``database_url``, with ``env`` added to the environment (e.g. ``EVIDENCE_DIR``)."""

    def __init__(
        self,
        database_url: str,
        workers: int,
        timeout: int = 60,
        options: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = Path(tempfile.mkstemp(prefix="bench-gunicorn-", suffix=".log")[1])
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            # A fixed key: without one the app would write instance/secret_key.
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret-key"),
            **(env or {}),
        }
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--workers",
                    str(workers),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--timeout",
                    str(timeout),
                    *options,
                    "wsgi:app",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(self, exc_type, *_exc) -> None:
        if exc_type is not None:
            print(f"gunicorn log ({self.log}):\n{self.tail()}", file=sys.stderr)
        self.stop(keep_log=exc_type is not None)

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)

    def wait_ready(self, timeout: float = 60) -> None:
        """Until the port answers and every worker has booted and gone idle (app imported)."""
        deadline = time.monotonic() + timeout
        last: dict[int, int] = {}
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.tail()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.5).close()
            except OSError:
                time.sleep(0.1)
                continue
            pids = self.worker_pids()
            now = {pid: cpu_ticks(pid) for pid in pids}
            if len(pids) >= self.workers and now == last and all(now.values()):
                return
            last = now
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn not ready after {timeout} s: {self.tail()}")

    def tail(self, size: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-size:]
        except OSError:
            return ""

    def reset_peaks(self) -> None:
        for pid in self.worker_pids():
            reset_peak(pid)

    def peak_rss_mib(self) -> dict[int, float]:
        """Each live worker's peak RSS (VmHWM) in MiB."""
        out = {}
        for pid in self.worker_pids():
            kib = status_kib(pid, "VmHWM")
            if kib is not None:
                out[pid] = kib / 1024
        return out

    def stop(self, keep_log: bool = False) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if not keep_log:
            self.log.unlink(missing_ok=True)
