"""valid ballots of a unit inside an area

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 20:14:16.414226
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "result_part",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("round_no", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("ballots_valid", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_result_part_area_id_area")),
        sa.ForeignKeyConstraint(
            ["contest_id"], ["contest.id"], name=op.f("fk_result_part_contest_id_contest")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_result_part_unit_id_unit")),
        sa.PrimaryKeyConstraint(
            "area_id", "contest_id", "round_no", "unit_id", name=op.f("pk_result_part")
        ),
    )
    # Backfill from the records already stored (frozen copy of totals.py's query).
    op.execute(
        """
        INSERT INTO result_part (area_id, contest_id, round_no, unit_id, ballots_valid)
        SELECT ac.ancestor_id, tr.contest_id, tr.round_no, uva.unit_id, SUM(tv.ballots_valid)
        FROM tally_record tr
        JOIN unit_voting_area uva ON uva.voting_area_id = tr.voting_area_id
             AND uva.contest_id = tr.contest_id
        JOIN voting_area va ON va.id = tr.voting_area_id
        JOIN area_closure ac ON ac.descendant_id = va.area_id
        JOIN tally_version tv ON tv.record_id = tr.id AND tv.version = tr.current_version
        GROUP BY ac.ancestor_id, tr.contest_id, tr.round_no, uva.unit_id
        """
    )


def downgrade() -> None:
    op.drop_table("result_part")
