"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 19:38:19.110897
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "area_level",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.CheckConstraint("depth >= 0", name=op.f("ck_area_level_depth_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area_level")),
        sa.UniqueConstraint("code", name=op.f("uq_area_level_code")),
        sa.UniqueConstraint("depth", name=op.f("uq_area_level_depth")),
    )
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "election",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("form_set", sa.String(length=10), nullable=False),
        sa.CheckConstraint("form_set IN ('2021', '2026')", name=op.f("ck_election_form_set_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_election")),
    )
    op.create_table(
        "area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("level_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.CheckConstraint(
            "parent_id IS NULL OR parent_id <> id", name=op.f("ck_area_not_own_parent")
        ),
        sa.ForeignKeyConstraint(
            ["level_id"], ["area_level.id"], name=op.f("fk_area_level_id_area_level")
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["area.id"], name=op.f("fk_area_parent_id_area")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area")),
        sa.UniqueConstraint("code", name=op.f("uq_area_code")),
    )
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.create_index("ix_area_parent_id", ["parent_id"], unique=False)
        batch_op.create_index("ix_area_path", ["path"], unique=False)

    op.create_table(
        "contest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "code IN ('QH', 'HDND_TINH', 'HDND_HUYEN', 'HDND_XA')",
            name=op.f("ck_contest_code_known"),
        ),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["election.id"],
            name=op.f("fk_contest_election_id_election"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest")),
        sa.UniqueConstraint("code", name=op.f("uq_contest_code")),
    )
    op.create_table(
        "unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.CheckConstraint("seats BETWEEN 1 AND 5", name=op.f("ck_unit_seats_range")),
        sa.ForeignKeyConstraint(
            ["contest_id"], ["contest.id"], name=op.f("fk_unit_contest_id_contest")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit")),
        sa.UniqueConstraint("code", name=op.f("uq_unit_code")),
        sa.UniqueConstraint("id", "contest_id", name="uq_unit_id_contest"),
    )
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.create_index("ix_unit_contest_id", ["contest_id"], unique=False)

    op.create_table(
        "voting_area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_voting_area_area_id_area")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voting_area")),
        sa.UniqueConstraint("code", name=op.f("uq_voting_area_code")),
    )
    with op.batch_alter_table("voting_area", schema=None) as batch_op:
        batch_op.create_index("ix_voting_area_area_id", ["area_id"], unique=False)

    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("voting_area_id", sa.Integer(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(role = 'officer') = (voting_area_id IS NOT NULL)",
            name=op.f("ck_app_user_officer_has_voting_area"),
        ),
        sa.CheckConstraint(
            "(role = 'reviewer') = (area_id IS NOT NULL)",
            name=op.f("ck_app_user_reviewer_has_area"),
        ),
        sa.CheckConstraint(
            "role IN ('officer', 'reviewer', 'board', 'admin')",
            name=op.f("ck_app_user_role_known"),
        ),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_app_user_area_id_area")),
        sa.ForeignKeyConstraint(
            ["voting_area_id"],
            ["voting_area.id"],
            name=op.f("fk_app_user_voting_area_id_voting_area"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("username", name=op.f("uq_app_user_username")),
    )
    op.create_table(
        "candidate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("ballot_order", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("gender", sa.String(length=5), nullable=False),
        sa.CheckConstraint("gender IN ('Nam', 'Nữ')", name=op.f("ck_candidate_gender_known")),
        sa.CheckConstraint("ballot_order >= 1", name=op.f("ck_candidate_order_positive")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_candidate_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate")),
        sa.UniqueConstraint("code", name=op.f("uq_candidate_code")),
        sa.UniqueConstraint("unit_id", "ballot_order", name="uq_candidate_unit_order"),
    )
    op.create_table(
        "tally_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("voting_area_id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("round_no", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('submitted', 'verified', 'returned')",
            name=op.f("ck_tally_record_status_known"),
        ),
        sa.CheckConstraint("current_version >= 1", name=op.f("ck_tally_record_version_positive")),
        sa.CheckConstraint("round_no >= 1", name=op.f("ck_tally_record_round_positive")),
        sa.ForeignKeyConstraint(
            ["contest_id"],
            ["contest.id"],
            name=op.f("fk_tally_record_contest_id_contest"),
        ),
        sa.ForeignKeyConstraint(
            ["voting_area_id"],
            ["voting_area.id"],
            name=op.f("fk_tally_record_voting_area_id_voting_area"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tally_record")),
        sa.UniqueConstraint(
            "voting_area_id",
            "contest_id",
            "round_no",
            name="uq_tally_record_one_active",
        ),
    )
    with op.batch_alter_table("tally_record", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tally_record_contest_status", ["contest_id", "status"], unique=False
        )

    op.create_table(
        "unit_voting_area",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("voting_area_id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id", "contest_id"],
            ["unit.id", "unit.contest_id"],
            name="fk_unit_voting_area_unit_contest",
        ),
        sa.ForeignKeyConstraint(
            ["voting_area_id"],
            ["voting_area.id"],
            name=op.f("fk_unit_voting_area_voting_area_id_voting_area"),
        ),
        sa.PrimaryKeyConstraint("unit_id", "voting_area_id", name=op.f("pk_unit_voting_area")),
        sa.UniqueConstraint("voting_area_id", "contest_id", name="uq_unit_voting_area_one_unit"),
    )
    op.create_table(
        "voter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("voting_area_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("gender", sa.String(length=5), nullable=False),
        sa.Column("residence", sa.String(length=300), nullable=False),
        sa.Column("residence_type", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=30), nullable=True),
        sa.CheckConstraint(
            "note IS NULL OR note IN ('bo_phieu_noi_khac', 'den_bo_phieu')",
            name=op.f("ck_voter_note_known"),
        ),
        sa.CheckConstraint(
            "residence_type IN ('thuong_tru', 'tam_tru_12', 'tam_tru_duoi_12', 'tam_giam', 'quan_nhan')",
            name=op.f("ck_voter_residence_type_known"),
        ),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_voter_seq_positive")),
        sa.ForeignKeyConstraint(
            ["voting_area_id"],
            ["voting_area.id"],
            name=op.f("fk_voter_voting_area_id_voting_area"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voter")),
        sa.UniqueConstraint("voting_area_id", "seq", name="uq_voter_area_seq"),
    )
    op.create_table(
        "voter_count",
        sa.Column("voting_area_id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("setup_voters", sa.Integer(), nullable=True),
        sa.Column("roll_voters", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "roll_voters IS NULL OR roll_voters >= 0",
            name=op.f("ck_voter_count_roll_not_negative"),
        ),
        sa.CheckConstraint(
            "setup_voters IS NULL OR setup_voters >= 0",
            name=op.f("ck_voter_count_setup_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["contest_id"],
            ["contest.id"],
            name=op.f("fk_voter_count_contest_id_contest"),
        ),
        sa.ForeignKeyConstraint(
            ["voting_area_id"],
            ["voting_area.id"],
            name=op.f("fk_voter_count_voting_area_id_voting_area"),
        ),
        sa.PrimaryKeyConstraint("voting_area_id", "contest_id", name=op.f("pk_voter_count")),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_api_token_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index("ix_api_token_user_id", ["user_id"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=80), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_audit_event_actor_id_app_user")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_event_hash")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_action", ["action"], unique=False)
        batch_op.create_index("ix_audit_event_actor_id", ["actor_id"], unique=False)
        batch_op.create_index("ix_audit_event_object", ["object_type", "object_id"], unique=False)

    op.create_table(
        "idempotency_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_idempotency_key_user_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_key")),
        sa.UniqueConstraint("user_id", "key", name="uq_idempotency_key_user_key"),
    )
    op.create_table(
        "tally_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("voters_on_roll", sa.Integer(), nullable=False),
        sa.Column("voters_voted", sa.Integer(), nullable=False),
        sa.Column("ballots_issued", sa.Integer(), nullable=False),
        sa.Column("ballots_received", sa.Integer(), nullable=False),
        sa.Column("ballots_valid", sa.Integer(), nullable=False),
        sa.Column("ballots_invalid", sa.Integer(), nullable=False),
        sa.Column("complaints_received", sa.Integer(), nullable=False),
        sa.Column("complaints_settled", sa.Integer(), nullable=False),
        sa.Column("complaints_forwarded", sa.Integer(), nullable=False),
        sa.Column("names_kept", sa.JSON(), nullable=True),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "ballots_invalid >= 0",
            name=op.f("ck_tally_version_ballots_invalid_not_negative"),
        ),
        sa.CheckConstraint(
            "ballots_issued >= 0",
            name=op.f("ck_tally_version_ballots_issued_not_negative"),
        ),
        sa.CheckConstraint(
            "ballots_received >= 0",
            name=op.f("ck_tally_version_ballots_received_not_negative"),
        ),
        sa.CheckConstraint(
            "ballots_valid >= 0",
            name=op.f("ck_tally_version_ballots_valid_not_negative"),
        ),
        sa.CheckConstraint(
            "complaints_forwarded >= 0",
            name=op.f("ck_tally_version_complaints_forwarded_not_negative"),
        ),
        sa.CheckConstraint(
            "complaints_received >= 0",
            name=op.f("ck_tally_version_complaints_received_not_negative"),
        ),
        sa.CheckConstraint(
            "complaints_settled >= 0",
            name=op.f("ck_tally_version_complaints_settled_not_negative"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_tally_version_version_positive")),
        sa.CheckConstraint(
            "voters_on_roll >= 0",
            name=op.f("ck_tally_version_voters_on_roll_not_negative"),
        ),
        sa.CheckConstraint(
            "voters_voted >= 0", name=op.f("ck_tally_version_voters_voted_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["app_user.id"],
            name=op.f("fk_tally_version_actor_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["tally_record.id"],
            name=op.f("fk_tally_version_record_id_tally_record"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tally_version")),
        sa.UniqueConstraint("record_id", "version", name="uq_tally_version_record_version"),
    )
    op.create_table(
        "tally_vote",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.CheckConstraint("votes >= 0", name=op.f("ck_tally_vote_votes_not_negative")),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
            name=op.f("fk_tally_vote_candidate_id_candidate"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["tally_version.id"],
            name=op.f("fk_tally_vote_version_id_tally_version"),
        ),
        sa.PrimaryKeyConstraint("version_id", "candidate_id", name=op.f("pk_tally_vote")),
    )

    # The audit chain starts from a fixed genesis head; appends lock this row.
    audit_head = sa.table(
        "audit_head",
        sa.column("id", sa.Integer),
        sa.column("seq", sa.BigInteger),
        sa.column("hash", sa.String),
    )
    op.bulk_insert(audit_head, [{"id": 1, "seq": 0, "hash": "0" * 64}])


def downgrade() -> None:

    op.drop_table("tally_vote")
    op.drop_table("tally_version")
    op.drop_table("idempotency_key")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_object")
        batch_op.drop_index("ix_audit_event_actor_id")
        batch_op.drop_index("ix_audit_event_action")

    op.drop_table("audit_event")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index("ix_api_token_user_id")

    op.drop_table("api_token")
    op.drop_table("voter_count")
    op.drop_table("voter")
    op.drop_table("unit_voting_area")
    with op.batch_alter_table("tally_record", schema=None) as batch_op:
        batch_op.drop_index("ix_tally_record_contest_status")

    op.drop_table("tally_record")
    op.drop_table("candidate")
    op.drop_table("app_user")
    with op.batch_alter_table("voting_area", schema=None) as batch_op:
        batch_op.drop_index("ix_voting_area_area_id")

    op.drop_table("voting_area")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_index("ix_unit_contest_id")

    op.drop_table("unit")
    op.drop_table("contest")
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.drop_index("ix_area_path")
        batch_op.drop_index("ix_area_parent_id")

    op.drop_table("area")
    op.drop_table("election")
    op.drop_table("audit_head")
    op.drop_table("area_level")
