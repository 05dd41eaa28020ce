"""Engines for SQLite (the default) and PostgreSQL, with ledger-grade settings.

SQLite: WAL with synchronous=FULL so a commit is durable, and every transaction
starts with BEGIN IMMEDIATE so read-then-write work (a pledge checking what
remains) takes the write lock first instead of failing with SQLITE_BUSY later.
pysqlite's own BEGIN handling is switched off to make that possible (the
SQLAlchemy dialect documentation's "Serializable isolation" recipe).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

DEFAULT_SQLITE_FILE = "minga.sqlite"


def default_database_url() -> str:
    return f"sqlite:///{Path(DEFAULT_SQLITE_FILE).resolve()}"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str) -> Engine:
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    dbapi_connection.isolation_level = None
    # SQLite's own lower() folds ASCII only; names like "Àgora" must match too.
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _sqlite_begin_immediate(connection) -> None:  # type: ignore[no-untyped-def]
    connection.exec_driver_sql("BEGIN IMMEDIATE")
