"""The number of SQL statements of the hot paths does not grow with the election (no N+1).

The counts are what the code issues today (a submission: 14 on SQLite, 9 + 7 on PostgreSQL;
5 for an area read);
each test also checks that the count stays the same once more records exist, so a
statement per record or per candidate (an N+1) fails it.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from election.services import results, tallies
from election.services.audit.chain import Actor
from election.services.identity import users
from election.services.results import areas
from election.services.setup.setup import store_setup
from election.services.tallies import flags, queue
from election.services.tallies.idempotency import Key
from tests.factories import small_setup
from tests.integration.test_tally_rules_stored import entry_for


@contextmanager
def counted(session):
    statements: list[str] = []
    engine = session.get_bind()

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _plus_sqlite_begin(session, n: int) -> int:
    return n + (session.get_bind().dialect.name == "sqlite")


def _setup(session):
    store_setup(session, small_setup(), Actor(None, "system"))
    officers = {
        va: users.create_user(session, f"to-{va}", "officer", va, "mat-khau-dai-du").user
        for va in ("T1A-1", "T1A-2", "T1B-1", "T1B-2", "T2A-1", "T2A-2")
    }
    board = users.create_user(session, "ubbc", "board", None, "mat-khau-dai-du").user
    return officers, board


def test_a_submission_costs_the_same_statements_however_many_records_exist(session):
    officers, _ = _setup(session)
    # The first submission to a unit reads its candidates (one statement, once per worker
    # and setup); what is counted below is every later one.
    tallies.submit(session, officers["T1A-1"], "T1A-1", "QH", entry_for("T1A-1"))
    with counted(session) as first:
        tallies.submit(session, officers["T1A-2"], "T1A-2", "QH", entry_for("T1A-2"))
    for va in ("T1B-1", "T1B-2", "T2A-1"):
        tallies.submit(session, officers[va], va, "QH", entry_for(va))
    with counted(session) as later:
        tallies.submit(session, officers["T2A-2"], "T2A-2", "QH", entry_for("T2A-2"))
    assert len(later) == len(first)
    # Read the rate limit (with the Idempotency-Key if any), the voting area, unit and round, the
    # context with the record slot; write the record, its version and votes, the running
    # totals of the voting area's scopes, the audit event. On SQLite election.db issues the
    # BEGIN itself, which counts as one more statement.
    if session.get_bind().dialect.name == "sqlite":
        assert len(first) == 14, first
        return
    # On PostgreSQL the write leaves its event and the city's totals as one pending row (9
    # statements: the same reads and writes, less the head's three, plus the pending row, and
    # the record, its version and votes as one; the head and the city untouched; with an
    # Idempotency-Key its row goes with the pending row), and the step after its commit takes
    # them: lock the head,
    # take the pending rows, insert the event, move the head, add to the city's and the unit's
    # totals, the city's part and the candidates' votes (7).
    writes = first[: first.index(next(s for s in first if "FOR UPDATE" in s and "audit_head" in s))]
    assert len(writes) == 9, writes
    assert not [s for s in writes if "audit_head" in s or "audit_event (" in s], writes
    assert len(first) == 9 + 7, first
    # An Idempotency-Key is read with the rate limit and stored with the pending row: the
    # same count (10 if it were inserted on its own).
    key = Key.of("k-count", "POST", "/api/v1/tallies", {"n": 1})
    with counted(session) as keyed:
        tallies.submit(
            session, officers["T1B-1"], "T1B-1", "HDND_TINH", entry_for("T1B-1", "HDND_TINH"), key
        )
    assert len(keyed) == 9 + 7, keyed
    assert [s for s in keyed if s.startswith("WITH key_row AS")], keyed


def test_an_area_read_costs_the_same_statements_for_one_record_or_six(session):
    officers, board = _setup(session)
    for va in ("T1A-1", "T2A-1"):
        tallies.submit(session, officers[va], va, "QH", entry_for(va))
    # The first read of a setup's candidates loads their names and units (two statements,
    # once per worker); what is counted below is every later read.
    results.area_result(session, board, "T", "QH")

    def read() -> list[str]:
        areas._AREA_RESULTS.items.clear()
        session.rollback()
        session.refresh(board)
        with counted(session) as statements:
            results.area_result(session, board, "T", "QH")
        return statements

    one = read()
    for va in ("T1A-2", "T1B-1", "T1B-2", "T2A-2"):
        tallies.submit(session, officers[va], va, "QH", entry_for(va))
    six = read()
    # The contest, the area, its total (with the setup's hash), the units' valid ballots,
    # the candidates' votes (the transaction was begun by the refresh, on SQLite too).
    assert len(six) == len(one) == 5, six
    # Unchanged since: the worker's result is reused after one read of the area's total.
    with counted(session) as again:
        results.area_result(session, board, "T", "QH")
    assert len(again) < len(six)


def test_a_page_of_the_queue_costs_the_same_statements_for_two_records_or_twelve(session):
    officers, board = _setup(session)

    def page() -> int:
        with counted(session) as statements:
            found = queue.queue(session, board, queue.QueueFilter(status=None))
            queue.waiting(session, board)
            flags.flags_of_records(session, board, [i.id for i in found.items])
        return len(statements)

    tallies.submit(session, officers["T1A-1"], "T1A-1", "QH", entry_for("T1A-1"))
    tallies.submit(session, officers["T1A-2"], "T1A-2", "QH", entry_for("T1A-2"))
    two = page()
    for va in ("T1B-1", "T1B-2", "T2A-1", "T2A-2"):
        tallies.submit(session, officers[va], va, "QH", entry_for(va))
    for va in officers:
        tallies.submit(session, officers[va], va, "HDND_TINH", entry_for(va, "HDND_TINH"))
    assert page() == two
