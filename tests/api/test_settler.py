"""The settle step in the worker's settler thread (``SETTLE_DELAY_MS`` > 0, PostgreSQL).

A write answers as soon as its own transaction commits: its ward's and district's totals hold
it at once; the city's totals and the event's number in the chain follow when the settler
runs, ``delay`` later, for every write of that spell together. A settle that fails is tried
again; at the process's exit what was asked is settled.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from election import create_app
from election.models import Area, AuditEvent, Contest, PendingWrite, ResultTotal, VotingArea
from election.services import settler as settler_module
from election.services.audit import chain
from election.services.identity import users
from election.services.results import recompute
from tests.api.conftest import tally_body
from tests.conftest import app_config

pytestmark = pytest.mark.db

DELAY_MS = 3000  # long enough that the test reads before the settler runs


@pytest.fixture
def deferred(db_url, tmp_path, three):
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite settles in the write's own transaction")
    app = create_app(app_config(db_url, tmp_path, SETTLE_DELAY_MS=DELAY_MS))
    yield app
    app.extensions["election.settler"].wait()
    app.extensions["election.engine"].dispose()


def _qh_reported(app, area_id: int) -> int:
    with app.extensions["election.sessions"]() as session:
        return session.scalar(
            select(ResultTotal.reported).where(
                ResultTotal.scope_kind == "area",
                ResultTotal.scope_id == area_id,
                ResultTotal.contest_id
                == select(Contest.id).where(Contest.code == "QH").scalar_subquery(),
                ResultTotal.round_no == 1,
            )
        )


def _scopes(app, va: str) -> tuple[int, int, int]:
    """(ward, district, city) ids of a voting area."""
    with app.extensions["election.sessions"]() as session:
        ward = session.scalar(select(VotingArea.area_id).where(VotingArea.code == va))
        district = session.scalar(select(Area.parent_id).where(Area.id == ward))
        city = session.scalar(select(Area.parent_id).where(Area.id == district))
        return ward, district, city


def _count(app, query) -> int:
    with app.extensions["election.sessions"]() as session:
        return session.scalar(query)


def _submit(app, va: str):
    with app.extensions["election.sessions"]() as session:
        token = users.create_user(
            session, f"to-{va.lower()}", "officer", va, "mat-khau-dai-du", token_label="cli"
        ).token
    return app.test_client().post(
        "/api/v1/tallies", json=tally_body(va), headers={"Authorization": f"Bearer {token}"}
    )


def test_the_ward_and_district_hold_a_write_at_once_the_city_after_the_settle(deferred):
    app, settler = deferred, deferred.extensions["election.settler"]
    ward, district, city = _scopes(app, "T1B-2")
    before = {s: _qh_reported(app, s) for s in (ward, district, city)}
    events = _count(app, select(func.count()).select_from(AuditEvent))

    sent = _submit(app, "T1B-2")
    assert sent.status_code == 201, sent.get_json()

    # Read right after the answer: the submitter's own areas already count it.
    assert _qh_reported(app, ward) == before[ward] + 1
    assert _qh_reported(app, district) == before[district] + 1
    assert _qh_reported(app, city) == before[city]
    # The user's creation and the record, each its own write.
    assert _count(app, select(func.count()).select_from(PendingWrite)) == 2
    with app.extensions["election.sessions"]() as session:
        assert recompute.compare(session).ok  # stored totals plus the pending delta

    assert settler.wait(timeout=30)
    assert _qh_reported(app, city) == before[city] + 1
    assert _count(app, select(func.count()).select_from(PendingWrite)) == 0
    # Their events, numbered after the three earlier records'.
    assert _count(app, select(func.count()).select_from(AuditEvent)) == events + 2
    with app.extensions["election.sessions"]() as session:
        assert recompute.compare(session).ok
        assert chain.verify_chain(session).ok
        last = session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
        assert (last.action, last.object_id) == ("tally.submit", str(sent.get_json()["id"]))


def test_the_writes_of_one_spell_are_settled_together(deferred):
    app, settler = deferred, deferred.extensions["election.settler"]
    runs, settled = settler.runs, settler.settled
    for va in ("T1B-2", "T2A-1", "T2A-2"):
        assert _submit(app, va).status_code == 201
    assert settler.wait(timeout=30)
    # Six writes (three users, three records), all asked within the delay: one settle.
    assert (settler.runs - runs, settler.settled - settled) == (1, 6)
    with app.extensions["election.sessions"]() as session:
        assert recompute.compare(session).ok
        assert chain.verify_chain(session).ok


def test_a_failed_settle_is_tried_again(deferred, monkeypatch):
    app, settler = deferred, deferred.extensions["election.settler"]
    real = settler_module.Settler._settle
    failures = []

    def fails_once(self):
        if not failures:
            failures.append(1)
            raise settler_module_error()
        return real(self)

    monkeypatch.setattr(settler_module.Settler, "_settle", fails_once)
    assert _submit(app, "T2A-2").status_code == 201
    assert settler.wait(timeout=30)
    assert failures == [1]
    assert _count(app, select(func.count()).select_from(PendingWrite)) == 0
    with app.extensions["election.sessions"]() as session:
        assert recompute.compare(session).ok
        assert chain.verify_chain(session).ok


def settler_module_error() -> Exception:
    from sqlalchemy.exc import OperationalError

    return OperationalError("SELECT 1", {}, Exception("the server closed the connection"))


def test_what_was_asked_is_settled_at_exit(deferred):
    app, settler = deferred, deferred.extensions["election.settler"]
    assert _submit(app, "T2A-1").status_code == 201
    settler.flush()  # what atexit runs
    assert _count(app, select(func.count()).select_from(PendingWrite)) == 0
