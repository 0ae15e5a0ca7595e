"""turnout reports

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 20:31:03.440576
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "turnout_report",
        sa.Column("voting_area_id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.String(length=5), nullable=False),
        sa.Column("voters_voted", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("voters_voted >= 0", name=op.f("ck_turnout_report_voted_not_negative")),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_turnout_report_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["contest_id"], ["contest.id"], name=op.f("fk_turnout_report_contest_id_contest")
        ),
        sa.ForeignKeyConstraint(
            ["voting_area_id"],
            ["voting_area.id"],
            name=op.f("fk_turnout_report_voting_area_id_voting_area"),
        ),
        sa.PrimaryKeyConstraint(
            "voting_area_id", "contest_id", "slot", name=op.f("pk_turnout_report")
        ),
    )
    with op.batch_alter_table("election", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "turnout_times",
                sa.String(length=100),
                server_default="11:00,14:00,17:00,19:00",
                nullable=False,
            )
        )


def downgrade() -> None:

    with op.batch_alter_table("election", schema=None) as batch_op:
        batch_op.drop_column("turnout_times")

    op.drop_table("turnout_report")
