"""The reviewer's queue (issue #20): the true count, every page, and the filters."""

from __future__ import annotations

import dataclasses

import pytest

from election.domain.errors import Conflict, Forbidden, InvalidInput
from election.services import tallies
from election.services.audit.chain import Actor
from election.services.identity import users
from election.services.setup.setup import store_setup
from election.services.tallies.queue import (
    QueueFilter,
    areas_in_scope,
    carried,
    next_record,
    position,
    queue,
    waiting,
)
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


def _order(session, user, chosen=QueueFilter()) -> list[int]:
    return [i.id for i in queue(session, user, chosen, 1, per_page=50).items]


def test_after_a_decision_the_next_record_follows_in_the_queue_order(session, twelve):
    board = twelve["board"]
    # Submitted in the order T1A-1 QH (1), T1A-1 HĐND (2), … T2A-2 HĐND (12); the one record
    # with a warning (T2A-2 QH, 11) first, then the oldest change.
    assert _order(session, board) == [11, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12]
    before = position(session, board, 1)
    assert (before.voting_area, before.contest) == ("T1A-1", "QH")
    tallies.verify(session, board, 1, 1)
    assert next_record(session, board, QueueFilter(), before.key, 1) == 2
    # The same decision under the QH filter goes on to the next QH record, T1A-2's (3).
    assert next_record(session, board, QueueFilter(contest="QH"), before.key, 1) == 3
    # After the last record: back to the first one still waiting, never the one decided.
    last = position(session, board, 12).key
    assert next_record(session, board, QueueFilter(), last, 12) == 11
    assert next_record(session, board, QueueFilter(warnings_only=True), last, 11) is None
    assert next_record(session, board, QueueFilter(warnings_only=True), last, 12) == 11
    assert position(session, board, 999) is None
    assert position(session, twelve["district"], 11) is None  # T2A-2: outside district T1


def test_the_waiting_count_and_the_areas_of_the_scope(session, twelve):
    board, district = twelve["board"], twelve["district"]
    assert (waiting(session, board), waiting(session, district)) == (12, 8)
    tallies.verify(session, board, 1, 1)
    assert (waiting(session, board), waiting(session, district)) == (11, 7)
    assert areas_in_scope(session, board) == [
        ("T1", "Quận Một", 0),
        ("T1A", "Phường An Biên", 1),
        ("T1B", "Phường Cát Dài", 1),
        ("T2", "Huyện Hai", 0),
        ("T2A", "Xã Đồng Thái", 1),
    ]
    assert areas_in_scope(session, district) == [
        ("T1A", "Phường An Biên", 0),
        ("T1B", "Phường Cát Dài", 0),
    ]


def test_a_filter_from_a_query_string_and_back(session, twelve):
    args = {"status": "all", "contest": "QH", "area": "", "warnings": "1", "q": "T2", "page": "3"}
    assert QueueFilter.of(args) == QueueFilter(None, "QH", None, True, "T2")
    assert carried(args) == {"status": "all", "contest": "QH", "warnings": "1", "q": "T2"}
    assert QueueFilter.of({}) == QueueFilter()
    with pytest.raises(InvalidInput):
        QueueFilter.of({"status": "deleted"})


def test_a_stale_version_is_refused_with_what_changed(session, twelve):
    board, district = twelve["board"], twelve["district"]
    seen = entry_for("T1B-2", "QH")  # record 7
    f = seen.figures
    changed = tallies.TallyInput(
        dataclasses.replace(f, votes={**f.votes, "QH1-4": 1007}, comment="Đếm lại phiếu"),
        {"complaints_received": 2},
    )
    tallies.correct(session, district, 7, changed, "Cộng sót một nghìn phiếu", 1)
    with pytest.raises(Conflict) as refused:
        tallies.verify(session, board, 7, 1)
    message = refused.value.message
    assert message.startswith(
        "Trong lúc bạn xem phiên bản 1, biên bản đã có phiên bản 2, do kiemtra lưu lúc "
    )
    # The field changes, in the paper form's order, numbers in the Vietnamese format.
    assert message.endswith(
        ", lý do «Cộng sót một nghìn phiếu». Đã thay đổi: "
        "phiếu bầu cho Phạm Thị Dung: 7 → 1.007; "
        "Số đơn khiếu nại, tố cáo nhận được: 0 → 2; "
        "ghi chú: «» → «Đếm lại phiếu». Hãy tải lại để xem thay đổi rồi làm lại"
    )
