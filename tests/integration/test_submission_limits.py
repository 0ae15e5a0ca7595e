"""The rate limit and the Idempotency-Key, read in one statement, keep their order."""

from __future__ import annotations

import pytest

from election.domain.errors import TooManyRequests
from election.services import tallies
from election.services.audit import chain as audit
from election.services.audit.chain import Actor
from election.services.identity import users
from election.services.setup.setup import store_setup
from election.services.tallies.idempotency import Key
from tests.factories import small_setup
from tests.integration.test_tally_rules_stored import entry_for


def test_the_sixty_first_change_in_a_minute_is_refused_but_a_stored_answer_is_replayed(session):
    store_setup(session, small_setup(), Actor(None, "system"))
    officer = users.create_user(session, "to-T1A-1", "officer", "T1A-1", "mat-khau-dai-du").user
    key = Key.of("k-1", "POST", "/api/v1/tallies", {"voting_area": "T1A-1"})
    receipt = tallies.submit(session, officer, "T1A-1", "QH", entry_for("T1A-1"), key)
    change = audit.Event(Actor.of(officer), "tally.correct", "tally", receipt.id)
    audit.append_many(session, [change] * 59)
    session.commit()
    with pytest.raises(TooManyRequests) as refused:
        tallies.submit(session, officer, "T1A-1", "HDND_TINH", entry_for("T1A-1", "HDND_TINH"))
    assert str(refused.value).startswith("Quá 60 lần gửi biên bản trong một phút")
    assert 1 <= refused.value.retry_after <= 61
    session.rollback()
    assert tallies.submit(session, officer, "T1A-1", "QH", entry_for("T1A-1"), key) == receipt


def test_fifty_nine_changes_in_a_minute_leave_room_for_one_more(session):
    store_setup(session, small_setup(), Actor(None, "system"))
    officer = users.create_user(session, "to-T1A-1", "officer", "T1A-1", "mat-khau-dai-du").user
    receipt = tallies.submit(session, officer, "T1A-1", "QH", entry_for("T1A-1"))
    change = audit.Event(Actor.of(officer), "tally.correct", "tally", receipt.id)
    audit.append_many(session, [change] * 58)
    session.commit()
    stored = tallies.submit(session, officer, "T1A-1", "HDND_TINH", entry_for("T1A-1", "HDND_TINH"))
    assert stored.version == 1
