"""Schema migrations through Alembic, driven from the app's database URL."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from election.config import ROOT


def alembic_config(url: str, totp_key: bytes | None = None) -> Config:
    config = Config()
    # The key migration 0011 seals TOTP secrets with (the app's; see election.config.totp_key).
    config.attributes["totp_key"] = totp_key
    config.set_main_option("script_location", str(ROOT / "migrations"))
    # Alembic's config is an INI parser: a literal % must be doubled.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head", totp_key: bytes | None = None) -> None:
    command.upgrade(alembic_config(url, totp_key), revision)


def downgrade(url: str, revision: str, totp_key: bytes | None = None) -> None:
    command.downgrade(alembic_config(url, totp_key), revision)


def revision(url: str, message: str) -> None:
    command.revision(alembic_config(url), message=message, autogenerate=True)
