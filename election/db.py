"""Engine, sessions and the declarative base.

SQLite is configured as a real embedded database: WAL, a busy timeout,
foreign keys on, and write transactions that take the write lock at BEGIN
(``BEGIN IMMEDIATE``) so they wait for each other instead of failing later
with "database is locked".
"""

from __future__ import annotations

import contextlib
import logging
import os

from sqlalchemy import MetaData, create_engine, event, make_url, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Execution option a write use-case sets on its connection before the
# transaction starts; on SQLite it turns BEGIN into BEGIN IMMEDIATE.
WRITE = {"election_write": True}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str, **kwargs) -> Engine:
    """An engine for ``url`` with the per-dialect settings this service relies on.

    A failed statement is logged without its bound values (``hide_parameters``): they hold
    names, figures and secrets.
    """
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        _private_file(url)
        kwargs.pop("pool_size", None)  # SQLite keeps its own pool (file: queue; memory: static)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine, memory=":memory:" in url or url.rstrip("/") == "sqlite:")
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("max_overflow", 2)
    return create_engine(url, **kwargs)


def _private_file(url: str) -> None:
    """Create a SQLite database file readable by its owner only (it holds every secret)."""
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    # SQLite gives the -wal and -shm files the mode of the database file.
    with contextlib.suppress(PermissionError):  # another owner's file: theirs to protect
        os.chmod(path, 0o600)


def _configure_sqlite(engine: Engine, memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's begin event emit BEGIN itself (pysqlite's own
        # transaction handling would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("election_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


class _Session(Session):
    def commit(self) -> None:
        """Commit; a write that left events or totals pending settles them after.

        See ``election.services.settle`` (imported here, as this module is below the services).
        """
        if "pending" not in self.info:
            super().commit()
            return
        from election.services import settle

        settle.commit(self, super().commit)

    def close(self) -> None:
        """Close; a connection the database already dropped has nothing left to roll back.

        Without this, a request whose connection is cut after its answer was built (database
        restart, network cut) fails in the teardown with a bare 500 from gunicorn.
        """
        try:
            super().close()
        except (OperationalError, InterfaceError) as exc:
            logging.getLogger(__name__).warning("closing a session on a lost connection: %s", exc)


def make_sessionmaker(engine: Engine, info: dict | None = None) -> sessionmaker[Session]:
    """Sessions on ``engine``; ``info`` is copied into each (e.g. the TOTP sealing key)."""
    return sessionmaker(
        bind=engine, class_=_Session, expire_on_commit=False, autoflush=False, info=info or {}
    )


def inserted(session: Session, row: object) -> bool:
    """Add ``row`` and flush it; False, the transaction rolled back, when a unique key refuses it."""
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return False
    return True


def begin_write(session: Session) -> None:
    """Start ``session``'s transaction as a write transaction.

    Call it first in a write use-case. On SQLite the write lock is taken now,
    so concurrent writers queue instead of failing; elsewhere it is a no-op.
    """
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write() called with unflushed changes in the session")
        if session.get_bind().dialect.name != "sqlite":
            # Elsewhere each statement reads what is committed (READ COMMITTED): the read
            # that came first may simply go on writing, without a commit's round trip.
            return
        # End the read that came first (e.g. loading the signed-in user): a deferred
        # transaction that later writes can fail on SQLite instead of waiting its turn.
        session.commit()
    session.connection(execution_options=WRITE)
    if session.get_bind().dialect.name == "sqlite":
        # The database's one write lock is held from BEGIN IMMEDIATE: the transaction chains
        # its events and writes every total itself (``services.settle`` has the other way).
        session.info["audit_head_held"] = session.get_transaction()


def ping(session: Session) -> None:
    """Ask the database for ``SELECT 1``; one that does not answer raises OperationalError."""
    session.execute(text("SELECT 1"))


def refresh_statistics(session: Session, tables: tuple[str, ...]) -> None:
    """After a bulk load into ``tables``, let PostgreSQL's planner see their rows now.

    Autovacuum would get there eventually, or never where it is turned off; until then the
    planner keeps the sizes it saw before the load and may scan 300,000 rows where an index
    would read ten. Only the tables the load filled: a table analysed while still empty
    is planned as empty long after it has grown (a roll import after analysing the empty
    roll took 5× longer), where a table never analysed is estimated from its size on disk.
    SQLite plans from its indexes alone.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ANALYZE {', '.join(tables)}"))
        session.commit()
