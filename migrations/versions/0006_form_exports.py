"""form exports with verification codes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 22:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_export",
        sa.Column("code", sa.String(length=19), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("contest_code", sa.String(length=20), nullable=True),
        sa.Column("scope_code", sa.String(length=40), nullable=False),
        sa.Column("round_no", sa.Integer(), nullable=True),
        sa.Column("form_set", sa.String(length=10), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("audit_seq", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name=op.f("fk_form_export_created_by_app_user")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_form_export")),
    )


def downgrade() -> None:
    op.drop_table("form_export")
