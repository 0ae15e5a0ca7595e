"""the credential of every audit event; service accounts (role-less integration users)

``audit_event.credential`` names what an event came through (``session``, ``token:<id>``,
``cli``); events written before stay NULL and their hashes unchanged. ``app_user.service``
marks an account for an integration, whose ``role`` may be NULL (read only).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_event", sa.Column("credential", sa.String(length=40), nullable=True))
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(
            sa.Column("service", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.alter_column("role", existing_type=sa.String(length=20), nullable=True)
        batch.create_check_constraint(
            op.f("ck_app_user_person_has_role"), "role IS NOT NULL OR service"
        )


def downgrade() -> None:
    roleless = op.get_bind().scalar(sa.text("SELECT count(*) FROM app_user WHERE role IS NULL"))
    if roleless:
        raise RuntimeError(
            f"{roleless} tài khoản dịch vụ không có vai trò: xóa chúng trước khi hạ phiên bản"
        )
    with op.batch_alter_table("app_user") as batch:
        batch.drop_constraint(op.f("ck_app_user_person_has_role"), type_="check")
        batch.alter_column("role", existing_type=sa.String(length=20), nullable=False)
        batch.drop_column("service")
    op.drop_column("audit_event", "credential")
