"""running totals of the records backed by a photo, keyed a second time, and matched

The progress read counted them by joining every record below the area (issue #19); they
are now kept in ``result_total`` like the other counts, filled here from the records stored.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# What each column counts: the records of a scope for which the condition holds
# (frozen copies of recompute.py's conditions).
COUNTED = {
    "with_photo": "EXISTS (SELECT 1 FROM tally_evidence te WHERE te.record_id = tr.id)",
    "keyed": "EXISTS (SELECT 1 FROM tally_keying k WHERE k.record_id = tr.id "
    "AND k.version = tr.current_version)",
    "matched": "EXISTS (SELECT 1 FROM tally_keying k WHERE k.record_id = tr.id "
    "AND k.version = tr.current_version AND k.matches)",
}
# One statement per column, set-based: the counts per area (every area a record's voting
# area lies in) and per unit, written to the rows they belong to. UPDATE … FROM runs on
# PostgreSQL and on SQLite from 3.33; rows no record counts for keep the default 0.
FILL = """
UPDATE result_total SET {column} = counted.n
FROM (
    SELECT 'area' AS scope_kind, ac.ancestor_id AS scope_id, tr.contest_id AS contest_id,
           tr.round_no AS round_no, COUNT(*) AS n
    FROM tally_record tr
    JOIN voting_area va ON va.id = tr.voting_area_id
    JOIN area_closure ac ON ac.descendant_id = va.area_id
    WHERE {condition}
    GROUP BY ac.ancestor_id, tr.contest_id, tr.round_no
    UNION ALL
    SELECT 'unit', uva.unit_id, tr.contest_id, tr.round_no, COUNT(*)
    FROM tally_record tr
    JOIN unit_voting_area uva ON uva.voting_area_id = tr.voting_area_id
         AND uva.contest_id = tr.contest_id
    WHERE {condition}
    GROUP BY uva.unit_id, tr.contest_id, tr.round_no
) AS counted
WHERE result_total.scope_kind = counted.scope_kind AND result_total.scope_id = counted.scope_id
  AND result_total.contest_id = counted.contest_id AND result_total.round_no = counted.round_no
"""


def upgrade() -> None:
    with op.batch_alter_table("result_total", schema=None) as batch_op:
        for column in COUNTED:
            batch_op.add_column(
                sa.Column(column, sa.Integer(), server_default="0", nullable=False)
            )
    for column, condition in COUNTED.items():
        op.execute(FILL.format(column=column, condition=condition))


def downgrade() -> None:
    with op.batch_alter_table("result_total", schema=None) as batch_op:
        for column in reversed(COUNTED):
            batch_op.drop_column(column)
