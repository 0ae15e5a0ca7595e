"""Issue 15, finding 6: TOTP secrets sealed at rest, and sealed by the migration where clear."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from election import migrate
from election.services.identity import secretbox

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
KEY = secretbox.derive_key("migration-test-key")


def test_a_sealed_secret_opens_only_with_its_key_and_its_user():
    sealed = secretbox.seal(KEY, 7, SECRET)
    assert sealed.startswith("v1:") and SECRET not in sealed
    assert secretbox.open_sealed(KEY, 7, sealed) == SECRET
    with pytest.raises(secretbox.SealError):
        secretbox.open_sealed(secretbox.derive_key("another"), 7, sealed)
    with pytest.raises(secretbox.SealError):
        secretbox.open_sealed(KEY, 8, sealed)  # copied onto another user's row
    assert secretbox.seal(KEY, 7, SECRET) != sealed  # a fresh nonce each time


def test_the_migration_seals_the_secrets_stored_in_clear_and_downgrading_opens_them(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0010")
    from election.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO app_user (id, username, full_name, role, password_hash, "
                "must_change_password, active, session_epoch, totp_secret, created_at, service) "
                "VALUES (5, 'board', '', 'board', 'x', 0, 1, 0, :s, '2021-05-23', 0)"
            ),
            {"s": SECRET},
        )
    with pytest.raises(RuntimeError):
        migrate.upgrade(url, "0011")  # a secret to seal and no key: refused, nothing done
    migrate.upgrade(url, "0011", KEY)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT totp_secret FROM app_user")).scalar_one()
    assert stored.startswith("v1:") and secretbox.open_sealed(KEY, 5, stored) == SECRET
    migrate.downgrade(url, "0010", KEY)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT totp_secret FROM app_user")).scalar_one() == SECRET
    engine.dispose()
