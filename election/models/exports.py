"""Exported official forms, so a printed copy's verification code can be checked later."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from election.db import Base


class FormExport(Base):
    """One exported record: what it showed (as a digest) and the audit position it was made at."""

    __tablename__ = "form_export"

    code: Mapped[str] = mapped_column(String(19), primary_key=True)  # XXXX-XXXX-XXXX-XXXX
    kind: Mapped[str] = mapped_column(String(20))
    contest_code: Mapped[str | None] = mapped_column(String(20))
    scope_code: Mapped[str] = mapped_column(String(40))
    round_no: Mapped[int | None]
    form_set: Mapped[str] = mapped_column(String(10))
    # SHA-256 of the canonical JSON of every value printed on the record.
    digest: Mapped[str] = mapped_column(String(64))
    audit_seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # The certification the record was printed under, if any: once it is reopened, the copy
    # is reported as changed after certification.
    certification_id: Mapped[int | None] = mapped_column(ForeignKey("certification.id"))
