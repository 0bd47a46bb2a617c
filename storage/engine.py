"""Engines configured for how feedbackbot uses each database."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.postgres_url import connect_args, without_translated
from storage.url import is_sqlite

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_QUEUE_S = 300

log = logging.getLogger(__name__)

# The SQLite files whose disk was found full, until a checkpoint of their WAL succeeds again.
_full: set[str] = set()


class DatabaseDiskFull(SQLAlchemyError):
    """A write failed because the disk that holds the SQLite database is full."""

    def __init__(self, database: str) -> None:
        super().__init__(
            f"the database disk is full ({database}); nothing can be stored until space is freed"
        )


def create_engine(url: str) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys and write-ahead locking of transactions.
    A failed statement's error never shows its parameters (``hide_parameters``): they hold
    people's words and ids, and the error is logged."""
    if not is_sqlite(url):
        # libpq's query parameters (sslmode=...) become asyncpg's arguments.
        parsed = make_url(url)
        return create_async_engine(
            parsed.set(query=without_translated(parsed.query)),
            connect_args=connect_args(parsed.query),
            pool_pre_ping=True,
            hide_parameters=True,
        )
    # SQLite has one writer at a time anyway. One connection makes writers queue in asyncio,
    # in order, instead of polling in SQLite's busy handler; other processes (a console beside
    # `run`) still wait on the file lock with BEGIN IMMEDIATE.
    # A unit of work always ends in a commit or in closing its connection, which rolls back;
    # the pool's own rollback on return would be one more round trip to SQLite's thread.
    engine = create_async_engine(
        url,
        pool_size=1,
        max_overflow=0,
        pool_timeout=SQLITE_QUEUE_S,
        pool_reset_on_return=None,
        hide_parameters=True,
    )
    _listen(engine.sync_engine)
    return engine


def sqlite_sync_engine(engine: AsyncEngine) -> Engine:
    """A plain engine on the same SQLite file as ``engine``, configured the same way, with one
    connection: for work that runs whole on a thread of its own (``storage.sqlite_writes``)."""
    url = engine.url.set(drivername="sqlite")
    sync = create_sync_engine(
        url,
        pool_size=1,
        max_overflow=0,
        pool_timeout=SQLITE_QUEUE_S,
        pool_reset_on_return=None,
        hide_parameters=True,
    )
    _listen(sync)
    return sync


def _listen(engine: Engine) -> None:
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_immediate)
    event.listen(engine, "handle_error", _on_error)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN would start a read transaction that fails with "database
    # is locked" when it later writes beside another connection; we emit BEGIN IMMEDIATE instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # busy_timeout first: switching a new file to WAL takes a lock that another process
    # opening it at the same moment must wait for, not fail on.
    for pragma in (
        f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
        "PRAGMA journal_mode=WAL",
        "PRAGMA foreign_keys=ON",
        "PRAGMA synchronous=NORMAL",
    ):
        cursor.execute(pragma)
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    database = str(connection.engine.url.database)
    if database in _full:
        _checkpoint(connection, database)
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _on_error(context: ExceptionContext) -> DatabaseDiskFull | None:
    error = context.original_exception
    if not _disk_full(error):
        return None
    database = str(context.engine.url.database) if context.engine is not None else "SQLite"
    _full.add(database)
    # A write that failed half way may leave its transaction open on the connection, which the
    # pool hands on without a rollback (``pool_reset_on_return=None``): every later BEGIN would
    # fail. A new connection starts clean.
    context.is_disconnect = True
    return DatabaseDiskFull(database)


def _disk_full(error: BaseException) -> bool:
    return isinstance(error, sqlite3.Error) and error.sqlite_errorcode == sqlite3.SQLITE_FULL


def driver_failure(connection: Connection, error: sqlite3.Error) -> SQLAlchemyError:
    """What a statement run on ``connection``'s driver cursor failed with, handled as
    SQLAlchemy handles its own statements' failures here (``_on_error``): a full disk is noted
    and the connection replaced."""
    if not _disk_full(error):
        return DBAPIError(None, None, error)
    database = str(connection.engine.url.database)
    _full.add(database)
    connection.invalidate()
    return DatabaseDiskFull(database)


def _checkpoint(connection: Any, database: str) -> None:
    """Move the WAL into the database and truncate it: once the disk has room again, this gives
    back the space the WAL grew into while every write failed. Tried before each transaction
    while the disk is known full; on the driver's cursor, so that its failure (still full) is
    not an error of the transaction that follows."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, _, _ = cursor.fetchone()
    except sqlite3.Error:
        return
    finally:
        cursor.close()
    if not busy:
        _full.discard(database)
        log.warning("the database disk has room again (%s); its WAL is checkpointed", database)
