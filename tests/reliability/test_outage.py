"""The database goes away under load and comes back: 503 with Retry-After, then recovery.

gunicorn reaches PostgreSQL through a TCP proxy in this process; cutting the proxy
(refusing new connections and dropping the live ones) is the outage, without
stopping the PostgreSQL server the other tests share.
"""

from __future__ import annotations

import collections
import http.client
import threading
import time

from sqlalchemy import select
from sqlalchemy.engine import make_url

from election.models import TallyRecord
from election.services.audit import check as audit_check
from election.services.results import recompute
from tests.reliability.conftest import (
    CLIENT_TIMEOUT,
    RELIABILITY,
    VOTING_AREAS,
    call,
    contests_of,
    tally_body,
)

pytestmark = RELIABILITY

WORKERS = 4
OUTAGE = 3.0  # seconds without the database
RECOVERY_LIMIT = 5.0  # seconds after the database returns


def test_database_outage_answers_503_and_recovers_by_itself(database, start_server, proxy):
    tokens = database.tokens
    via_proxy = make_url(database.url).set(host="127.0.0.1", port=proxy.port)
    server = start_server(via_proxy.render_as_string(hide_password=False), tokens["board"], WORKERS)
    stop = threading.Event()
    outage_began = threading.Event()  # submissions start with the outage, so they must retry
    log: list[tuple[float, float, str, object]] = []  # (sent, answered, what, status | error)
    answers = []
    failures: list[BaseException] = []

    def client(va: str) -> None:
        todo = list(contests_of(va))
        n = 0
        while not stop.is_set() or todo:
            n += 1
            if (
                todo and n % 2 == 0 and outage_began.is_set()
            ):  # a keyed submission, resent as is until it is stored
                contest = todo[0]
                what, method, path, body = (
                    "submit",
                    "POST",
                    "/api/v1/tallies",
                    tally_body(va, contest),
                )
                headers = {"Idempotency-Key": f"{va}/{contest}"}
            else:
                what, method, path, body, headers = (
                    "read",
                    "GET",
                    f"/api/v1/voting-areas/{va}",
                    None,
                    {},
                )
            sent = time.monotonic()
            try:
                a = call(server.port, method, path, tokens[va], body, headers, CLIENT_TIMEOUT)
            except (OSError, http.client.HTTPException) as exc:
                log.append((sent, time.monotonic(), what, type(exc).__name__))
                continue
            log.append((sent, time.monotonic(), what, a.status))
            answers.append(a)
            if what == "submit" and a.status == 201:
                todo.pop(0)
            elif what == "submit" and a.status != 503:
                failures.append(AssertionError(f"{va}/{contest}: {a.status} {a.body}"))
                return
            time.sleep(0.02)

    def guarded(va):
        try:
            client(va)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=guarded, args=(va,)) for va in VOTING_AREAS]
    for t in threads:
        t.start()
    time.sleep(0.5)
    cut_at = time.monotonic()
    dropped = proxy.cut()
    outage_began.set()
    time.sleep(OUTAGE)
    proxy.open()
    back_at = time.monotonic()
    while time.monotonic() - back_at < RECOVERY_LIMIT + 1:
        time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join(60)
    assert not failures, failures

    statuses = collections.Counter(status for *_, status in log)
    # Never a 500, never a hang: every request got an answer within the client's timeout.
    assert set(statuses) <= {200, 201, 503}, statuses
    assert all(answered - sent < CLIENT_TIMEOUT for sent, answered, *_ in log)
    unavailable = [a for a in answers if a.status == 503]
    for a in unavailable:
        assert a.headers.get("retry-after", "").isdigit(), a.headers
        assert a.headers["content-type"].startswith("application/json")
        assert a.body["code"] == "unavailable" and a.body["message"], a.body
    during = [s for sent, answered, _, s in log if sent > cut_at + 0.2 and answered < back_at]
    assert during and set(during) == {503}, collections.Counter(during)
    # Recovery by itself: the first success after the database returned, and from then on
    # (one second of grace for a worker still failing a stale connection) only successes.
    recovered_at = min(
        answered for sent, answered, _, s in log if sent >= back_at and s in (200, 201)
    )
    recovery = recovered_at - back_at
    assert recovery < RECOVERY_LIMIT, recovery
    late = [s for sent, _, _, s in log if sent > recovered_at + 1.0]
    assert late and set(late) <= {200, 201}, collections.Counter(late)
    assert not server.errors_logged()

    # Every keyed submission stored exactly once; the records and chain are whole.
    engine, sessions = database.sessions()
    try:
        with sessions() as session:
            records = session.scalars(select(TallyRecord.id)).all()
            comparison = recompute.compare(session)
            chain = audit_check.verify(session)
    finally:
        engine.dispose()
    assert len(records) == sum(len(contests_of(va)) for va in VOTING_AREAS)
    assert comparison.ok, comparison.differences[:5]
    assert chain.ok, chain
    submits_503 = sum(1 for *_, what, s in log if what == "submit" and s == 503)
    slowest_503 = max((a.seconds for a in unavailable), default=0)
    print(
        f"\n[outage] clients={len(VOTING_AREAS)} workers={WORKERS} requests={len(log)} "
        f"outage={OUTAGE:.1f}s connections dropped={dropped} statuses={dict(statuses)} "
        f"503 during outage={len(during)} slowest 503={slowest_503 * 1000:.0f}ms "
        f"recovery={recovery:.2f}s keyed submissions refused then retried={submits_503} "
        f"records={len(records)}"
    )
