"""A version no longer current: what changed since the one the user saw, by whom, when (#20)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.domain import tally as rules
from election.domain.clock import in_vietnam
from election.domain.errors import Conflict
from election.domain.numbers import fmt_int
from election.models.audit import AuditEvent
from election.models.contests import Candidate
from election.models.tallies import TallyRecord, TallyVersion, TallyVote
from election.models.users import User

# What each change of a record did, as the past tense of a sentence.
DONE = {
    "tally.submit": "nộp",
    "tally.correct": "sửa",
    "tally.verify": "xác nhận",
    "tally.return": "trả lại",
}


def stale_conflict(record: TallyRecord, expected: int, session: Session | None = None) -> Conflict:
    """409 naming the newest version's author, time and reason, and each field changed."""
    what, changes = f"phiên bản {record.current_version}", []
    if session is not None:
        versions = {
            v.version: v
            for v in session.scalars(
                select(TallyVersion).where(
                    TallyVersion.record_id == record.id,
                    TallyVersion.version.in_((expected, record.current_version)),
                )
            )
        }
        newest = versions.get(record.current_version)
        if newest is not None:
            who = session.scalar(select(User.username).where(User.id == newest.actor_id))
            when = in_vietnam(newest.created_at).strftime("%H:%M:%S ngày %d/%m/%Y")
            why = f", lý do «{newest.reason}»" if newest.reason else ""
            what = f"phiên bản {record.current_version}, do {who} lưu lúc {when}{why}"
            seen = versions.get(expected)
            if seen is not None:
                changes = differences(session, seen, newest)
    changed = f" Đã thay đổi: {'; '.join(changes)}." if changes else ""
    return Conflict(
        f"Trong lúc bạn xem phiên bản {expected}, biên bản đã có {what}.{changed} "
        "Hãy tải lại để xem thay đổi rồi làm lại",
        current_version=record.current_version,
    )


def status_conflict(session: Session, record: TallyRecord, what: str, status_name: str) -> Conflict:
    """409 for a record whose status moved on: who moved it, and when (#20)."""
    row = session.execute(
        select(AuditEvent.actor, AuditEvent.action, AuditEvent.at)
        .where(
            AuditEvent.object_type == "tally",
            AuditEvent.object_id == str(record.id),
            AuditEvent.action.in_(tuple(DONE)),
        )
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    by = ""
    if row is not None:
        who, action, at = row
        by = f": {who} đã {DONE[action]} lúc {in_vietnam(at).strftime('%H:%M:%S ngày %d/%m/%Y')}"
    return Conflict(
        f"Không thể {what} đang ở trạng thái «{status_name}»{by}", record_status=record.status
    )


def differences(session: Session, seen: TallyVersion, newest: TallyVersion) -> list[str]:
    """Each field of ``newest`` that differs from ``seen``: 'label: old → new', in form order."""
    out = _figures(seen, newest, rules.LABELS)
    votes: dict[int, dict[str, int]] = {seen.id: {}, newest.id: {}}
    names: list[str] = []
    for version_id, name, n in session.execute(
        select(TallyVote.version_id, Candidate.full_name, TallyVote.votes)
        .join(Candidate, Candidate.id == TallyVote.candidate_id)
        .where(TallyVote.version_id.in_((seen.id, newest.id)))
        .order_by(Candidate.ballot_order)
    ):
        votes[version_id][name] = n
        if name not in names:
            names.append(name)
    out += [
        f"phiếu bầu cho {name}: {_text(votes[seen.id].get(name))} → "
        f"{_text(votes[newest.id].get(name))}"
        for name in names
        if votes[seen.id].get(name) != votes[newest.id].get(name)
    ]
    if seen.names_kept != newest.names_kept:
        out.append(
            f"phân loại theo số tên được giữ lại: {_kept(seen.names_kept)} → "
            f"{_kept(newest.names_kept)}"
        )
    out += _figures(seen, newest, rules.COMPLAINT_LABELS)
    if (seen.comment or "") != (newest.comment or ""):
        out.append(f"ghi chú: «{seen.comment or ''}» → «{newest.comment or ''}»")
    return out


def _figures(seen: TallyVersion, newest: TallyVersion, labels: dict[str, str]) -> list[str]:
    return [
        f"{label}: {_text(getattr(seen, name))} → {_text(getattr(newest, name))}"
        for name, label in labels.items()
        if getattr(seen, name) != getattr(newest, name)
    ]


def _text(value: int | None) -> str:
    return "—" if value is None else fmt_int(value)


def _kept(values: list[int] | None) -> str:
    return "—" if values is None else ", ".join(fmt_int(n) for n in values)
