"""What the service stores and what the audit check proves about it."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from election.models import AuditEvent, TallyRecord, TallyVote
from election.services import tallies
from election.services.audit import check as audit_check
from election.services.audit.chain import Actor
from election.services.identity import users
from election.services.setup.setup import store_setup
from tests.factories import small_setup

VOTERS = {"T1A-1": 1000, "T1A-2": 1100, "T1B-1": 1200, "T1B-2": 1300, "T2A-1": 1400, "T2A-2": 1500}
UNITS = {
    ("QH", "T1A"): "QH1",
    ("QH", "T1B"): "QH1",
    ("QH", "T2A"): "QH1",
    ("HDND_TINH", "T1A"): "TP1",
    ("HDND_TINH", "T1B"): "TP1",
    ("HDND_TINH", "T2A"): "TP2",
}


def entry_for(voting_area: str, contest: str = "QH") -> tallies.TallyInput:
    """A valid record of the small election: 90 % turnout, 2 % invalid, votes by hand."""
    voters = VOTERS[voting_area]
    voted = voters * 9 // 10
    invalid = voted // 50
    valid = voted - invalid
    unit = UNITS[(contest, voting_area[:3])]
    votes = {
        f"{unit}-1": valid,
        f"{unit}-2": valid // 2,
        f"{unit}-3": valid // 3,
        f"{unit}-4": 7,
        f"{unit}-5": 0,
    }
    return tallies.TallyInput.from_data(
        {
            "voters_on_roll": voters,
            "voters_voted": voted,
            "ballots_issued": voted,
            "ballots_received": voted,
            "ballots_valid": valid,
            "ballots_invalid": invalid,
            "votes": votes,
        }
    )


@pytest.fixture
def submitted(session):
    store_setup(session, small_setup(), Actor(None, "system"))
    officer = users.create_user(session, "to-1", "officer", "T1A-1", "mat-khau-dai-du").user
    board = users.create_user(session, "ubbc", "board", None, "mat-khau-dai-du").user
    tallies.submit(session, officer, "T1A-1", "QH", entry_for("T1A-1"))
    tallies.correct(session, officer, 1, entry_for("T1A-1"), "Đếm lại", 1)
    tallies.verify(session, board, 1, 2)
    return session


def test_an_intact_log_verifies(submitted):
    report = audit_check.verify(submitted)
    assert (report.ok, report.events) == (True, 6)


def test_editing_a_stored_vote_is_caught_and_names_the_event(submitted):
    s = submitted
    s.execute(update(TallyVote).where(TallyVote.votes == 7).values(votes=8))
    s.commit()
    report = audit_check.verify(s)
    submit_seq = s.scalar(select(AuditEvent.seq).where(AuditEvent.action == "tally.submit"))
    assert (report.ok, report.first_bad_seq) == (False, submit_seq)
    assert report.reason == f"biên bản số 1 phiên bản 1 khác với sự kiện nhật ký số {submit_seq}"


def test_editing_a_figure_is_caught(submitted):
    s = submitted
    s.execute(
        text("UPDATE tally_version SET ballots_invalid = ballots_invalid + 1 WHERE version = 2")
    )
    s.commit()
    report = audit_check.verify(s)
    assert report.ok is False
    assert report.reason.startswith("biên bản số 1 phiên bản 2 khác với sự kiện nhật ký số ")


def test_editing_a_records_status_is_caught(submitted):
    s = submitted
    s.execute(update(TallyRecord).values(status="submitted"))
    s.commit()
    report = audit_check.verify(s)
    assert (report.ok, report.reason) == (False, "trạng thái biên bản số 1 khác với nhật ký")


def test_editing_an_event_breaks_the_chain(submitted):
    s = submitted
    s.execute(text("UPDATE audit_event SET actor = 'someone' WHERE action = 'tally.verify'"))
    s.commit()
    report = audit_check.verify(s)
    verify_seq = s.scalar(select(AuditEvent.seq).where(AuditEvent.action == "tally.verify"))
    assert (report.ok, report.first_bad_seq, report.reason) == (
        False,
        verify_seq,
        "nội dung sự kiện đã bị sửa",
    )


def test_deleting_a_version_row_is_caught(submitted):
    s = submitted
    s.execute(
        text(
            "DELETE FROM tally_vote WHERE version_id = (SELECT id FROM tally_version WHERE version = 2)"
        )
    )
    s.commit()
    assert audit_check.verify(s).ok is False


def test_every_version_is_kept(submitted):
    view = tallies.read(submitted, users.require_user(submitted, "ubbc"), 1)
    assert [v.version.version for v in view.versions] == [1, 2]
    assert [v.version.reason for v in view.versions] == [None, "Đếm lại"]
    assert view.record.status == "verified"
