"""election invalid warning threshold

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 19:55:51.733728
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("election", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "invalid_warning_bp",
                sa.Integer(),
                server_default="1000",
                nullable=False,
            )
        )
        batch_op.create_check_constraint(
            "invalid_warning_range", "invalid_warning_bp BETWEEN 0 AND 10000"
        )


def downgrade() -> None:
    with op.batch_alter_table("election", schema=None) as batch_op:
        batch_op.drop_constraint("invalid_warning_range", type_="check")
        batch_op.drop_column("invalid_warning_bp")
