"""Engines and transactions: SQLite in WAL mode by default, PostgreSQL through a URL."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from leadflow.errors import ConfigError

_BEGIN_OPTION = "leadflow_begin"


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # pysqlite's own BEGIN handling is off (isolation_level=None); we emit BEGIN ourselves so writers
    # take the write lock up front (IMMEDIATE) and wait for each other instead of failing mid-way.
    mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for the store URL; SQLite files get WAL, foreign keys and a busy timeout."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"cannot read the database URL {url!r}",
            where="LEADFLOW_DATABASE_URL",
            hint="use sqlite:///path/to/file.db or postgresql+psycopg://user@host/db",
        ) from None
    if parsed.get_backend_name() == "sqlite":
        pool: dict[str, Any] = {}
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            # The web app's request threads each hold a connection; the default pool (5 kept, 10 more opened
            # and closed again) made busy servers reconnect and redo the PRAGMAs on most requests.
            pool = {"pool_size": 20, "max_overflow": 40}
        engine = create_engine(url, echo=echo, connect_args={"isolation_level": None, "timeout": 30}, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, echo=echo, pool_pre_ping=True)
    raise ConfigError(
        f"unsupported database {parsed.get_backend_name()!r}",
        where="LEADFLOW_DATABASE_URL",
        hint="LeadFlow runs on SQLite (embedded) and PostgreSQL",
    )


def writer(engine: Engine) -> Engine:
    """The same engine, but transactions take SQLite's write lock at BEGIN (no-op on PostgreSQL)."""
    return engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})


_WRITE_LOCKS: dict[str, threading.RLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def _write_lock(engine: Engine) -> threading.RLock | None:
    """One lock per SQLite file for this process's writers (None for PostgreSQL and in-memory stores).

    SQLite admits one writer; a second one waiting on the file lock polls with sleeps of 1 to 100 ms (its busy
    handler). Threads of one process (API requests, the reaction drainer, the worker) queue on this lock instead,
    so the next writer starts the moment the last one commits. Other processes still meet the file lock.
    """
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    key = str(Path(url.database).resolve())
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(key, threading.RLock())


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction: commits on success, rolls back on any error. Services own these."""
    lock = _write_lock(engine)
    if lock is None:
        with writer(engine).begin() as conn:
            yield conn
        return
    with lock, writer(engine).begin() as conn:
        yield conn


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read-only unit of work (a consistent snapshot on SQLite WAL)."""
    with engine.begin() as conn:
        yield conn


def check_reachable(engine: Engine) -> None:
    """Fail with a clear message when the database cannot be opened."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except OperationalError as exc:
        raise ConfigError(
            f"cannot open the database: {exc.orig}",
            where=str(engine.url.render_as_string(hide_password=True)),
            hint="check LEADFLOW_DATABASE_URL, and that the server is running",
        ) from None
