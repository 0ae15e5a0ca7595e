"""Fixtures: a fresh migrated database per test, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Cheap password hashing for the many users the tests create (see election.services.identity.passwords).
os.environ.setdefault("ELECTION_FAST_PASSWORD_HASH", "1")
# Evidence files of apps the tests start (servers included) go to a temporary directory,
# never to the checkout's instance/.
os.environ.setdefault("EVIDENCE_DIR", tempfile.mkdtemp(prefix="election-evidence-"))
os.environ.setdefault("IMPORT_DIR", tempfile.mkdtemp(prefix="election-imports-"))
from sqlalchemy import inspect, text

from election import create_app, migrate
from election.db import make_engine, make_sessionmaker

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def pytest_collection_modifyitems(items):
    for item in items:
        if "db_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _pg_migrated() -> list[str]:
    """Migrate the PostgreSQL test database once; returns its tables."""
    engine = make_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    migrate.upgrade(PG_URL)
    engine = make_engine(PG_URL)
    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    engine.dispose()
    return tables


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> str:
    """The URL of an empty, fully migrated database."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    tables = request.getfixturevalue("_pg_migrated")
    engine = make_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        conn.execute(
            text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": "0" * 64}
        )
    engine.dispose()
    return PG_URL


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine):
    return make_sessionmaker(engine)


@pytest.fixture
def session(sessions):
    with sessions() as s:
        yield s


def app_config(db_url: str, tmp_path, **changes) -> dict:
    """The test app's settings, with ``changes``."""
    # The second factor has its own tests (tests/api/test_totp.py, which turn it on, and
    # the browser tests); the other page tests sign board and admin in with a password only.
    return {
        "DATABASE_URL": db_url,
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "TOTP_REQUIRED_ROLES": (),
        "EVIDENCE_DIR": str(tmp_path / "evidence"),
        "IMPORT_DIR": str(tmp_path / "imports"),
        # Settled in the request, so a test reads every total right after its write;
        # tests/api/test_settler.py tests the settler thread.
        "SETTLE_DELAY_MS": 0,
    } | changes


@pytest.fixture
def app(db_url, tmp_path):
    app = create_app(app_config(db_url, tmp_path))
    yield app
    app.extensions["election.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()
