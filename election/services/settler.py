"""The settle step off the request: one thread per worker process, a short delay after writes.

A write on PostgreSQL commits its record and the totals of its ward and district, then asks
this process's settler to run ``settle`` (``services.settle``) and answers at once. The
settler waits ``delay`` seconds, so that the writes of that spell are settled together (one
lock of the head, one fold of their summed far totals), then settles in a session of its own.

What stays true:

- every committed pending row is settled: a write asks after its commit, and the settler
  clears the request before it starts the settle, whose statements then see the row (or
  another process's settler already took it, under the head's lock);
- the submitter reads its own write at once where it looks first: the record, its ward's
  and district's totals, and the unit's when the unit lies inside the district; the city,
  the country and the units that span districts, and the event's number in the chain, follow
  ``delay`` plus one settle later (tens of milliseconds);
- a settle that fails (database restarted, connection cut) leaves its rows pending and is
  tried again after a growing pause, up to ``MAX_PAUSE`` seconds; at the process's exit
  what is still asked is settled once more; what a killed process left waits for the next
  write's settle or for ``flask settle``.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time

from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MAX_PAUSE = 5.0


class Settler:
    """Settles this process's committed writes in a thread, ``delay`` seconds after them."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.sessions: sessionmaker[Session] | None = None  # set once the sessionmaker exists
        self._cond = threading.Condition()
        self._asked = False
        self._busy = False
        self._pid: int | None = None
        # Figures for the benchmarks: settles run, writes settled, the thread's CPU seconds.
        self.runs = 0
        self.settled = 0
        self.cpu_seconds = 0.0

    def ask(self) -> None:
        """Ask for a settle soon (a write just committed pending work)."""
        with self._cond:
            self._asked = True
            if self._pid != os.getpid():  # first ask in this process (e.g. a forked worker)
                self._pid = os.getpid()
                self._busy = False
                threading.Thread(target=self._run, name="settler", daemon=True).start()
                atexit.register(self.flush)
            self._cond.notify_all()

    def wait(self, timeout: float = 10.0) -> bool:
        """Wait until nothing asked is left unsettled; whether that happened in ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._asked or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def flush(self) -> None:
        """Settle now what was asked (at the process's exit)."""
        with self._cond:
            if not self._asked:
                return
        self.wait(timeout=max(2 * self.delay, 1.0) + 1.0)

    def _run(self) -> None:
        pause = self.delay
        while True:
            with self._cond:
                while not self._asked:
                    self._cond.wait()
            time.sleep(pause)
            with self._cond:
                self._asked = False
                self._busy = True
            started = time.thread_time()
            try:
                settled = self._settle()
            except Exception:  # the thread must outlive any failure
                pause = min(max(pause, 0.05) * 2, MAX_PAUSE)
                log.warning("settling failed; trying again in %.1f s", pause, exc_info=True)
                with self._cond:
                    self._asked = True
            else:
                pause = self.delay
                self.runs += 1
                self.settled += settled
            finally:
                self.cpu_seconds += time.thread_time() - started
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _settle(self) -> int:
        from election.services.settle import settle_now

        assert self.sessions is not None
        with self.sessions() as session:
            return settle_now(session)
