"""The reviewer's queue (issue #20): the true count, every page, and the filters."""

from __future__ import annotations

import pytest

from election.domain.errors import Forbidden, InvalidInput
from election.services import tallies
from election.services.audit.chain import Actor
from election.services.identity import users
from election.services.setup.setup import store_setup
from election.services.tallies.queue import QueueFilter, queue
from tests.factories import small_setup
from tests.integration.test_tally_rules_stored import entry_for

AREAS = ("T1A-1", "T1A-2", "T1B-1", "T1B-2", "T2A-1", "T2A-2")


@pytest.fixture
def twelve(session):
    """QH and HĐND thành phố records of all six voting areas; T2A-2's QH has a warning."""
    store_setup(session, small_setup(), Actor(None, "system"))
    for va in AREAS:
        officer = users.create_user(
            session, f"to-{va.lower()}", "officer", va, "mat-khau-dai-du"
        ).user
        for contest in ("QH", "HDND_TINH"):
            entry = entry_for(va, contest)
            if (va, contest) == ("T2A-2", "QH"):
                f = entry.figures
                figures = {
                    **vars(f),
                    "ballots_issued": f.ballots_issued + 5,
                    "ballots_received": f.ballots_received + 5,
                    "ballots_invalid": f.ballots_invalid + 5,
                }
                entry = tallies.TallyInput.from_data(figures)
            tallies.submit(session, officer, va, contest, entry)
    return {
        "board": users.create_user(session, "ubbc", "board", None, "mat-khau-dai-du").user,
        "district": users.create_user(session, "kiemtra", "reviewer", "T1", "mat-khau-dai-du").user,
    }


def test_every_record_is_counted_and_paged(session, twelve):
    board = twelve["board"]
    first = queue(session, board, QueueFilter(), 1, per_page=5)
    assert (first.total, first.pages, len(first.items), first.first, first.last) == (12, 3, 5, 1, 5)
    # The record with a warning comes first; the pages together hold every record once.
    assert first.items[0].voting_area == "T2A-2" and first.items[0].contest == "QH"
    seen = [i.id for p in (1, 2, 3) for i in queue(session, board, QueueFilter(), p, 5).items]
    assert sorted(seen) == list(range(1, 13))
    assert queue(session, board, QueueFilter(), 3, 5).last == 12
    with pytest.raises(InvalidInput):
        queue(session, board, QueueFilter(), 4, 5)


def test_the_filters_and_the_scope(session, twelve):
    board, district = twelve["board"], twelve["district"]

    def count(user, **chosen) -> int:
        return queue(session, user, QueueFilter(**chosen)).total

    assert count(board, contest="QH") == 6
    assert count(board, area="T1A") == 4  # two voting areas × two contests
    assert count(board, warnings_only=True) == 1
    assert count(board, search="T2A") == 4
    assert count(board, search="%") == 0  # a wildcard typed is a character searched
    assert count(board, status="verified") == 0
    assert count(board, status=None) == 12
    assert count(district) == 8  # district T1: four voting areas
    assert count(district, area="T1B", contest="HDND_TINH") == 2
    with pytest.raises(Forbidden):
        count(district, area="T2A")
    with pytest.raises(InvalidInput):
        count(board, contest="XX")
