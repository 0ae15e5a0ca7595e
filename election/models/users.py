"""Users, their role and scope, and their API tokens (stored hashed)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from election.db import Base
from election.models.geography import Area, VotingArea

ROLES = ("officer", "reviewer", "board", "admin")


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    # None: a service account without a role, which may only read (docs/SECURITY.md).
    role: Mapped[str | None] = mapped_column(String(20))
    # An account for an integration rather than a person: no password, tokens from an admin.
    service: Mapped[bool] = mapped_column(default=False)
    # An officer's voting area; a reviewer's administrative area.
    voting_area_id: Mapped[int | None] = mapped_column(ForeignKey("voting_area.id"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped when the password or role changes: older sessions stop working.
    session_epoch: Mapped[int] = mapped_column(default=0)
    # The TOTP secret of the second sign-in factor (board and admin), sealed with AES-GCM
    # (services/identity/secretbox.py); None: not enrolled.
    totp_secret: Mapped[str | None] = mapped_column(String(200))
    # The time step of the last code accepted, so a code cannot be used twice.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    voting_area: Mapped[VotingArea | None] = relationship()
    area: Mapped[Area | None] = relationship()

    __table_args__ = (
        CheckConstraint("role IN ('officer', 'reviewer', 'board', 'admin')", name="role_known"),
        CheckConstraint(
            "(role = 'officer') = (voting_area_id IS NOT NULL)", name="officer_has_voting_area"
        ),
        CheckConstraint("(role = 'reviewer') = (area_id IS NOT NULL)", name="reviewer_has_area"),
        CheckConstraint("role IS NOT NULL OR service", name="person_has_role"),
    )


class ApiToken(Base):
    """A machine credential; only the SHA-256 of the token is kept."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (Index("ix_api_token_user_id", "user_id"),)


class LoginFailure(Base):
    """A failed sign-in attempt from a client address, for the per-address throttle.

    Rows older than the throttle window are deleted as new ones arrive; the audit log
    keeps the full history.
    """

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(80))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_login_failure_address_at", "address", "at"),)
