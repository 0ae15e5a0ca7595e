"""Many HTTP clients against several gunicorn workers on PostgreSQL: nothing lost, nothing doubled.

Extends tests/integration/test_tally_concurrency.py (threads on the service layer) to the
whole stack: 8 client threads, 4 worker processes, each request on its own connection.
"""

from __future__ import annotations

import collections
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from election.models import Contest, TallyRecord, TallyVersion, TallyVote, VotingArea
from election.services.audit import check as audit_check
from election.services.results import recompute
from tests.reliability.conftest import RELIABILITY, VOTING_AREAS, call, places, tally_body

pytestmark = RELIABILITY

CLIENTS = 8
WORKERS = 4


def run_all(jobs):
    """Run the jobs on CLIENTS threads at once; returns their answers in order."""
    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(lambda job: job(), jobs))


def together(n: int):
    """A barrier for n jobs that must send at the same instant."""
    return threading.Barrier(n, timeout=30)


def test_submit_correct_verify_at_once_lose_nothing_and_double_nothing(database, start_server):
    tokens = database.tokens
    server = start_server(database.url, tokens["board"], WORKERS)
    port = server.port
    answers: list = []  # (kind, place, Answer) of every request, for the checks below

    def submit(va, contest, barrier=None):
        def job():
            if barrier:
                barrier.wait()
            a = call(port, "POST", "/api/v1/tallies", tokens[va], tally_body(va, contest))
            answers.append(("submit", (va, contest), a))
            return a

        return job

    def read(area="T", contest="QH"):
        def job():
            a = call(
                port, "GET", f"/api/v1/results/areas/{area}?contest={contest}", tokens["board"]
            )
            answers.append(("read", (area, contest), a))
            return a

        return job

    # Phase 1: every voting area's QH sent twice at the same instant, HDND_TINH once, reads.
    jobs = []
    for va in VOTING_AREAS:
        pair = together(2)
        jobs += [submit(va, "QH", pair), submit(va, "QH", pair), submit(va, "HDND_TINH"), read()]
    run_all(jobs)
    ids = {}
    for va in VOTING_AREAS:
        qh = [a for kind, place, a in answers if kind == "submit" and place == (va, "QH")]
        assert sorted(a.status for a in qh) == [201, 409], [(a.status, a.body) for a in qh]
        won, lost = sorted(qh, key=lambda a: a.status)
        assert lost.body["id"] == won.body["id"]
        ids[(va, "QH")] = won.body["id"]
        (tinh,) = [
            a for kind, place, a in answers if kind == "submit" and place == (va, "HDND_TINH")
        ]
        assert tinh.status == 201, tinh.body
        ids[(va, "HDND_TINH")] = tinh.body["id"]

    # Phase 2, all at once: the remaining submissions; reviewers correct HDND_TINH (two of them
    # twice from the same version); officers correct QH while the board verifies it; reads.
    def correct(who, va, contest, shift, barrier=None):
        def job():
            body = {**tally_body(va, contest, shift), "reason": "Sửa", "expected_version": 1}
            if barrier:
                barrier.wait()
            a = call(
                port, "POST", f"/api/v1/tallies/{ids[(va, contest)]}/corrections", tokens[who], body
            )
            answers.append(("correct", (va, contest), a))
            return a

        return job

    def verify(va, contest, barrier=None):
        def job():
            if barrier:
                barrier.wait()
            a = call(
                port,
                "POST",
                f"/api/v1/tallies/{ids[(va, contest)]}/verify",
                tokens["board"],
                {"expected_version": 1},
            )
            answers.append(("verify", (va, contest), a))
            return a

        return job

    jobs = []
    for va, contest in places():
        if contest in ("HDND_HUYEN", "HDND_XA"):
            jobs.append(submit(va, contest))
    for va in VOTING_AREAS:
        district = "reviewer-t1" if va.startswith("T1") else "reviewer-t2"
        if va.endswith("-1"):
            pair = together(2)
            jobs += [correct("reviewer", va, "HDND_TINH", 1, pair)]
            jobs += [correct(district, va, "HDND_TINH", 2, pair)]
            jobs += [verify(va, "QH"), read(va[:2])]
        else:
            jobs += [correct(district, va, "HDND_TINH", 1), correct(va, va, "QH", 2), read(va[:2])]
    phase_2 = len(jobs)
    run_all(jobs)

    statuses = collections.Counter(a.status for _, _, a in answers)
    assert set(statuses) <= {200, 201, 409}, statuses
    assert not server.errors_logged()
    assert all(a.status == 201 for kind, (_, c), a in answers if kind == "submit" and c != "QH")
    for va in VOTING_AREAS:
        tinh = [a.status for kind, p, a in answers if kind == "correct" and p == (va, "HDND_TINH")]
        qh = [a.status for kind, p, a in answers if kind != "read" and p == (va, "QH")][2:]
        # Two corrections from version 1 at once: one wins, the other is stale.
        assert sorted(tinh) == ([201, 409] if va.endswith("-1") else [201]), tinh
        assert qh == ([200] if va.endswith("-1") else [201]), qh

    # The database: one record per place, versions 1..n, every 201 stored, nothing more.
    engine, sessions = database.sessions()
    try:
        with sessions() as session:
            records = session.execute(
                select(
                    TallyRecord.id,
                    VotingArea.code,
                    Contest.code,
                    TallyRecord.round_no,
                    TallyRecord.current_version,
                    TallyRecord.status,
                )
                .join(VotingArea, VotingArea.id == TallyRecord.voting_area_id)
                .join(Contest, Contest.id == TallyRecord.contest_id)
            ).all()
            versions = collections.defaultdict(list)
            for record_id, version in session.execute(
                select(TallyVersion.record_id, TallyVersion.version)
            ):
                versions[record_id].append(version)
            votes_of = collections.Counter(session.scalars(select(TallyVote.version_id)).all())
            version_ids = session.scalars(select(TallyVersion.id)).all()
            comparison = recompute.compare(session)
            chain = audit_check.verify(session)
    finally:
        engine.dispose()

    keys = [(va, c, r) for _, va, c, r, _, _ in records]
    assert len(keys) == len(set(keys)) == len(places())
    assert {(va, c) for va, c, _ in keys} == set(places())
    for record_id, _, _, _, current, _ in records:
        assert sorted(versions[record_id]) == list(range(1, current + 1))
    assert all(votes_of[v] == 5 for v in version_ids)  # every version has all its votes
    created = [
        a.body for kind, _, a in answers if kind in ("submit", "correct") and a.status == 201
    ]
    stored = {(rid, v) for rid, vs in versions.items() for v in vs}
    assert {(b["id"], b["version"]) for b in created} == stored
    assert len(created) == len(stored)
    verified = [a.body["id"] for kind, _, a in answers if kind == "verify" and a.status == 200]
    assert sorted(verified) == sorted(r[0] for r in records if r[5] == "verified")
    assert comparison.ok, comparison.differences[:5]
    assert chain.ok, chain

    print(
        f"\n[concurrency] clients={CLIENTS} workers={WORKERS} requests={len(answers)} "
        f"(phase 2 at once: {phase_2}) statuses={dict(sorted(statuses.items()))} "
        f"records={len(records)} versions={len(stored)} scopes compared={comparison.scopes} "
        f"audit events={chain.events}"
    )


