"""Tally records: submit, correct and read, with every version kept and audited."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from election.db import begin_write
from election.domain import tally as rules
from election.domain.errors import Conflict, Forbidden, NotFound, RuleBroken
from election.models import (
    Area,
    Candidate,
    Contest,
    Election,
    TallyRecord,
    TallyVersion,
    TallyVote,
    Unit,
    UnitVotingArea,
    User,
    VoterCount,
    VotingArea,
)
from election.services import audit, idempotency, scope
from election.services.audit import Actor, utcnow
from election.services.idempotency import Key

FIGURES = (
    "voters_on_roll",
    "voters_voted",
    "ballots_issued",
    "ballots_received",
    "ballots_valid",
    "ballots_invalid",
)
COMPLAINTS = ("complaints_received", "complaints_settled", "complaints_forwarded")
SUBMITTERS = ("officer",)
CORRECTORS = ("officer", "reviewer")


@dataclass(frozen=True)
class TallyInput:
    """A count record as entered: the figures, the votes by candidate code, the extras."""

    figures: rules.TallyFigures
    complaints: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: Mapping) -> TallyInput:
        names_kept = data.get("names_kept")
        return cls(
            rules.TallyFigures(
                **{name: data[name] for name in FIGURES},
                votes=dict(data["votes"]),
                names_kept=tuple(names_kept) if names_kept is not None else None,
                comment=data.get("comment") or None,
            ),
            {name: data.get(name, 0) or 0 for name in COMPLAINTS},
        )


@dataclass(frozen=True)
class Receipt:
    id: int
    version: int
    status: str
    warnings: list[dict]

    def body(self) -> dict:
        return {
            "id": self.id,
            "version": self.version,
            "status": self.status,
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class Place:
    """Where a record belongs: the voting area, the contest and its unit's candidates."""

    voting_area: VotingArea
    contest: Contest
    unit: Unit
    candidates: list[Candidate]


def _place(session: Session, voting_area_code: str, contest_code: str) -> Place:
    va = session.scalar(select(VotingArea).where(VotingArea.code == voting_area_code))
    if va is None:
        raise NotFound(
            f"Không có khu vực bỏ phiếu mã «{voting_area_code}»",
            {"voting_area": ["Mã không tồn tại"]},
        )
    contest = session.scalar(select(Contest).where(Contest.code == contest_code))
    if contest is None:
        raise NotFound(
            f"Không có cấp bầu cử mã «{contest_code}»", {"contest": ["Mã không tồn tại"]}
        )
    unit = session.scalar(
        select(Unit)
        .join(UnitVotingArea, UnitVotingArea.unit_id == Unit.id)
        .where(UnitVotingArea.voting_area_id == va.id, UnitVotingArea.contest_id == contest.id)
    )
    if unit is None:
        raise NotFound(
            f"Khu vực bỏ phiếu «{va.code}» không bầu cấp {contest.code}",
            {"contest": ["Khu vực bỏ phiếu không tham gia cấp bầu cử này"]},
        )
    candidates = list(
        session.scalars(
            select(Candidate).where(Candidate.unit_id == unit.id).order_by(Candidate.ballot_order)
        )
    )
    return Place(va, contest, unit, candidates)


def _context(session: Session, place: Place) -> rules.TallyContext:
    """The roll count and the other contests' voters of the voting area, and the thresholds."""
    counts = {
        code: (roll if roll is not None else setup_)
        for code, setup_, roll in session.execute(
            select(Contest.code, VoterCount.setup_voters, VoterCount.roll_voters)
            .join(VoterCount, VoterCount.contest_id == Contest.id)
            .where(VoterCount.voting_area_id == place.voting_area.id)
        )
    }
    roll = counts.pop(place.contest.code, None)
    # Another contest's record, where there is one, says what its team counted.
    for code, voters in session.execute(
        select(Contest.code, TallyVersion.voters_on_roll)
        .join(TallyRecord, TallyRecord.contest_id == Contest.id)
        .join(
            TallyVersion,
            (TallyVersion.record_id == TallyRecord.id)
            & (TallyVersion.version == TallyRecord.current_version),
        )
        .where(
            TallyRecord.voting_area_id == place.voting_area.id,
            TallyRecord.contest_id != place.contest.id,
            TallyRecord.round_no == 1,
        )
    ):
        counts[code] = voters
    bp = session.scalar(select(Election.invalid_warning_bp)) or 1000
    return rules.TallyContext(
        contest=place.contest.code,
        seats=place.unit.seats,
        candidates=tuple(rules.Candidate(c.code, c.full_name) for c in place.candidates),
        roll_voters=roll,
        other_voters=counts,
        invalid_warning_pct=Decimal(bp) / 100,
    )


