"""Records backed by a photo, keyed a second time and matched: running totals (issue #19).

The small election (tests/factories.py) with second keying required. Two QH records:
``a`` of T1A-1 (ward T1A) and ``b`` of T1B-1 (ward T1B), both in district T1 of city T.
Every count below is of records, worked out by hand from the steps before it.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select, update

from election import migrate
from election.models import Area, Contest, Election, User
from election.services import evidence, tallies
from election.services.audit.chain import Actor
from election.services.evidence.store import make_store
from election.services.identity import users
from election.services.results import recompute, reporting
from election.services.setup.setup import store_setup
from election.services.tallies import keying
from tests.factories import small_setup
from tests.integration.test_tally_rules_stored import entry_for

PASSWORD = "mat-khau-dai-du"


def png(colour: str) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (10, 10), colour).save(out, "PNG")
    out.seek(0)
    return out


class Election_:
    """The small election loaded, its people, and the QH records of T1A-1 and T1B-1."""

    def __init__(self, session, store) -> None:
        self.s, self.store = session, store
        store_setup(session, small_setup(), Actor(None, "system"))
        session.execute(update(Election).values(second_keying="required"))
        session.commit()
        for name, role, scope in (
            ("to-t1a-1", "officer", "T1A-1"),
            ("to-t1b-1", "officer", "T1B-1"),
            ("kiemtra", "reviewer", "T"),
            ("ubbc", "board", None),
        ):
            users.create_user(session, name, role, scope, PASSWORD)
        self.a = tallies.submit(
            session, self.user("to-t1a-1"), "T1A-1", "QH", entry_for("T1A-1")
        ).id
        self.b = tallies.submit(
            session, self.user("to-t1b-1"), "T1B-1", "QH", entry_for("T1B-1")
        ).id

    def user(self, name: str) -> User:
        return self.s.scalar(select(User).where(User.username == name))

    def attach(self, record_id: int, colour: str) -> None:
        evidence.attach(self.s, self.store, self.user("kiemtra"), record_id, png(colour))

    def key(self, who: str, record_id: int, matching: bool) -> None:
        # T1A-2's figures differ from those of T1A-1 and T1B-1 (same unit, same candidates).
        entry = entry_for(("T1A-1" if record_id == self.a else "T1B-1") if matching else "T1A-2")
        keying.key(self.s, self.user(who), record_id, entry)

    def backing(self, area: str) -> tuple[int, int, int]:
        """(with photo, keyed, matched) of QH in ``area``, as the board page reads them."""
        qh = self.s.scalar(select(Contest.id).where(Contest.code == "QH"))
        found = reporting.backing(self.s, self.s.scalar(select(Area).where(Area.code == area)), qh)
        self.s.rollback()
        return found.with_photo, found.keyed, found.matched

    def progress(self) -> tuple[int, int, int, int]:
        """(verified, with photo, keyed, matched) of QH in the city, as /progress reads them."""
        _, rows = reporting.progress(self.s, self.user("ubbc"), "T")
        self.s.rollback()
        qh = next(p for p in rows if p.contest == "QH")
        return qh.verified, qh.with_photo, qh.keyed, qh.matched


@pytest.fixture
def election(session, tmp_path) -> Election_:
    return Election_(session, make_store("database", tmp_path))


def test_a_record_counts_once_among_those_with_a_photo_however_many_it_has(election):
    e = election
    assert e.progress() == (0, 0, 0, 0)
    e.attach(e.a, "red")
    e.attach(e.a, "blue")  # a second photo of the same record
    e.attach(e.a, "red")  # the same file again: linked once
    assert e.backing("T") == (1, 0, 0)
    e.attach(e.b, "red")  # a file already attached to another record
    assert e.backing("T") == (2, 0, 0)
    assert (e.backing("T1A"), e.backing("T1B"), e.backing("T2")) == (
        (1, 0, 0),
        (1, 0, 0),
        (0, 0, 0),
    )
    assert recompute.compare(e.s).ok


def test_keyed_and_matched_count_a_version_once_from_its_first_keying_and_first_match(election):
    e = election
    e.key("kiemtra", e.a, matching=False)
    assert e.backing("T1") == (0, 1, 0)
    e.key("ubbc", e.a, matching=True)
    assert e.backing("T1") == (0, 1, 1)
    e.key("kiemtra", e.a, matching=True)  # a third keying, a second match: nothing new
    e.key("ubbc", e.a, matching=False)  # a mismatch after a match: still matched
    assert e.backing("T1") == (0, 1, 1)
    e.key("ubbc", e.b, matching=True)
    assert e.backing("T1") == (0, 2, 2)
    assert (e.backing("T1A"), e.backing("T1B")) == ((0, 1, 1), (0, 1, 1))
    assert recompute.compare(e.s).ok


def test_a_correction_takes_the_old_versions_keyings_out_and_keeps_the_photo(election):
    e = election
    e.attach(e.a, "red")
    e.key("kiemtra", e.a, matching=False)
    e.key("ubbc", e.a, matching=True)
    e.key("ubbc", e.b, matching=True)
    assert e.progress() == (0, 1, 2, 2)
    # a, corrected by its team: version 2 is neither keyed nor matched yet.
    tallies.correct(e.s, e.user("to-t1a-1"), e.a, entry_for("T1A-1"), "Ghi nhầm", 1)
    assert e.progress() == (0, 1, 1, 1)
    assert e.backing("T1A") == (1, 0, 0)
    e.key("ubbc", e.a, matching=False)  # version 2's first keying
    assert e.progress() == (0, 1, 2, 1)
    # b, verified then corrected by a reviewer: its verification and keyings leave with v1.
    tallies.verify(e.s, e.user("ubbc"), e.b, 1)
    assert e.progress() == (1, 1, 2, 1)
    tallies.correct(e.s, e.user("kiemtra"), e.b, entry_for("T1B-1"), "Sai số", 1)
    assert e.progress() == (0, 1, 1, 0)
    assert e.backing("T1B") == (0, 0, 0)
    assert recompute.compare(e.s).ok


def test_a_returned_record_stays_counted_as_keyed_and_matched(election):
    e = election
    e.attach(e.a, "red")
    e.key("ubbc", e.a, matching=True)
    tallies.return_(e.s, e.user("ubbc"), e.a, "Xem lại ảnh", 1)
    assert e.progress() == (0, 1, 1, 1)
    assert recompute.compare(e.s).ok


def test_the_migration_fills_the_counts_from_the_records_stored(election, db_url):
    e = election
    e.attach(e.a, "red")
    e.attach(e.a, "blue")
    e.attach(e.b, "green")
    e.key("kiemtra", e.a, matching=False)
    e.key("ubbc", e.a, matching=True)
    e.key("ubbc", e.b, matching=False)
    tallies.correct(e.s, e.user("kiemtra"), e.b, entry_for("T1B-1"), "Sai số", 1)
    e.key("ubbc", e.b, matching=True)
    tallies.correct(e.s, e.user("to-t1a-1"), e.a, entry_for("T1A-1"), "Ghi nhầm", 1)
    kept = recompute.stored_totals(e.s)
    assert e.progress() == (0, 2, 1, 1)
    e.s.close()

    migrate.downgrade(db_url, "0013")
    migrate.upgrade(db_url)
    assert recompute.stored_totals(e.s) == kept
    assert e.progress() == (0, 2, 1, 1)
    assert recompute.compare(e.s).ok
