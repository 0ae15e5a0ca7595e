"""``?as_of=SEQ`` on area and unit results (CONTRACT §6.5): the answer as it stood then.

Random sequences of submissions, corrections, verifications and returns; at random moments
the live answers are read with the number of the last audit event; at the end every answer
is read again as of that event and must be the same (``updated_at`` aside: see as_of.py).
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from election.models import AuditHead
from election.services.identity import users
from election.services.results import as_of

CONTESTS = {"QH": lambda va: "QH1", "HDND_TINH": lambda va: "TP2" if va[:2] == "T2" else "TP1"}
AREAS = ("T1A-1", "T1A-2", "T1B-1", "T1B-2", "T2A-1", "T2A-2")
ROLL = {va: 1000 + 100 * i for i, va in enumerate(AREAS)}
READS = (
    "/results/areas/T?contest=QH",
    "/results/areas/T1?contest=HDND_TINH",
    "/results/areas/T1A?contest=QH",
    "/results/areas/T1A-1?contest=QH",
    "/results/areas/T2A-2?contest=HDND_TINH",
    "/results/units/QH1",
    "/results/units/TP1",
    "/results/units/TP2",
)


def figures(rng: random.Random, va: str, unit: str) -> dict:
    roll = ROLL[va]
    voted = rng.randint(0, roll)
    invalid = rng.randint(0, voted // 10)
    valid = voted - invalid
    votes, room = [valid], 2 * valid
    for _ in range(4):
        n = rng.randint(0, min(valid, room))
        votes.append(n)
        room -= n
    rng.shuffle(votes)
    return {
        "voters_on_roll": roll,
        "voters_voted": voted,
        "ballots_issued": voted,
        "ballots_received": voted,
        "ballots_valid": valid,
        "ballots_invalid": invalid,
        "votes": {f"{unit}-{i + 1}": n for i, n in enumerate(votes)},
    }


def without_times(value):
    if isinstance(value, dict):
        return {k: without_times(v) for k, v in value.items() if k != "updated_at"}
    if isinstance(value, list):
        return [without_times(v) for v in value]
    return value


def head(app) -> int:
    with app.extensions["election.sessions"]() as session:
        return session.scalar(select(AuditHead.seq))


@pytest.mark.parametrize("direction", [None, "forward", "backward"])
@pytest.mark.parametrize("seed", range(4))
def test_every_answer_as_of_an_event_is_the_live_answer_of_that_moment(
    app, client, logins, seed, direction, monkeypatch
):
    # Summed from nothing, or the live answer taken back event by event: the same answers.
    monkeypatch.setattr(as_of, "DIRECTION", direction)
    rng = random.Random(seed)
    officer = {}
    with app.extensions["election.sessions"]() as session:
        for va in AREAS:
            officer[va] = users.create_user(
                session, f"to{seed}-{va}", "officer", va, "mat-khau-dai-du", token_label="cli"
            ).token
    board = logins.headers("board")
    records: dict[tuple[str, str], list[int]] = {}  # → [id, version]
    seen: list[tuple[int, dict]] = []
    done: list[tuple[str, int]] = []
    for _step in range(24):
        va, contest = rng.choice(AREAS), rng.choice(list(CONTESTS))
        unit = CONTESTS[contest](va)
        known = records.get((va, contest))
        if known is None:
            body = {"voting_area": va, "contest": contest, **figures(rng, va, unit)}
            r = client.post(
                "/api/v1/tallies", json=body, headers={"Authorization": f"Bearer {officer[va]}"}
            )
            assert r.status_code == 201, r.get_json()
            records[(va, contest)] = [r.get_json()["id"], 1]
        else:
            rid, version = known
            action = rng.choice(["correct", "verify", "return"])
            if action == "correct":
                body = {
                    **figures(rng, va, unit),
                    "reason": "Sửa theo biên bản giấy",
                    "expected_version": version,
                }
                # A district reviewer corrects in T1; in T2 the polling team (not once verified).
                who = (
                    logins.headers("reviewer")
                    if va[:2] == "T1"
                    else {"Authorization": f"Bearer {officer[va]}"}
                )
                r = client.post(f"/api/v1/tallies/{rid}/corrections", json=body, headers=who)
                if r.status_code == 201:
                    known[1] += 1
            else:
                body = {"expected_version": version}
                if action == "return":
                    body["reason"] = "Chữ ký chưa đủ"
                r = client.post(f"/api/v1/tallies/{rid}/{action}", json=body, headers=board)
            assert r.status_code in (200, 201, 403, 409), r.get_json()
            done.append((action, r.status_code))
        if rng.random() < 0.5:
            answers = {
                path: client.get(f"/api/v1{path}", headers=board).get_json() for path in READS
            }
            seen.append((head(app), answers))
    assert seen
    assert {a for a, status in done if status < 300} == {"correct", "verify", "return"}
    for seq, answers in seen:
        for path, live in answers.items():
            sep = "&" if "?" in path else "?"
            then = client.get(f"/api/v1{path}{sep}as_of={seq}", headers=board)
            assert then.status_code == 200, then.get_json()
            assert without_times(then.get_json()) == without_times(live), (seq, path)


def test_as_of_zero_is_the_election_before_any_record(client, three):
    body = client.get(
        "/api/v1/results/areas/T1?contest=QH&as_of=0", headers=three.headers("board")
    ).get_json()
    assert (body["voting_areas_total"], body["voting_areas_reported"], body["voters_voted"]) == (
        4,
        0,
        0,
    )
    assert body["candidates"] == []


@pytest.mark.parametrize(
    ("value", "message"),
    [("abc", "Phải là số nguyên không âm"), ("-1", "Phải là số nguyên không âm"), ("99999", None)],
)
def test_a_bad_as_of_names_the_field(app, client, three, value, message):
    r = client.get(f"/api/v1/results/units/QH1?as_of={value}", headers=three.headers("board"))
    assert r.status_code == 400
    errors = r.get_json()["errors"]["as_of"]
    if message is None:
        assert errors == [f"Phải từ 0 đến {head(app)}"]
    else:
        assert errors == [message]