def _checked(session: Session, place: Place, entry: TallyInput) -> list[dict]:
    """Refuse a record that breaks a hard rule (422, every rule named); return its warnings."""
    findings = rules.check_tally(entry.figures, _context(session, place))
    broken = rules.errors(findings)
    if broken:
        errors: dict[str, list[str]] = {}
        for f in broken:
            for name in f.fields:
                errors.setdefault(name, []).append(f.message)
        raise RuleBroken(
            f"Biên bản vi phạm {len(broken)} quy định; chưa được lưu",
            [],
            errors,
            {
                "problems": [
                    {"code": f.code, "fields": list(f.fields), "message": f.message} for f in broken
                ]
            },
        )
    return [{"code": f.code, "message": f.message} for f in rules.warnings(findings)]


def snapshot(
    record: TallyRecord,
    version: TallyVersion,
    votes: Mapping[str, int],
    place_codes: tuple[str, str],
) -> dict:
    """A version's content as the audit log records it (and verification compares)."""
    return {
        "record": record.id,
        "voting_area": place_codes[0],
        "contest": place_codes[1],
        "round": record.round_no,
        "version": version.version,
        "figures": {name: getattr(version, name) for name in (*FIGURES, *COMPLAINTS)},
        "votes": dict(votes),
        "names_kept": list(version.names_kept) if version.names_kept is not None else None,
        "comment": version.comment,
        "reason": version.reason,
        "warnings": [w["code"] for w in version.warnings],
        "actor": version.actor_id,
    }


def _write_version(
    session: Session,
    record: TallyRecord,
    number: int,
    place: Place,
    entry: TallyInput,
    warnings: list[dict],
    user: User,
    reason: str | None,
) -> TallyVersion:
    f = entry.figures
    version = TallyVersion(
        record_id=record.id,
        version=number,
        **{name: getattr(f, name) for name in FIGURES},
        **{name: entry.complaints.get(name, 0) for name in COMPLAINTS},
        names_kept=list(f.names_kept) if f.names_kept is not None else None,
        warnings=warnings,
        comment=f.comment,
        reason=reason,
        actor_id=user.id,
        created_at=utcnow(),
    )
    session.add(version)
    session.flush()
    ids = {c.code: c.id for c in place.candidates}
    session.execute(
        insert(TallyVote),
        [
            {"version_id": version.id, "candidate_id": ids[code], "votes": f.votes[code]}
            for code in ids
        ],
    )
    return version


def _official_votes(place: Place, entry: TallyInput) -> dict[str, int]:
    return {c.code: entry.figures.votes[c.code] for c in place.candidates}


