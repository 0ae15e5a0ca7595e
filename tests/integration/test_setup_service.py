"""Setup import and export: whole or nothing, and a round trip that changes nothing."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from election import migrate
from election.db import make_engine, make_sessionmaker
from election.domain.errors import Conflict, FileInvalid
from election.models import Area, AuditEvent, Candidate, Election, VotingArea
from election.services.audit import chain as audit
from election.services.audit.chain import Actor
from election.services.setup import setup, setup_io, setup_writer
from tests.factories import small_setup

SYSTEM = Actor(None, "system")


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def _workbook_with(data: bytes, sheet: str, cell: str, value) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    wb[sheet][cell] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_stores_the_definition_and_reads_it_back_unchanged(session):
    setup.store_setup(session, small_setup(), SYSTEM)
    assert setup.read_setup(session) == small_setup()
    assert _count(session, VotingArea) == 6
    assert _count(session, Candidate) == 35


def test_area_paths_make_subtrees_one_prefix(session):
    setup.store_setup(session, small_setup(), SYSTEM)
    paths = dict(session.execute(select(Area.code, Area.path)).all())
    assert paths == {
        "T": "/T/",
        "T1": "/T/T1/",
        "T2": "/T/T2/",
        "T1A": "/T/T1/T1A/",
        "T1B": "/T/T1/T1B/",
        "T2A": "/T/T2/T2A/",
    }


def test_export_then_import_into_an_empty_database_gives_the_same_election(
    session, sessions, tmp_path
):
    setup.store_setup(session, small_setup(), SYSTEM)
    exported = setup.export_workbook(session)
    # A second, empty database built by the same migrations.
    url = f"sqlite:///{tmp_path / 'second.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as other:
        setup.import_workbook(other, exported)
        assert setup.read_setup(other) == small_setup()
        assert setup_io.read_setup(setup.export_workbook(other)).setup == small_setup()
    engine.dispose()


def test_import_workbook_round_trip_on_this_database(session):
    data = setup_writer.write_setup(small_setup())
    summary = setup.import_workbook(session, data)
    assert summary == (
        "Đã nạp thiết lập: 6 khu vực hành chính, 6 khu vực bỏ phiếu, 4 cấp bầu cử, "
        "7 đơn vị bầu cử, 35 người ứng cử."
    )
    assert setup.read_setup(session) == small_setup()


def test_a_bad_workbook_is_refused_whole_with_every_cell_named(session):
    data = setup_writer.write_setup(small_setup())
    data = _workbook_with(data, "units", "D2", 4)  # QH unit with 4 seats
    data = _workbook_with(data, "candidates", "E3", "1990-02-30")  # no such day
    with pytest.raises(FileInvalid) as refused:
        setup.import_workbook(session, data)
    lines = refused.value.lines
    assert any(line.startswith("units!D2: ") and "từ 1 đến 3 (đang là 4)" in line for line in lines)
    assert any(line.startswith("candidates!E3: ") for line in lines)
    assert _count(session, Election) == 0
    assert _count(session, Area) == 0
    assert _count(session, AuditEvent) == 0


def test_a_second_setup_is_refused(session):
    setup.store_setup(session, small_setup(), SYSTEM)
    with pytest.raises(Conflict):
        setup.store_setup(session, small_setup(), SYSTEM)
    assert _count(session, Election) == 1


def test_storing_a_setup_writes_one_audit_event(session):
    setup.store_setup(session, small_setup(), SYSTEM)
    events = session.scalars(select(AuditEvent)).all()
    assert [(e.seq, e.action, e.actor) for e in events] == [(1, "setup.import", "system")]
    assert events[0].after == {
        "name": "Bầu cử thử nghiệm",
        "areas": 6,
        "contests": 4,
        "units": 7,
        "candidates": 35,
        "voting_areas": 6,
    }
    assert audit.verify_chain(session).ok


def test_editing_an_audit_event_in_the_database_is_detected(session):
    setup.store_setup(session, small_setup(), SYSTEM)
    audit.append(session, SYSTEM, "test.second", "x", 1, None, {"n": 1})
    audit.append(session, SYSTEM, "test.third", "x", 2, None, {"n": 2})
    session.commit()
    assert audit.verify_chain(session).events == 3
    session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(after={"n": 99}))
    session.commit()
    report = audit.verify_chain(session)
    assert (report.ok, report.first_bad_seq) == (False, 2)


def test_deleting_the_last_audit_event_is_detected(session):
    setup.store_setup(session, small_setup(), SYSTEM)
    audit.append(session, SYSTEM, "test.second", "x", 1, None, None)
    session.commit()
    session.query(AuditEvent).filter(AuditEvent.seq == 2).delete()
    session.commit()
    assert audit.verify_chain(session).ok is False
