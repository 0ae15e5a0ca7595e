"""The batch path used to fill elections stores exactly what one-by-one submissions store."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from election.db import make_engine, make_sessionmaker
from election.domain.errors import Conflict, RuleBroken
from election.models import AuditEvent, TallyVersion
from election.services import tallies
from election.services.audit import check as audit_check
from election.services.audit.chain import Actor
from election.services.identity import users
from election.services.results import recompute
from election.services.setup.setup import store_setup
from election.services.tallies import bulk
from tests.factories import small_setup
from tests.integration.test_tally_rules_stored import entry_for

JOBS = [(va, c) for va in ("T1A-1", "T1A-2", "T1B-1", "T2A-1") for c in ("QH", "HDND_TINH")]


def _load(sessions):
    with sessions() as s:
        store_setup(s, small_setup(), Actor(None, "system"))
        for va in {va for va, _ in JOBS}:
            users.create_user(s, f"to-{va.lower()}", "officer", va, "mat-khau-dai-du")


def _stored(sessions):
    with sessions() as s:
        versions = [
            (
                v.record_id,
                v.voters_voted,
                v.ballots_valid,
                v.ballots_invalid,
                tuple(w["code"] for w in v.warnings),
            )
            for v in s.scalars(select(TallyVersion).order_by(TallyVersion.id))
        ]
        events = [
            (e.action, e.actor, e.object_id, e.after)
            for e in s.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "tally.submit")
                .order_by(AuditEvent.seq)
            )
        ]
        return (
            versions,
            events,
            recompute.stored_totals(s),
            recompute.stored_votes(s),
            recompute.stored_parts(s),
        )


def test_a_batch_equals_one_by_one_submissions(sessions, tmp_path, request):
    _load(sessions)
    with sessions() as s:
        items = [
            bulk.Item(users.require_user(s, f"to-{va.lower()}"), va, c, entry_for(va, c))
            for va, c in JOBS
        ]
        assert bulk.submit_many(s, items) == len(JOBS)
        assert audit_check.verify(s).ok
        assert recompute.compare(s).ok
    batch = _stored(sessions)

    path = tmp_path / "single.db"
    shutil.copy(request.getfixturevalue("_sqlite_template"), path)
    engine = make_engine(f"sqlite:///{path}")
    single = make_sessionmaker(engine)
    _load(single)
    with single() as s:
        for va, c in JOBS:
            tallies.submit(s, users.require_user(s, f"to-{va.lower()}"), va, c, entry_for(va, c))
    one_by_one = _stored(single)
    engine.dispose()
    assert batch == one_by_one


def test_a_batch_with_a_broken_record_stores_nothing(sessions):
    _load(sessions)
    with sessions() as s:
        good = bulk.Item(users.require_user(s, "to-t1a-1"), "T1A-1", "QH", entry_for("T1A-1"))
        broken_entry = entry_for("T1A-2")
        broken_entry = tallies.TallyInput(
            type(broken_entry.figures)(**{**broken_entry.figures.__dict__, "ballots_invalid": 0})
        )
        broken = bulk.Item(users.require_user(s, "to-t1a-2"), "T1A-2", "QH", broken_entry)
        with pytest.raises(RuleBroken):
            bulk.submit_many(s, [good, broken])
        s.rollback()
        assert s.scalar(select(TallyVersion.id)) is None
        bulk.submit_many(s, [good])
        with pytest.raises(Conflict):
            bulk.submit_many(s, [good])
