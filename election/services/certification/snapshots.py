"""The numbered states of the public page: each change of what it shows, with the reasons."""

from __future__ import annotations

from sqlalchemy.orm import Session

from election.domain.clock import utcnow
from election.models.certification import PublicSnapshot


def snapshot(session: Session, contest_id: int, changes: list[str]) -> None:
    """A new numbered state of the public page for a contest, with what changed and why."""
    session.add(PublicSnapshot(contest_id=contest_id, at=utcnow(), changes=changes))
    session.flush()
