"""The migrations build exactly the models' schema, and the database guards its invariants."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from election.db import Base
from election.models import (
    Candidate,
    TallyRecord,
    Unit,
    UnitVotingArea,
    User,
    VotingArea,
)
from election.services.audit.chain import Actor
from election.services.setup.setup import store_setup
from tests.factories import small_setup

NOW = dt.datetime(2021, 5, 23, 19, 0, tzinfo=dt.UTC)


def test_migrations_match_the_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


@pytest.fixture
def loaded(session):
    store_setup(session, small_setup(), Actor(None, "system"))
    return session


def _id(session, model, code):
    return session.scalar(select(model.id).where(model.code == code))


def _refused(session, statement, rows):
    with pytest.raises(IntegrityError):
        session.execute(statement, rows)
        session.flush()
    session.rollback()


def test_a_voting_area_is_in_at_most_one_unit_per_contest(loaded):
    s = loaded
    va = _id(s, VotingArea, "T1A-1")
    tp2 = s.scalar(select(Unit).where(Unit.code == "TP2"))
    _refused(
        s,
        insert(UnitVotingArea),
        [{"unit_id": tp2.id, "voting_area_id": va, "contest_id": tp2.contest_id}],
    )


def test_a_membership_cannot_claim_another_contest_than_its_unit(loaded):
    s = loaded
    va = _id(s, VotingArea, "T2A-1")  # holds no HDND_HUYEN
    q1 = s.scalar(select(Unit).where(Unit.code == "Q1"))
    qh1 = s.scalar(select(Unit).where(Unit.code == "QH1"))
    _refused(
        s,
        insert(UnitVotingArea),
        [{"unit_id": q1.id, "voting_area_id": va, "contest_id": qh1.contest_id}],
    )


def test_seats_outside_one_to_five_are_refused(loaded):
    s = loaded
    contest_id = s.scalar(select(Unit.contest_id).where(Unit.code == "QH1"))
    _refused(s, insert(Unit), [{"code": "X", "contest_id": contest_id, "name": "X", "seats": 6}])


def test_ballot_order_is_unique_within_a_unit(loaded):
    s = loaded
    unit_id = _id(s, Unit, "QH1")
    row = {
        "code": "QH1-9",
        "unit_id": unit_id,
        "ballot_order": 1,
        "full_name": "Ngô Văn Tám",
        "date_of_birth": dt.date(1970, 1, 1),
        "gender": "Nam",
    }
    _refused(s, insert(Candidate), [row])


def test_one_record_per_voting_area_contest_and_round(loaded):
    s = loaded
    va = _id(s, VotingArea, "T1A-1")
    contest_id = s.scalar(select(Unit.contest_id).where(Unit.code == "QH1"))
    row = {
        "voting_area_id": va,
        "contest_id": contest_id,
        "round_no": 1,
        "status": "submitted",
        "current_version": 1,
        "created_at": NOW,
        "updated_at": NOW,
    }
    s.execute(insert(TallyRecord), [row])
    s.flush()
    _refused(s, insert(TallyRecord), [row])


def test_an_officer_must_have_a_voting_area(loaded):
    row = {
        "username": "x",
        "full_name": "",
        "role": "officer",
        "password_hash": "x",
        "must_change_password": False,
        "active": True,
        "session_epoch": 0,
        "created_at": NOW,
    }
    _refused(loaded, insert(User), [row])


def test_unknown_roles_are_refused(loaded):
    row = {
        "username": "x",
        "full_name": "",
        "role": "root",
        "password_hash": "x",
        "must_change_password": False,
        "active": True,
        "session_epoch": 0,
        "created_at": NOW,
    }
    _refused(loaded, insert(User), [row])