def test_correction_racing_verification_gives_one_winner(database, start_server):
    """An officer's correction and the board's verification of the same version, at once."""
    tokens = database.tokens
    server = start_server(database.url, tokens["board"], WORKERS)
    port = server.port
    ids = {}
    for va in VOTING_AREAS:
        a = call(port, "POST", "/api/v1/tallies", tokens[va], tally_body(va, "QH"))
        assert a.status == 201, a.body
        ids[va] = a.body["id"]
    outcome = {}

    def job(va, who):
        barrier = barriers[va]

        def run():
            if who == "board":
                path, token, body = (
                    f"/api/v1/tallies/{ids[va]}/verify",
                    tokens["board"],
                    {"expected_version": 1},
                )
            else:
                path, token = f"/api/v1/tallies/{ids[va]}/corrections", tokens[va]
                body = {**tally_body(va, "QH", 2), "reason": "Sửa", "expected_version": 1}
            barrier.wait()
            outcome[(va, who)] = call(port, "POST", path, token, body).status

        return run

    barriers = {va: together(2) for va in VOTING_AREAS}
    run_all([job(va, who) for va in VOTING_AREAS for who in ("officer", "board")])
    engine, sessions = database.sessions()
    try:
        with sessions() as session:
            status = dict(session.execute(select(TallyRecord.id, TallyRecord.status)).all())
            comparison = recompute.compare(session)
    finally:
        engine.dispose()
    for va in VOTING_AREAS:
        pair = (outcome[(va, "board")], outcome[(va, "officer")])
        # Verified first: the officer may no longer correct (403); corrected first: the
        # verification of version 1 is stale (409). Never both.
        assert pair in ((200, 403), (409, 201)), (va, pair)
        assert status[ids[va]] == ("verified" if pair[0] == 200 else "submitted")
    assert comparison.ok, comparison.differences[:5]