def submit(
    session: Session,
    user: User,
    voting_area_code: str,
    contest_code: str,
    entry: TallyInput,
    key: Key | None = None,
) -> tuple[int, dict]:
    """Store a first record; (201, receipt). 409 if the voting area already has one."""
    begin_write(session)
    stored = idempotency.replay(session, user, key)
    if stored is not None:
        return stored.status, stored.body
    scope.require_role(user, SUBMITTERS, "nộp biên bản kiểm phiếu")
    place = _place(session, voting_area_code, contest_code)
    scope.require_inside(user, place.voting_area)
    existing = _existing(session, place)
    if existing is not None:
        raise _duplicate(existing)
    warnings = _checked(session, place, entry)
    now = utcnow()
    record = TallyRecord(
        voting_area_id=place.voting_area.id,
        contest_id=place.contest.id,
        round_no=1,
        status="submitted",
        current_version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(record)
    try:
        session.flush()
    except IntegrityError:
        # Another submission won the race between our check and our insert.
        session.rollback()
        return _after_race(session, user, key, place)
    version = _write_version(session, record, 1, place, entry, warnings, user, None)
    receipt = Receipt(record.id, 1, "submitted", warnings).body()
    audit.append(
        session,
        Actor.of(user),
        "tally.submit",
        "tally",
        record.id,
        None,
        snapshot(
            record,
            version,
            _official_votes(place, entry),
            (place.voting_area.code, place.contest.code),
        ),
    )
    idempotency.remember(session, user, key, 201, receipt)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return _after_race(session, user, key, place)
    return 201, receipt


def _existing(session: Session, place: Place) -> int | None:
    return session.scalar(
        select(TallyRecord.id).where(
            TallyRecord.voting_area_id == place.voting_area.id,
            TallyRecord.contest_id == place.contest.id,
            TallyRecord.round_no == 1,
        )
    )


def _duplicate(record_id: int) -> Conflict:
    return Conflict(
        "Khu vực bỏ phiếu đã có biên bản cho cấp bầu cử này; hãy gửi bản sửa (corrections)",
        id=record_id,
    )


def _after_race(session: Session, user: User, key: Key | None, place: Place) -> tuple[int, dict]:
    """A concurrent twin committed first: replay its answer if it was ours, else 409."""
    stored = idempotency.replay(session, user, key)
    session.rollback()
    if stored is not None:
        return stored.status, stored.body
    existing = _existing(session, place)
    session.rollback()
    raise (
        _duplicate(existing)
        if existing is not None
        else Conflict("Xung đột khi ghi biên bản; hãy thử lại")
    )


def _record_for_update(session: Session, record_id: int) -> TallyRecord:
    record = session.get(TallyRecord, record_id)
    if record is None:
        raise NotFound(f"Không có biên bản số {record_id}")
    return record


def _stale(record: TallyRecord, expected: int) -> Conflict:
    return Conflict(
        f"Biên bản đã được cập nhật lên phiên bản {record.current_version} (bạn đang sửa phiên bản "
        f"{expected}); hãy tải lại và thử lại",
        current_version=record.current_version,
    )


def correct(
    session: Session,
    user: User,
    record_id: int,
    entry: TallyInput,
    reason: str,
    expected_version: int,
    key: Key | None = None,
    place: tuple[str | None, str | None] = (None, None),
) -> tuple[int, dict]:
    """A new version with a reason; the old one stays. (201, receipt); 409 on a stale version.

    ``place`` is the (voting area, contest) the client says it corrects, if it says so.
    """
    begin_write(session)
    stored = idempotency.replay(session, user, key)
    if stored is not None:
        return stored.status, stored.body
    scope.require_role(user, CORRECTORS, "sửa biên bản kiểm phiếu")
    record = _record_for_update(session, record_id)
    va = session.get(VotingArea, record.voting_area_id)
    scope.require_inside(user, va)
    if user.role == "officer" and record.status == "verified":
        raise Forbidden("Biên bản đã được xác nhận; Tổ bầu cử không thể sửa nữa")
    contest = session.get(Contest, record.contest_id)
    for name, given, actual in (
        ("voting_area", place[0], va.code),
        ("contest", place[1], contest.code),
    ):
        if given is not None and given != actual:
            raise RuleBroken.single(
                "wrong_record",
                f"Biên bản số {record.id} thuộc «{actual}», không phải «{given}»",
                name,
            )
    where = _place(session, va.code, contest.code)
    warnings = _checked(session, where, entry)
    new = expected_version + 1
    now = utcnow()
    before = {"version": record.current_version, "status": record.status}
    moved = session.execute(
        update(TallyRecord)
        .where(TallyRecord.id == record.id, TallyRecord.current_version == expected_version)
        .values(current_version=new, status="submitted", updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        session.rollback()
        raise _stale(_record_for_update(session, record_id), expected_version)
    session.refresh(record)
    version = _write_version(session, record, new, where, entry, warnings, user, reason)
    receipt = Receipt(record.id, new, "submitted", warnings).body()
    audit.append(
        session,
        Actor.of(user),
        "tally.correct",
        "tally",
        record.id,
        before,
        snapshot(record, version, _official_votes(where, entry), (va.code, contest.code)),
    )
    idempotency.remember(session, user, key, 201, receipt)
    session.commit()
    return 201, receipt


def _authors(session: Session, record: TallyRecord) -> set[int]:
    """Who submitted the record and who wrote its current version."""
    return set(
        session.scalars(
            select(TallyVersion.actor_id).where(
                TallyVersion.record_id == record.id,
                TallyVersion.version.in_((1, record.current_version)),
            )
        )
    )


def verify(session: Session, user: User, record_id: int, expected_version: int) -> dict:
    """Mark the current version verified by a second person."""
    return _change_status(session, user, record_id, expected_version, "verified", None)


def return_(
    session: Session, user: User, record_id: int, reason: str, expected_version: int | None
) -> dict:
    """Send the record back to its polling team with a reason, so they correct it."""
    return _change_status(session, user, record_id, expected_version, "returned", reason)


ALLOWED_FROM = {"verified": ("submitted",), "returned": ("submitted", "verified")}
ACTIONS = {
    "verified": ("tally.verify", "xác nhận biên bản"),
    "returned": ("tally.return", "trả lại biên bản"),
}


def _change_status(
    session: Session,
    user: User,
    record_id: int,
    expected_version: int | None,
    status: str,
    reason: str | None,
) -> dict:
    action, what = ACTIONS[status]
    begin_write(session)
    scope.require_role(user, ("reviewer", "board"), what)
    record = _record_for_update(session, record_id)
    va = session.get(VotingArea, record.voting_area_id)
    scope.require_inside(user, va)
    if status == "verified" and user.id in _authors(session, record):
        raise Forbidden("Không ai được xác nhận biên bản do chính mình nhập hoặc sửa lần cuối")
    if expected_version is not None and expected_version != record.current_version:
        raise _stale(record, expected_version)
    if record.status not in ALLOWED_FROM[status]:
        raise Conflict(
            f"Không thể {what} đang ở trạng thái «{STATUS_NAMES[record.status]}»",
            status=record.status,
        )
    before = {"version": record.current_version, "status": record.status}
    moved = session.execute(
        update(TallyRecord)
        .where(
            TallyRecord.id == record.id,
            TallyRecord.current_version == record.current_version,
            TallyRecord.status == record.status,
        )
        .values(status=status, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        session.rollback()
        raise Conflict("Biên bản vừa được người khác cập nhật; hãy tải lại và thử lại")
    after = {"version": record.current_version, "status": status}
    if reason is not None:
        after["reason"] = reason
    audit.append(session, Actor.of(user), action, "tally", record.id, before, after)
    session.commit()
    return {"id": record.id, "version": record.current_version, "status": status}


STATUS_NAMES = {"submitted": "đã nộp", "verified": "đã xác nhận", "returned": "bị trả lại"}


@dataclass(frozen=True)
class VersionView:
    version: TallyVersion
    votes: dict[str, int]
    actor: str


@dataclass(frozen=True)
class RecordView:
    record: TallyRecord
    voting_area: VotingArea
    contest: Contest
    unit: Unit
    candidates: list[Candidate]
    versions: list[VersionView]

    @property
    def current(self) -> VersionView:
        return self.versions[-1]


def read(session: Session, user: User, record_id: int) -> RecordView:
    """A record with all its versions, if the user may see its voting area."""
    record = session.get(TallyRecord, record_id)
    if record is None:
        raise NotFound(f"Không có biên bản số {record_id}")
    va = session.get(VotingArea, record.voting_area_id)
    scope.require_inside(user, va)
    contest = session.get(Contest, record.contest_id)
    place = _place(session, va.code, contest.code)
    code_of = {c.id: c.code for c in place.candidates}
    versions = list(
        session.scalars(
            select(TallyVersion)
            .where(TallyVersion.record_id == record.id)
            .order_by(TallyVersion.version)
        )
    )
    votes: dict[int, dict[str, int]] = {v.id: {} for v in versions}
    for version_id, candidate_id, n in session.execute(
        select(TallyVote.version_id, TallyVote.candidate_id, TallyVote.votes).where(
            TallyVote.version_id.in_([v.id for v in versions])
        )
    ):
        votes[version_id][code_of[candidate_id]] = n
    names = dict(
        session.execute(
            select(User.id, User.username).where(User.id.in_({v.actor_id for v in versions}))
        ).all()
    )
    order = [c.code for c in place.candidates]
    return RecordView(
        record,
        va,
        contest,
        place.unit,
        place.candidates,
        [
            VersionView(
                v,
                {code: votes[v.id][code] for code in order if code in votes[v.id]},
                names[v.actor_id],
            )
            for v in versions
        ],
    )


@dataclass(frozen=True)
class QueueItem:
    id: int
    voting_area: str
    voting_area_name: str
    area_name: str
    contest: str
    status: str
    version: int
    warnings: list[dict]
    updated_at: object
    by: str


def queue(
    session: Session, user: User, status: str | None = "submitted", limit: int = 200
) -> list[QueueItem]:
    """Records in the user's scope, those with warnings first, then the oldest first."""
    query = (
        select(
            TallyRecord.id,
            VotingArea.code,
            VotingArea.name,
            Area.name,
            Contest.code,
            TallyRecord.status,
            TallyRecord.current_version,
            TallyVersion.warnings,
            TallyRecord.updated_at,
            User.username,
        )
        .join(VotingArea, VotingArea.id == TallyRecord.voting_area_id)
        .join(Area, Area.id == VotingArea.area_id)
        .join(Contest, Contest.id == TallyRecord.contest_id)
        .join(
            TallyVersion,
            (TallyVersion.record_id == TallyRecord.id)
            & (TallyVersion.version == TallyRecord.current_version),
        )
        .join(User, User.id == TallyVersion.actor_id)
    )
    if status:
        query = query.where(TallyRecord.status == status)
    if user.role == "officer":
        query = query.where(TallyRecord.voting_area_id == user.voting_area_id)
    elif user.role == "reviewer":
        query = query.where(Area.path.startswith(user.area.path, autoescape=True))
    items = [QueueItem(*row) for row in session.execute(query.limit(5000))]
    items.sort(key=lambda i: (not i.warnings, i.updated_at, i.id))
    return items[:limit]


def record_ids_of(session: Session, voting_area_id: int) -> dict[str, TallyRecord]:
    """The first-round records of a voting area by contest code."""
    return {
        code: record
        for code, record in session.execute(
            select(Contest.code, TallyRecord)
            .join(TallyRecord, TallyRecord.contest_id == Contest.id)
            .where(TallyRecord.voting_area_id == voting_area_id, TallyRecord.round_no == 1)
        )
    }
