"""A write whose settle did not run (its worker died right after the commit): nothing is lost.

On PostgreSQL a write leaves its audit event and what it adds to the city's totals in a
``pending_write`` row, settled right after its commit (election/services/settle.py). Here the
settle fails; the record is stored, the totals with the pending delta still equal the records,
and the next settle (``flask settle``, or any later write) chains the event and folds the totals.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from election.models import Area, AuditEvent, Contest, PendingWrite, ResultTotal
from election.services import settle as settle_module
from election.services.audit import chain
from election.services.identity import users
from election.services.results import as_of, recompute
from tests.api.conftest import tally_body


def _city_qh_reported(app) -> int:
    with app.extensions["election.sessions"]() as session:
        return session.scalar(
            select(ResultTotal.reported).where(
                ResultTotal.scope_kind == "area",
                ResultTotal.scope_id == select(Area.id).where(Area.code == "T").scalar_subquery(),
                ResultTotal.contest_id
                == select(Contest.id).where(Contest.code == "QH").scalar_subquery(),
                ResultTotal.round_no == 1,
            )
        )


def _pending(app) -> int:
    with app.extensions["election.sessions"]() as session:
        return session.scalar(select(func.count()).select_from(PendingWrite))


def test_a_write_whose_settle_failed_is_settled_later(app, client, three, monkeypatch, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite settles in the write's own transaction")
    with app.extensions["election.sessions"]() as session:
        token = users.create_user(
            session, "to-t1b-2", "officer", "T1B-2", "mat-khau-dai-du", token_label="cli"
        ).token
    before = _city_qh_reported(app)

    def dies(_session):
        raise settle_module.SQLAlchemyError("the worker died after the commit")

    monkeypatch.setattr(settle_module, "settle", dies)
    sent = client.post(
        "/api/v1/tallies", json=tally_body("T1B-2"), headers={"Authorization": f"Bearer {token}"}
    )
    assert sent.status_code == 201, sent.get_json()
    monkeypatch.undo()

    assert _pending(app) == 1
    assert _city_qh_reported(app) == before  # the city's row waits for the settle
    with app.extensions["election.sessions"]() as session:
        assert recompute.compare(session).ok  # the stored totals plus the pending delta
        assert as_of._head(session) is None  # as-of reads sum the records meanwhile
        submits = session.scalar(select(func.count()).where(AuditEvent.action == "tally.submit"))

    result = app.test_cli_runner().invoke(args=["settle"])
    assert result.exit_code == 0, result.output
    assert result.output == "Đã xử lý 1 lần ghi còn chờ\n"
    assert _pending(app) == 0
    assert _city_qh_reported(app) == before + 1
    with app.extensions["election.sessions"]() as session:
        assert recompute.compare(session).ok
        assert chain.verify_chain(session).ok
        assert (
            session.scalar(select(func.count()).where(AuditEvent.action == "tally.submit"))
            == submits + 1
        )
        last = session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
        assert (last.action, last.object_id) == ("tally.submit", str(sent.get_json()["id"]))
