"""TOTP secrets sealed at rest (AES-256-GCM, election/services/identity/secretbox.py)

The column grows to hold the sealed form; every secret stored in clear is sealed with the
key the caller passes (``flask db upgrade`` passes the app's: TOTP_KEY, else derived from
SECRET_KEY). Downgrading opens them again with the same key.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from election.services.identity import secretbox

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _secrets() -> list[tuple[int, str]]:
    rows = op.get_bind().execute(
        sa.text("SELECT id, totp_secret FROM app_user WHERE totp_secret IS NOT NULL")
    )
    return [(row[0], row[1]) for row in rows]


def _key(rows: list) -> bytes:
    key = context.config.attributes.get("totp_key")
    if rows and not isinstance(key, bytes):
        raise RuntimeError(
            "Có khóa TOTP cần niêm phong: chạy bằng «flask --app wsgi db upgrade» để dùng "
            "khóa của ứng dụng (TOTP_KEY hoặc SECRET_KEY)"
        )
    return key


def _store(rows: list[tuple[int, str]]) -> None:
    update = sa.text("UPDATE app_user SET totp_secret = :secret WHERE id = :id")
    for user_id, secret in rows:
        op.get_bind().execute(update, {"id": user_id, "secret": secret})


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.alter_column(
            "totp_secret", existing_type=sa.String(length=64), type_=sa.String(length=200)
        )
    rows = [(uid, s) for uid, s in _secrets() if not s.startswith(secretbox.PREFIX)]
    key = _key(rows)
    _store([(uid, secretbox.seal(key, uid, secret)) for uid, secret in rows])


def downgrade() -> None:
    rows = _secrets()
    key = _key(rows)
    _store([(uid, secretbox.open_sealed(key, uid, sealed)) for uid, sealed in rows])
    with op.batch_alter_table("app_user") as batch:
        batch.alter_column(
            "totp_secret", existing_type=sa.String(length=200), type_=sa.String(length=64)
        )
