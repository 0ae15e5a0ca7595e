"""evidence of tally records and blind second keying

``evidence`` holds each stored file once, named by its SHA-256; ``evidence_chunk`` its bytes
when they are kept in the database (``EVIDENCE_STORE=database``, for several hosts);
``tally_evidence`` links files to records. ``tally_keying`` holds the blind second keyings
of a version, and ``election.second_keying`` says whether they are required (CONTRACT §6.3).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 06:04:41
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "media_type IN ('image/jpeg', 'image/png', 'application/pdf')",
            name=op.f("ck_evidence_media_type_known"),
        ),
        sa.CheckConstraint("size > 0", name=op.f("ck_evidence_size_positive")),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_evidence")),
    )
    op.create_table(
        "evidence_chunk",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"], ["evidence.sha256"], name=op.f("fk_evidence_chunk_sha256_evidence")
        ),
        sa.PrimaryKeyConstraint("sha256", "seq", name=op.f("pk_evidence_chunk")),
    )
    op.create_table(
        "tally_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_tally_evidence_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["tally_record.id"],
            name=op.f("fk_tally_evidence_record_id_tally_record"),
        ),
        sa.ForeignKeyConstraint(
            ["sha256"], ["evidence.sha256"], name=op.f("fk_tally_evidence_sha256_evidence")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tally_evidence")),
        sa.UniqueConstraint("record_id", "sha256", name="uq_tally_evidence_record_file"),
    )
    with op.batch_alter_table("tally_evidence", schema=None) as batch_op:
        batch_op.create_index("ix_tally_evidence_sha256", ["sha256"], unique=False)

    op.create_table(
        "tally_keying",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("entry", sa.JSON(), nullable=False),
        sa.Column("matches", sa.Boolean(), nullable=False),
        sa.Column("differences", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_tally_keying_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["tally_record.id"], name=op.f("fk_tally_keying_record_id_tally_record")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tally_keying")),
    )
    with op.batch_alter_table("tally_keying", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tally_keying_record_version", ["record_id", "version"], unique=False
        )

    with op.batch_alter_table("election", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("second_keying", sa.String(length=10), server_default="off", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_election_second_keying_known"), "second_keying IN ('off', 'required')"
        )


def downgrade() -> None:
    with op.batch_alter_table("election", schema=None) as batch_op:
        batch_op.drop_column("second_keying")

    with op.batch_alter_table("tally_keying", schema=None) as batch_op:
        batch_op.drop_index("ix_tally_keying_record_version")

    op.drop_table("tally_keying")
    with op.batch_alter_table("tally_evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_tally_evidence_sha256")

    op.drop_table("tally_evidence")
    op.drop_table("evidence_chunk")
    op.drop_table("evidence")
