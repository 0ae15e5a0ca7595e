"""Issue 6, backup and restore: a restored backup has the same totals and a valid audit chain."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from election.db import make_engine, make_sessionmaker
from election.models import AuditEvent, TallyRecord
from election.services import tallies
from election.services.audit import backup
from election.services.audit import check as audit_check
from election.services.audit.chain import Actor
from election.services.identity import users
from election.services.results import recompute
from election.services.setup.setup import store_setup
from tests.factories import small_setup
from tests.integration.test_tally_rules_stored import entry_for


def _state(session) -> dict:
    """What a restore must bring back exactly."""
    return {
        "totals": recompute.stored_totals(session),
        "votes": recompute.stored_votes(session),
        "records": session.scalar(select(func.count()).select_from(TallyRecord)),
        "events": session.scalar(select(func.count()).select_from(AuditEvent)),
        "last_hash": session.scalar(select(AuditEvent.hash).order_by(AuditEvent.seq.desc())),
    }


def _healthy(session) -> None:
    comparison = recompute.compare(session)
    assert comparison.ok, comparison.differences
    report = audit_check.verify(session)
    assert report.ok, (report.first_bad_seq, report.reason)


@pytest.fixture
def election(db_url, sessions):
    """The small election with three QH records: one corrected, one verified."""
    if not db_url.startswith("sqlite"):
        try:
            backup._tool("pg_dump")
            backup._tool("pg_restore")
        except backup.BackupError:
            pytest.skip("pg_dump / pg_restore are not installed")
    with sessions() as session:
        store_setup(session, small_setup(), Actor(None, "system"))
        board = users.create_user(session, "ubbc", "board", None, "mat-khau-dai-du").user
        officers = {
            va: users.create_user(
                session, f"to-{va.lower()}", "officer", va, "mat-khau-dai-du"
            ).user
            for va in ("T1A-1", "T1A-2", "T1B-1", "T1B-2")
        }
        for va in ("T1A-1", "T1A-2", "T1B-1"):
            tallies.submit(session, officers[va], va, "QH", entry_for(va))
        tallies.correct(session, officers["T1A-1"], 1, entry_for("T1A-1"), "Nhập lại", 1)
        tallies.verify(session, board, 2, 1)
    return officers


def test_a_restored_backup_has_the_same_totals_and_a_valid_audit_chain(
    db_url, engine, sessions, election, tmp_path
):
    with sessions() as session:
        _healthy(session)
        before = _state(session)
    assert before["records"] == 3 and before["totals"]

    path = backup.backup(db_url, tmp_path / "backup.bin")
    assert path.stat().st_size > 0

    # After the backup: one more record, then the vote rows and running totals are wrecked.
    with sessions() as session:
        tallies.submit(session, election["T1B-2"], "T1B-2", "QH", entry_for("T1B-2"))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM tally_vote"))
        conn.execute(text("UPDATE result_total SET ballots_valid = ballots_valid + 1"))
    with sessions() as session:
        assert not recompute.compare(session).ok
        assert not audit_check.verify(session).ok
    engine.dispose()

    backup.restore(path, db_url)

    restored = make_engine(db_url)
    try:
        with make_sessionmaker(restored)() as session:
            _healthy(session)
            assert _state(session) == before
            # The restored database takes new work where the backup left off.
            tallies.submit(session, election["T1B-2"], "T1B-2", "QH", entry_for("T1B-2"))
            _healthy(session)
            assert audit_check.verify(session).events == before["events"] + 1
    finally:
        restored.dispose()


def test_restoring_a_missing_file_is_refused(db_url, tmp_path):
    with pytest.raises(backup.BackupError, match="Không có tệp sao lưu"):
        backup.restore(tmp_path / "khong-co.bin", db_url)
