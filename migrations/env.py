"""Alembic environment: the URL comes from the caller (election.migrate) or DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context

from election.db import Base, make_engine
import election.models  # noqa: F401  (registers the tables on Base.metadata)

config = context.config
url = config.get_main_option("sqlalchemy.url") or os.environ.get(
    "DATABASE_URL", "sqlite:///instance/election.db"
)


def run_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration rebuilds a table by copy, drop and rename, which foreign keys
            # from other tables would refuse. SQLite's own recipe: keys off outside the
            # transaction, then a check of every key once the new tables are in place.
            _driver(connection).execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            broken = _driver(connection).execute("PRAGMA foreign_key_check").fetchall()
            _driver(connection).execute("PRAGMA foreign_keys=ON")
            if broken:
                raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")
    engine.dispose()


def _driver(connection):
    return connection.connection.driver_connection


if context.is_offline_mode():
    run_offline()
else:
    run_online()
