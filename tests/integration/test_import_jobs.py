"""Uploaded setups and rolls: checked as the CLI checks them, previewed, applied by a job.

Counts come from tests/factories.small_setup: city T; districts T1, T2; wards T1A, T1B, T2A;
six voting areas (T2A's hold no district council); units QH 1, HĐND thành phố 2, HĐND
huyện 1, HĐND xã 3; 5 candidates per unit (35); voter counts 4 × 4 + 2 × 3 = 22.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from sqlalchemy import func, select

from election.models import Area, AuditEvent, Election, ImportJob, Voter, VoterCount, VotingArea
from election.services.audit.chain import Actor
from election.services.identity import users
from election.services.imports import check, jobs, worker
from election.services.setup import rolls
from election.services.setup.roll_io import write_roll_csv
from election.services.setup.setup import store_setup
from election.services.setup.setup_writer import write_setup
from tests.factories import small_setup

BORN = dt.date(1980, 1, 1)
ADMIN = Actor(None, "system")


@pytest.fixture
def settings(tmp_path):
    directory = tmp_path / "imports"
    directory.mkdir()
    return jobs.Settings(directory, stale_seconds=60, expiry_hours=24)


@pytest.fixture
def admin(session):
    return users.create_user(session, "quantri", "admin", None, "mat-khau-dai-du").user


def _roll(path, rows):
    write_roll_csv(
        [(va, seq, f"Cử tri {seq}", BORN, "Nam", "Tổ 1", kind, "") for va, seq, kind in rows], path
    )
    return path


def _job(session, settings, admin, source, name, checked):
    stored = "f-" + name
    shutil.copy(source, settings.directory / stored)
    return jobs.create(session, admin, checked, name, stored, "ab" * 32, 10)


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_clean_setup_workbook_previews_every_table_it_adds(session, tmp_path):
    path = tmp_path / "thiet-lap.xlsx"
    path.write_bytes(write_setup(small_setup()))
    checked = check.check_setup_file(session, path)
    assert checked.problems == []
    assert checked.preview["election"] == "Bầu cử thử nghiệm"
    assert [n for _, n in checked.preview["rows"]] == [1, 2, 3, 6, 4, 1, 2, 1, 3, 35, 22]
    assert checked.rows == 80
    assert _count(session, Area) == 0  # checking stores nothing


def test_a_setup_workbook_with_errors_names_each_cell(session, tmp_path):
    bad = small_setup()
    bad.units[1].seats = 9  # TP1, units row 3: more seats than a city council unit may have
    bad.candidates[0].gender = "X"  # QH1-1, candidates row 2
    path = tmp_path / "thiet-lap.xlsx"
    path.write_bytes(write_setup(bad))
    checked = check.check_setup_file(session, path)
    where = [(p.sheet, p.cell) for p in checked.problems]
    assert ("units", "D3") in where
    assert ("candidates", "F2") in where
    assert checked.problem_count == len(checked.problems)
    assert not checked.wrong_type
    assert checked.problems[0].anchor == "o-" + where[0][0] + "-" + where[0][1]


def test_a_file_that_is_not_a_workbook_is_the_wrong_type(session, tmp_path):
    path = tmp_path / "thiet-lap.xlsx"
    path.write_text("chỉ là chữ")
    checked = check.check_setup_file(session, path)
    assert checked.wrong_type
    assert [p.message for p in checked.problems] == [
        "Tệp không phải là sổ tính Excel (.xlsx) hợp lệ"
    ]


def test_a_roll_previews_voters_per_area_against_today(session, tmp_path):
    store_setup(session, small_setup(), ADMIN)
    rolls.import_file(
        session,
        _roll(tmp_path / "cu.csv", [("T1A-1", 1, "thuong_tru")] * 1 + [("T1A-1", 2, "thuong_tru")]),
    )
    path = _roll(
        tmp_path / "moi.csv",
        [
            ("T1A-1", 1, "thuong_tru"),
            ("T1A-1", 2, "thuong_tru"),
            ("T1A-1", 3, "tam_tru_duoi_12"),
            ("T2A-1", 1, "thuong_tru"),
            ("T2A-1", 2, "tam_tru_duoi_12"),
        ],
    )
    before = _count(session, Voter)
    checked = check.check_roll_file(session, path, "moi.csv")
    assert checked.problems == []
    assert checked.rows == 5
    assert checked.preview["voters"] == 5
    assert [(a["code"], a["today"], a["file"]) for a in checked.preview["areas"]] == [
        ("T1A-1", 2, 3),
        ("T2A-1", 0, 2),
    ]
    # Today: T1A-1's roll of two full voters in all four contests; T2A-1 has no roll.
    # After: T1A-1 3, 3, 3, 2; T2A-1 (no district council) 2, 2, -, 1.
    assert [(c["code"], c["today"], c["after"]) for c in checked.preview["contests"]] == [
        ("QH", 2, 5),
        ("HDND_TINH", 2, 5),
        ("HDND_HUYEN", 2, 3),
        ("HDND_XA", 2, 3),
    ]
    assert _count(session, Voter) == before == 2


def test_a_roll_with_bad_rows_names_each_cell_and_writes_nothing(session, tmp_path):
    store_setup(session, small_setup(), ADMIN)
    path = tmp_path / "ds.csv"
    path.write_text(
        "voting_area,seq,full_name,date_of_birth,gender,residence,residence_type,note\n"
        "T1A-1,1,An,1980-01-01,Nam,Tổ 1,thuong_tru,\n"
        "T9Z-9,2,Bình,1980-01-01,Nữ,Tổ 1,thuong_tru,\n"
        "T1A-1,1,Cường,31/02/1980,Nam,Tổ 1,thuong_tru,\n",
        encoding="utf-8",
    )
    checked = check.check_roll_file(session, path, "ds.csv")
    assert [(p.sheet, p.cell) for p in checked.problems] == [("ds.csv", "A3"), ("ds.csv", "D4")]
    assert checked.problems[0].message == "Không có khu vực bỏ phiếu mã «T9Z-9»"
    assert _count(session, Voter) == 0


def test_applying_a_setup_job_stores_it_audited_with_the_files_hash(
    session, sessions, tmp_path, settings, admin
):
    path = tmp_path / "thiet-lap.xlsx"
    path.write_bytes(write_setup(small_setup()))
    job = _job(
        session, settings, admin, path, "thiet-lap.xlsx", check.check_setup_file(session, path)
    )
    jobs.claim(session, admin, job.id, settings)
    worker.run(sessions, job.id, settings, Actor.of(admin))
    with sessions() as fresh:
        done = fresh.get(ImportJob, job.id)
        assert (done.status, done.rows_done, done.rows_total) == ("done", 80, 80)
        assert _count(fresh, VotingArea) == 6
        event = fresh.scalars(select(AuditEvent).where(AuditEvent.action == "setup.import")).one()
        assert event.after["sha256"] == "ab" * 32
        assert event.after["file"] == "thiet-lap.xlsx"
        assert event.after["voting_areas"] == 6
        actions = [a for (a,) in fresh.execute(select(AuditEvent.action).order_by(AuditEvent.seq))]
        assert actions[-3:] == ["import.upload", "import.start", "setup.import"]
    assert not (settings.directory / job.stored_name).exists()  # applied: the upload is gone


def test_applying_a_roll_job_replaces_the_areas_rolls(session, sessions, tmp_path, settings, admin):
    store_setup(session, small_setup(), ADMIN)
    path = _roll(tmp_path / "ds.csv", [("T2A-1", 1, "thuong_tru"), ("T2A-1", 2, "tam_tru_duoi_12")])
    job = _job(
        session, settings, admin, path, "ds.csv", check.check_roll_file(session, path, "ds.csv")
    )
    jobs.claim(session, admin, job.id, settings)
    worker.run(sessions, job.id, settings, Actor.of(admin))
    with sessions() as fresh:
        assert fresh.get(ImportJob, job.id).status == "done"
        assert _count(fresh, Voter) == 2
        event = fresh.scalars(select(AuditEvent).where(AuditEvent.action == "roll.import")).one()
        assert event.after["counts"] == {"T2A-1": {"QH": 2, "HDND_TINH": 2, "HDND_XA": 1}}
        assert (event.after["sha256"], event.after["job"]) == ("ab" * 32, job.id)


def test_a_roll_that_turns_bad_before_it_is_applied_leaves_nothing(
    session, sessions, tmp_path, settings, admin, monkeypatch
):
    store_setup(session, small_setup(), ADMIN)
    monkeypatch.setattr(rolls, "BATCH", 1)  # rows go to the database one by one before the bad one
    good = [("T1A-1", n, "thuong_tru") for n in range(1, 5)]
    path = _roll(tmp_path / "ds.csv", good)
    job = _job(
        session, settings, admin, path, "ds.csv", check.check_roll_file(session, path, "ds.csv")
    )
    _roll(settings.directory / job.stored_name, [*good, ("T1A-1", 4, "thuong_tru")])
    counts_before = _count(session, VoterCount)
    events_before = _count(session, AuditEvent)
    jobs.claim(session, admin, job.id, settings)
    worker.run(sessions, job.id, settings, Actor.of(admin))
    with sessions() as fresh:
        failed = fresh.get(ImportJob, job.id)
        assert failed.status == "failed"
        assert failed.message.splitlines() == [
            "Danh sách cử tri có 1 lỗi; không có cử tri nào được nạp",
            "ds.csv!B6: Số thứ tự 4 bị trùng trong danh sách của khu vực «T1A-1»",
        ]
        assert _count(fresh, Voter) == 0
        assert _count(fresh, VoterCount) == counts_before
        actions = [a for (a,) in fresh.execute(select(AuditEvent.action).order_by(AuditEvent.seq))]
        assert actions[events_before:] == ["import.start", "import.fail"]


def test_an_import_that_breaks_at_the_last_step_leaves_nothing(
    session, sessions, tmp_path, settings, admin, monkeypatch
):
    path = tmp_path / "thiet-lap.xlsx"
    path.write_bytes(write_setup(small_setup()))
    job = _job(
        session, settings, admin, path, "thiet-lap.xlsx", check.check_setup_file(session, path)
    )
    jobs.claim(session, admin, job.id, settings)

    def broken(_session, job_id):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(jobs, "mark_done", broken)
    worker.run(sessions, job.id, settings, Actor.of(admin))
    with sessions() as fresh:
        failed = fresh.get(ImportJob, job.id)
        assert (failed.status, failed.message) == ("failed", worker.FAILED)
        assert _count(fresh, Election) == 0
        assert _count(fresh, Area) == 0
        assert fresh.scalar(select(func.count()).where(AuditEvent.action == "setup.import")) == 0


def test_a_running_job_without_a_heartbeat_is_interrupted_and_can_be_claimed_again(
    session, tmp_path, settings, admin
):
    store_setup(session, small_setup(), ADMIN)
    path = _roll(tmp_path / "ds.csv", [("T1A-1", 1, "thuong_tru")])
    job = _job(
        session, settings, admin, path, "ds.csv", check.check_roll_file(session, path, "ds.csv")
    )
    jobs.claim(session, admin, job.id, settings)
    started = job.started_at
    assert jobs.state(job, settings, started + dt.timedelta(seconds=59)).status == "running"
    late = jobs.state(job, settings, started + dt.timedelta(seconds=61))
    assert (late.status, late.label) == ("interrupted", "Bị gián đoạn; có thể chạy lại")
    # The worker's progress file counts as a heartbeat.
    jobs.write_progress(settings.progress_file(job), 1, started + dt.timedelta(seconds=30))
    assert jobs.state(job, settings, started + dt.timedelta(seconds=61)).status == "running"
    assert jobs.state(job, settings, started + dt.timedelta(seconds=61)).rows_done == 1
    with pytest.raises(Exception, match="Không thể áp dụng: đang áp dụng"):
        jobs.claim(session, admin, job.id, settings)


def test_uploads_not_applied_expire(session, tmp_path, settings, admin):
    store_setup(session, small_setup(), ADMIN)
    path = _roll(tmp_path / "ds.csv", [("T1A-1", 1, "thuong_tru")])
    job = _job(
        session, settings, admin, path, "ds.csv", check.check_roll_file(session, path, "ds.csv")
    )
    assert jobs.sweep(session, settings, job.created_at + dt.timedelta(hours=23)) == 0
    assert jobs.sweep(session, settings, job.created_at + dt.timedelta(hours=25)) == 1
    assert session.get(ImportJob, job.id).status == "expired"
    assert not (settings.directory / job.stored_name).exists()
