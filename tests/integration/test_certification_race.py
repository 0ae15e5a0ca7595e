"""A correction racing a certification never leaves a valid certification over a changed
record (issue #17): run the two at once, many times, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

from sqlalchemy import select

from election.domain import certification as law
from election.domain.errors import Conflict
from election.models import Certification, TallyRecord, User
from election.services import tallies
from election.services.audit.chain import Actor
from election.services.certification import certify
from election.services.identity import users
from election.services.setup.setup import store_setup
from tests.factories import small_setup
from tests.integration.test_tally_rules_stored import entry_for

AREAS = ("T1A-1", "T1A-2", "T1B-1", "T1B-2", "T2A-1", "T2A-2")


def _ready(sessions) -> tuple[int, int, int]:
    """Every QH record in and verified; (board id, reviewer id, record id of T1A-1)."""
    with sessions() as session:
        store_setup(session, small_setup(), Actor(None, "system"))
        board = users.create_user(session, "ubbc", "board", None, "mat-khau-dai-du").user
        reviewer = users.create_user(session, "kiemtra", "reviewer", "T1", "mat-khau-dai-du").user
        for va in AREAS:
            officer = users.create_user(
                session, f"to-{va.lower()}", "officer", va, "mat-khau-dai-du"
            ).user
            tallies.submit(session, officer, va, "QH", entry_for(va))
        for record_id in range(1, 7):
            tallies.verify(session, board, record_id, 1)
        return board.id, reviewer.id, 1


def _current_digest(session) -> str:
    records = list(
        session.scalars(
            select(TallyRecord).where(TallyRecord.contest_id == 1).order_by(TallyRecord.id)
        )
    )
    return law.digest(certify._version_lines(session, records))


def _sign(sessions, board_id, barrier, outcomes, errors) -> None:
    with sessions() as session:
        user = session.get(User, board_id)
        barrier.wait()
        try:
            certify.certify_unit(session, user, "QH1", 1)
            outcomes.append("certified")
        except Conflict:
            outcomes.append("refused")
        except BaseException as exc:  # reported by the test
            errors.append(exc)


def _correct(sessions, reviewer_id, record_id, reason, barrier, errors) -> None:
    with sessions() as session:
        user = session.get(User, reviewer_id)
        version = session.get(TallyRecord, record_id).current_version
        barrier.wait()
        try:
            tallies.correct(session, user, record_id, entry_for("T1A-1"), reason, version)
        except BaseException as exc:  # reported by the test
            errors.append(exc)


def test_a_correction_racing_a_certification_leaves_no_valid_stale_certification(sessions):
    board_id, reviewer_id, record_id = _ready(sessions)
    outcomes: list[str] = []
    for attempt in range(1, 7):
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []
        threads = [
            threading.Thread(target=_sign, args=(sessions, board_id, barrier, outcomes, errors)),
            threading.Thread(
                target=_correct,
                args=(sessions, reviewer_id, record_id, f"Lần {attempt}", barrier, errors),
            ),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        with sessions() as session:
            valid = session.scalars(
                select(Certification).where(Certification.valid.is_(True))
            ).all()
            # Whatever the order, nothing valid is signed over what is no longer there.
            for cert in valid:
                assert cert.digest == _current_digest(session)
            assert session.get(TallyRecord, record_id).status == "submitted"
            assert valid == []  # the correction came last or first: never a valid one now
            board = session.get(User, board_id)
            version = session.get(TallyRecord, record_id).current_version
            tallies.verify(session, board, record_id, version)
    assert len(outcomes) == 6
