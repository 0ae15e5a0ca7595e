"""certifications of results, public snapshots, the certification a form was printed under

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 06:35:42
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('public_snapshot',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_public_snapshot_contest_id_contest')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_public_snapshot'))
    )
    with op.batch_alter_table('public_snapshot', schema=None) as batch_op:
        batch_op.create_index('ix_public_snapshot_contest', ['contest_id', 'seq'], unique=False)

    op.create_table('certification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('round_no', sa.Integer(), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('audit_seq', sa.BigInteger(), nullable=False),
    sa.Column('audit_hash', sa.String(length=64), nullable=False),
    sa.Column('signers', sa.Text(), nullable=True),
    sa.Column('certified_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('certified_by', sa.Integer(), nullable=False),
    sa.Column('valid', sa.Boolean(), nullable=False),
    sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopened_seq', sa.BigInteger(), nullable=True),
    sa.Column('reopened_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("(level = 'unit') = (area_id IS NULL)", name=op.f('ck_certification_area_level_has_area')),
    sa.CheckConstraint("(level = 'unit') = (unit_id IS NOT NULL AND round_no IS NOT NULL)", name=op.f('ck_certification_unit_level_has_unit_and_round')),
    sa.CheckConstraint("level IN ('unit', 'city', 'council')", name=op.f('ck_certification_level_known')),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_certification_area_id_area')),
    sa.ForeignKeyConstraint(['certified_by'], ['app_user.id'], name=op.f('fk_certification_certified_by_app_user')),
    sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_certification_contest_id_contest')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_certification_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certification'))
    )
    with op.batch_alter_table('certification', schema=None) as batch_op:
        batch_op.create_index('ix_certification_contest_valid', ['contest_id', 'valid'], unique=False)
        batch_op.create_index('ix_certification_unit_valid', ['unit_id', 'valid'], unique=False)

    with op.batch_alter_table('form_export', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certification_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_form_export_certification_id_certification'), 'certification', ['certification_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('form_export', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_form_export_certification_id_certification'), type_='foreignkey')
        batch_op.drop_column('certification_id')

    with op.batch_alter_table('certification', schema=None) as batch_op:
        batch_op.drop_index('ix_certification_unit_valid')
        batch_op.drop_index('ix_certification_contest_valid')

    op.drop_table('certification')
    with op.batch_alter_table('public_snapshot', schema=None) as batch_op:
        batch_op.drop_index('ix_public_snapshot_contest')

    op.drop_table('public_snapshot')
