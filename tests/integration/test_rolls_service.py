"""Voter roll import: streamed, all or nothing, counts per contest by domain.md §4."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from election.domain.errors import FileInvalid
from election.models import AuditEvent, Contest, Voter, VoterCount, VotingArea
from election.services.audit import chain as audit
from election.services.audit.chain import Actor
from election.services.setup import rolls
from election.services.setup.roll_io import write_roll_csv
from election.services.setup.setup import store_setup
from tests.factories import small_setup

BORN = dt.date(1980, 1, 1)


@pytest.fixture
def loaded(session):
    store_setup(session, small_setup(), Actor(None, "system"))
    return session


def _roll(path, rows):
    write_roll_csv(
        [
            (va, seq, f"Cử tri {seq}", BORN, "Nam", "Tổ 1", kind, note)
            for va, seq, kind, note in rows
        ],
        path,
    )
    return path


def _voters(session, code):
    """Voters on the roll per contest for one voting area, as the service reads them."""
    rows = session.execute(
        select(Contest.code, VoterCount.setup_voters, VoterCount.roll_voters)
        .join(VoterCount, VoterCount.contest_id == Contest.id)
        .join(VotingArea, VotingArea.id == VoterCount.voting_area_id)
        .where(VotingArea.code == code)
    ).all()
    return {c: (roll if roll is not None else setup_) for c, setup_, roll in rows}


MIXED = [
    ("T1A-1", 1, "thuong_tru", ""),
    ("T1A-1", 2, "thuong_tru", ""),
    ("T1A-1", 3, "tam_tru_12", ""),
    ("T1A-1", 4, "tam_tru_duoi_12", ""),
    ("T1A-1", 5, "tam_giam", ""),
    ("T1A-1", 6, "quan_nhan", ""),
    ("T1A-1", 7, "thuong_tru", "bo_phieu_noi_khac"),
    ("T1A-1", 8, "thuong_tru", "den_bo_phieu"),
    # T2A-1 holds no district council: its temporary residents count in QH and city only.
    ("T2A-1", 1, "thuong_tru", ""),
    ("T2A-1", 2, "tam_tru_duoi_12", ""),
]


def test_counts_each_voter_in_the_contests_the_law_gives_them(loaded, tmp_path):
    report = rolls.import_file(loaded, _roll(tmp_path / "roll.csv", MIXED))
    # T1A-1: permanent 1, 2 and 12-month 3 vote everywhere; 4, 5, 6 vote QH, city and
    # district (2021); 7 votes elsewhere; 8 arrived with a certificate (QH, city).
    assert report.counts == {
        "T1A-1": {"QH": 7, "HDND_TINH": 7, "HDND_HUYEN": 6, "HDND_XA": 3},
        "T2A-1": {"QH": 2, "HDND_TINH": 2, "HDND_XA": 1},
    }
    assert report.voters == 10
    assert _voters(loaded, "T1A-1") == {"QH": 7, "HDND_TINH": 7, "HDND_HUYEN": 6, "HDND_XA": 3}
    # A voting area without a roll keeps the counts of the setup's voters sheet.
    assert _voters(loaded, "T1A-2") == {
        "QH": 1100,
        "HDND_TINH": 1100,
        "HDND_HUYEN": 1093,
        "HDND_XA": 1093,
    }


def test_report_text_lists_the_totals_per_contest(loaded, tmp_path):
    report = rolls.import_file(loaded, _roll(tmp_path / "roll.csv", MIXED))
    assert report.text().splitlines()[:6] == [
        "Đã nạp 10 cử tri của 2 khu vực bỏ phiếu.",
        "Số cử tri theo cấp bầu cử:",
        "  QH          Quốc hội: 9",
        "  HDND_TINH   HĐND cấp tỉnh/thành phố: 9",
        "  HDND_HUYEN  HĐND cấp huyện: 6",
        "  HDND_XA     HĐND cấp xã: 4",
    ]


def test_loading_a_roll_again_replaces_the_previous_one(loaded, tmp_path):
    rolls.import_file(loaded, _roll(tmp_path / "a.csv", MIXED))
    rolls.import_file(loaded, _roll(tmp_path / "b.csv", [("T1A-1", 1, "thuong_tru", "")]))
    n = loaded.scalar(
        select(func.count()).select_from(Voter).join(VotingArea).where(VotingArea.code == "T1A-1")
    )
    assert n == 1
    assert _voters(loaded, "T1A-1") == {"QH": 1, "HDND_TINH": 1, "HDND_HUYEN": 1, "HDND_XA": 1}
    # T2A-1 was not in the second file: its roll stays.
    assert _voters(loaded, "T2A-1") == {"QH": 2, "HDND_TINH": 2, "HDND_XA": 1}


def test_a_bad_roll_is_refused_whole_naming_every_problem(loaded, tmp_path):
    rows = [
        *MIXED,
        ("T9Z-9", 1, "thuong_tru", ""),  # row 12: unknown voting area
        ("T1A-1", 2, "thuong_tru", ""),  # row 13: seq 2 again
        ("T1A-2", 1, "khach", ""),  # row 14: unknown residence type
    ]
    with pytest.raises(FileInvalid) as refused:
        rolls.import_file(loaded, _roll(tmp_path / "roll.csv", rows))
    assert refused.value.message == "Danh sách cử tri có 3 lỗi; không có cử tri nào được nạp"
    lines = refused.value.lines
    assert lines[0] == "roll.csv!A12: Không có khu vực bỏ phiếu mã «T9Z-9»"
    assert lines[1] == "roll.csv!B13: Số thứ tự 2 bị trùng trong danh sách của khu vực «T1A-1»"
    assert lines[2].startswith("roll.csv!G14: ")
    assert loaded.scalar(select(func.count()).select_from(Voter)) == 0
    assert _voters(loaded, "T1A-1")["QH"] == 1000
    assert loaded.scalar(select(func.count()).select_from(AuditEvent)) == 1  # the setup only


def test_a_roll_import_is_one_audit_event_with_before_and_after(loaded, tmp_path):
    rolls.import_file(loaded, _roll(tmp_path / "roll.csv", MIXED[:2]))
    event = loaded.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert (event.action, event.object_type, event.object_id) == ("roll.import", "roll", "roll.csv")
    assert event.before == {
        "counts": {"T1A-1": {"QH": None, "HDND_TINH": None, "HDND_HUYEN": None, "HDND_XA": None}}
    }
    assert event.after == {
        "voters": 2,
        "counts": {"T1A-1": {"QH": 2, "HDND_TINH": 2, "HDND_HUYEN": 2, "HDND_XA": 2}},
    }
    assert audit.verify_chain(loaded).ok
