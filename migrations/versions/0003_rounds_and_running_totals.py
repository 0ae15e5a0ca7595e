"""rounds and running totals

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 20:07:03.299954
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "area_closure",
        sa.Column("ancestor_id", sa.Integer(), nullable=False),
        sa.Column("descendant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ancestor_id"], ["area.id"], name=op.f("fk_area_closure_ancestor_id_area")
        ),
        sa.ForeignKeyConstraint(
            ["descendant_id"], ["area.id"], name=op.f("fk_area_closure_descendant_id_area")
        ),
        sa.PrimaryKeyConstraint("ancestor_id", "descendant_id", name=op.f("pk_area_closure")),
    )
    with op.batch_alter_table("area_closure", schema=None) as batch_op:
        batch_op.create_index("ix_area_closure_descendant_id", ["descendant_id"], unique=False)

    op.create_table(
        "result_total",
        sa.Column("scope_kind", sa.String(length=5), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("round_no", sa.Integer(), nullable=False),
        sa.Column("voting_areas_total", sa.Integer(), nullable=False),
        sa.Column("reported", sa.Integer(), nullable=False),
        sa.Column("verified", sa.Integer(), nullable=False),
        sa.Column("voters_on_roll", sa.Integer(), nullable=False),
        sa.Column("voters_voted", sa.Integer(), nullable=False),
        sa.Column("ballots_issued", sa.Integer(), nullable=False),
        sa.Column("ballots_received", sa.Integer(), nullable=False),
        sa.Column("ballots_valid", sa.Integer(), nullable=False),
        sa.Column("ballots_invalid", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "scope_kind IN ('area', 'unit')", name=op.f("ck_result_total_scope_kind_known")
        ),
        sa.CheckConstraint(
            "reported BETWEEN 0 AND voting_areas_total", name=op.f("ck_result_total_reported_range")
        ),
        sa.CheckConstraint(
            "verified BETWEEN 0 AND reported", name=op.f("ck_result_total_verified_range")
        ),
        sa.ForeignKeyConstraint(
            ["contest_id"], ["contest.id"], name=op.f("fk_result_total_contest_id_contest")
        ),
        sa.PrimaryKeyConstraint(
            "scope_kind", "scope_id", "contest_id", "round_no", name=op.f("pk_result_total")
        ),
    )
    op.create_table(
        "result_vote",
        sa.Column("scope_kind", sa.String(length=5), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("round_no", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.CheckConstraint("votes >= 0", name=op.f("ck_result_vote_votes_not_negative")),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidate.id"], name=op.f("fk_result_vote_candidate_id_candidate")
        ),
        sa.ForeignKeyConstraint(
            ["contest_id"], ["contest.id"], name=op.f("fk_result_vote_contest_id_contest")
        ),
        sa.PrimaryKeyConstraint(
            "scope_kind",
            "scope_id",
            "contest_id",
            "round_no",
            "candidate_id",
            name=op.f("pk_result_vote"),
        ),
    )
    with op.batch_alter_table("result_vote", schema=None) as batch_op:
        batch_op.create_index("ix_result_vote_candidate_id", ["candidate_id"], unique=False)

    op.create_table(
        "unit_round",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("round_no", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('first', 'additional', 're_election')", name=op.f("ck_unit_round_kind_known")
        ),
        sa.CheckConstraint("round_no >= 1", name=op.f("ck_unit_round_round_positive")),
        sa.ForeignKeyConstraint(
            ["opened_by"], ["app_user.id"], name=op.f("fk_unit_round_opened_by_app_user")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_unit_round_unit_id_unit")),
        sa.PrimaryKeyConstraint("unit_id", "round_no", name=op.f("pk_unit_round")),
    )
    _backfill()


# Frozen copies of the roll-up queries of election/services/totals.py at this revision,
# so a database that already holds an election gets its closure, rounds and totals.
TOTALS = """
INSERT INTO result_total (scope_kind, scope_id, contest_id, round_no, voting_areas_total,
    reported, verified, voters_on_roll, voters_voted, ballots_issued, ballots_received,
    ballots_valid, ballots_invalid, updated_at)
SELECT {kind}, {scope_id}, uva.contest_id, ur.round_no, COUNT(*), COUNT(tv.id),
       SUM(CASE WHEN tr.status = 'verified' THEN 1 ELSE 0 END),
       COALESCE(SUM(tv.voters_on_roll), 0), COALESCE(SUM(tv.voters_voted), 0),
       COALESCE(SUM(tv.ballots_issued), 0), COALESCE(SUM(tv.ballots_received), 0),
       COALESCE(SUM(tv.ballots_valid), 0), COALESCE(SUM(tv.ballots_invalid), 0), CURRENT_TIMESTAMP
FROM unit_voting_area uva
JOIN unit_round ur ON ur.unit_id = uva.unit_id
{scope}
LEFT JOIN tally_record tr ON tr.voting_area_id = uva.voting_area_id
     AND tr.contest_id = uva.contest_id AND tr.round_no = ur.round_no
LEFT JOIN tally_version tv ON tv.record_id = tr.id AND tv.version = tr.current_version
GROUP BY {scope_id}, uva.contest_id, ur.round_no
"""
VOTES = """
INSERT INTO result_vote (scope_kind, scope_id, contest_id, round_no, candidate_id, votes)
SELECT {kind}, {scope_id}, tr.contest_id, tr.round_no, v.candidate_id, SUM(v.votes)
FROM tally_record tr
JOIN unit_voting_area uva ON uva.voting_area_id = tr.voting_area_id
     AND uva.contest_id = tr.contest_id
{scope}
JOIN tally_version tv ON tv.record_id = tr.id AND tv.version = tr.current_version
JOIN tally_vote v ON v.version_id = tv.id
GROUP BY {scope_id}, tr.contest_id, tr.round_no, v.candidate_id
"""
AREA = {
    "kind": "'area'",
    "scope_id": "ac.ancestor_id",
    "scope": "JOIN voting_area va ON va.id = uva.voting_area_id "
    "JOIN area_closure ac ON ac.descendant_id = va.area_id",
}
UNIT = {"kind": "'unit'", "scope_id": "uva.unit_id", "scope": ""}


def _backfill() -> None:
    bind = op.get_bind()
    parent = dict(bind.execute(sa.text("SELECT id, parent_id FROM area")).all())
    pairs = []
    for area in parent:
        node = area
        while node is not None:
            pairs.append({"a": node, "d": area})
            node = parent[node]
    if pairs:
        bind.execute(
            sa.text("INSERT INTO area_closure (ancestor_id, descendant_id) VALUES (:a, :d)"), pairs
        )
    bind.execute(
        sa.text(
            "INSERT INTO unit_round (unit_id, round_no, kind, opened_at, opened_by) "
            "SELECT id, 1, 'first', CURRENT_TIMESTAMP, NULL FROM unit"
        )
    )
    for shape in (AREA, UNIT):
        bind.execute(sa.text(TOTALS.format(**shape)))
        bind.execute(sa.text(VOTES.format(**shape)))


def downgrade() -> None:
    op.drop_table("unit_round")
    with op.batch_alter_table("result_vote", schema=None) as batch_op:
        batch_op.drop_index("ix_result_vote_candidate_id")

    op.drop_table("result_vote")
    op.drop_table("result_total")
    with op.batch_alter_table("area_closure", schema=None) as batch_op:
        batch_op.drop_index("ix_area_closure_descendant_id")

    op.drop_table("area_closure")
