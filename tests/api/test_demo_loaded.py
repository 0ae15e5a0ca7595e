"""The city demo, loaded through the services, read back through the API."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from election.models import Contest, Unit, VoterCount, VotingArea
from election.services.identity import users
from election.services.identity.signin import authenticate
from election.services.setup import demo
from tests.unit.test_demo import HP_DISTRICTS as DISTRICTS


@pytest.fixture
def city(app):
    """The city demo with per-voter rolls for two voting areas only (the full roll takes ~30 s)."""
    with app.extensions["election.sessions"]() as session:
        demo.load(session, "city", roll_voting_areas=["HP01-01-01", "HP01-01-02"])
        token = users.create_user(
            session, "api-board", "board", password="mat-khau-dai-du", token_label="cli"
        ).token
    return {"Authorization": f"Bearer {token}"}


def test_the_city_has_its_fifteen_districts_in_order(client, city):
    body = client.get("/api/v1/areas", headers=city).get_json()
    assert body["code"] == "HP"
    assert body["name"] == "Thành phố Hải Phòng"
    assert [c["name"] for c in body["children"]] == DISTRICTS
    assert 1950 <= body["voting_areas"] <= 2100


def test_the_city_has_217_wards(app, client, city):
    wards = 0
    for district in client.get("/api/v1/areas", headers=city).get_json()["children"]:
        children = client.get(f"/api/v1/areas/{district['code']}", headers=city).get_json()[
            "children"
        ]
        wards += sum(1 for c in children if c["level"] == "ward")
    assert wards == 217


def test_qh_has_three_units_of_three_seats_with_five_candidates(client, city):
    contests = {c["code"]: c for c in client.get("/api/v1/contests", headers=city).get_json()}
    assert [(u["seats"], u["candidates"]) for u in contests["QH"]["units"]] == [(3, 5)] * 3
    tinh = contests["HDND_TINH"]["units"]
    assert len(tinh) == 14
    assert sum(u["seats"] for u in tinh) == 67


def test_each_voting_area_is_in_one_unit_per_contest_it_holds(app, city):
    with app.extensions["election.sessions"]() as session:
        per_contest = dict(
            session.execute(
                select(Contest.code, func.count())
                .join(VoterCount, VoterCount.contest_id == Contest.id)
                .group_by(Contest.code)
            ).all()
        )
        voting_areas = session.scalar(select(func.count()).select_from(VotingArea))
        qh_seats = session.scalar(
            select(func.sum(Unit.seats)).join(Contest).where(Contest.code == "QH")
        )
    assert per_contest["QH"] == voting_areas
    assert per_contest["HDND_TINH"] == voting_areas
    assert qh_seats == 9


def test_loaded_rolls_agree_with_the_setup_counts(app, city):
    with app.extensions["election.sessions"]() as session:
        rows = session.execute(
            select(VotingArea.code, VoterCount.setup_voters, VoterCount.roll_voters)
            .join(VoterCount, VoterCount.voting_area_id == VotingArea.id)
            .where(VotingArea.code.in_(["HP01-01-01", "HP01-01-02"]))
        ).all()
    assert len(rows) == 8
    assert all(setup_ == roll for _, setup_, roll in rows)


def test_the_demo_logins_work(app, city):
    with app.extensions["election.sessions"]() as session:
        for username, role, _scope, _name in demo.DEMO_USERS:
            assert authenticate(session, username, demo.DEMO_PASSWORD, "127.0.0.1").role == role
