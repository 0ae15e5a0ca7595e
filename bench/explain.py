"""The plans of every statement on the hot paths, on a loaded PostgreSQL database.

Usage: DATABASE_URL=postgresql+psycopg://… .venv/bin/python -m bench.explain
Runs, inside a transaction that is rolled back at the end, one real submission (to a
voting area without a record) and the reads of the root's and a district's totals and
of progress, capturing each statement with its parameters; then asks PostgreSQL for the
plan of each (``EXPLAIN``; for reads also ``ANALYZE``) and prints the access path of
every table. A sequential scan of a table that grows with the election (records,
versions, votes, audit events, totals, rolls) is a missing index: it is listed, and the
exit status is 1. Small fixed tables (contests, levels, the election) may be scanned.
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
from dataclasses import dataclass

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from election.db import _Session as AppSession
from election.db import make_engine
from election.demo.tallies import candidate_weights, plausible_tally
from election.models import Area, AreaLevel, User
from election.services import results, tallies
from election.services.audit.chain import Actor
from election.services.identity import users
from election.services.results import areas
from election.services.setup import structure

# Tables whose size does not grow with the election (audit_head is one row): a scan is fine.
# pending_write holds only the writes not settled yet (a handful), each settle takes it whole.
SMALL = {"contest", "election", "area_level", "alembic_version", "audit_head", "pending_write"}


@dataclass(frozen=True)
class Plan:
    path: str  # "submit" or "read"
    statement: str
    scans: list[tuple[str, str]]  # (node type, table)
    ms: float | None

    @property
    def bad(self) -> list[str]:
        return [t for node, t in self.scans if node == "Seq Scan" and t not in SMALL]


def _scans(node: dict) -> list[tuple[str, str]]:
    out = []
    if "Relation Name" in node:
        out.append((node["Node Type"], node["Relation Name"]))
    for child in node.get("Plans", []):
        out += _scans(child)
    return out


def capture(session: Session, work) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []
    engine = session.get_bind()

    def listen(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            # A statement run for many rows is planned once: explain it with the first.
            seen.append((statement, parameters[0] if executemany else parameters))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return seen


def explain(session: Session, path: str, statement: str, parameters) -> Plan:
    is_read = statement.lstrip().upper().startswith("SELECT") and "FOR UPDATE" not in statement
    options = "(ANALYZE, FORMAT JSON)" if is_read else "(FORMAT JSON)"
    raw = session.connection().exec_driver_sql(f"EXPLAIN {options} {statement}", parameters)
    doc = raw.scalar()
    doc = json.loads(doc) if isinstance(doc, str) else doc
    top = doc[0]
    return Plan(
        path,
        re.sub(r"\s+", " ", statement)[:110],
        _scans(top["Plan"]),
        top.get("Execution Time"),
    )


def main() -> None:
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgresql"):
        raise SystemExit("bench.explain needs a PostgreSQL DATABASE_URL")
    engine = make_engine(url)
    connection = engine.connect()
    outer = connection.begin()
    # The app's session class: its commit settles what the submission left pending, so the
    # settle's statements are explained with the submission's.
    session = AppSession(bind=connection, join_transaction_mode="create_savepoint")
    try:
        free = session.execute(
            text(
                "SELECT va.code, c.code FROM unit_voting_area uva "
                "JOIN voting_area va ON va.id = uva.voting_area_id "
                "JOIN contest c ON c.id = uva.contest_id "
                "WHERE NOT EXISTS (SELECT 1 FROM tally_record tr WHERE tr.voting_area_id = "
                "uva.voting_area_id AND tr.contest_id = uva.contest_id) LIMIT 1"
            )
        ).first()
        if free is None:
            raise SystemExit("no voting area without a record: load with --fill below 100")
        va_code, contest_code = free
        slot = next(s for s in structure.fill_plan(session)[va_code] if s.contest == contest_code)
        team = users.ensure_team_accounts(session, [va_code], Actor(None, "system"))[va_code]
        entry = tallies.TallyInput.from_data(
            plausible_tally(
                random.Random(1),
                slot.voters,
                slot.seats,
                slot.candidates,
                candidate_weights(1, slot.unit, len(slot.candidates)),
            )
        )
        root = session.scalar(select(Area).where(Area.parent_id.is_(None)))
        district = session.scalar(
            select(Area).join(AreaLevel).where(AreaLevel.code == "district").order_by(Area.id)
        )
        board = session.scalar(select(User).where(User.role.in_(("board", "admin"))))
        if board is None:
            board = users.create_user(session, "explain-board", "board", None, "x" * 16).user
        submitted = capture(
            session, lambda: tallies.submit(session, team, va_code, contest_code, entry)
        )
        areas._AREA_RESULTS.items.clear()
        read = capture(
            session,
            lambda: (
                results.area_result(session, board, root.code, "QH"),
                results.area_result(session, board, district.code, "QH"),
                results.progress(session, board, root.code),
            ),
        )
        plans = [explain(session, "submit", s, p) for s, p in submitted]
        plans += [explain(session, "read", s, p) for s, p in read]
    finally:
        session.close()
        outer.rollback()
        connection.close()
        engine.dispose()
    bad = [p for p in plans if p.bad]
    for p in plans:
        scans = ", ".join(f"{node} on {table}" for node, table in p.scans) or "no table"
        ms = f"{p.ms:.2f} ms" if p.ms is not None else "—"
        print(f"[{p.path}] {ms:>9}  {scans}\n    {p.statement}")
    print(
        f"\n{len(plans)} statements ({sum(p.path == 'submit' for p in plans)} of the submission); "
        f"sequential scans of growing tables: {len(bad)}"
    )
    for p in bad:
        print(f"  SEQ SCAN {', '.join(p.bad)}: {p.statement}")
    print(json.dumps({"statements": len(plans), "seq_scans_of_growing_tables": len(bad)}))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
