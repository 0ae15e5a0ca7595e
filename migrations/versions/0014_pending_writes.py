"""what a committed write leaves for the short step after it: its events and far totals

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_write",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("delta", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_write")),
    )


def downgrade() -> None:
    op.drop_table("pending_write")
