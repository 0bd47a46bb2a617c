"""Engines configured for how feedbackbot uses each database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.url import is_sqlite

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_QUEUE_S = 300


def create_engine(url: str) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys and write-ahead locking of transactions."""
    if not is_sqlite(url):
        return create_async_engine(url, pool_pre_ping=True)
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
    )
    event.listen(engine.sync_engine, "connect", _configure_sqlite)
    event.listen(engine.sync_engine, "begin", _begin_immediate)
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
    )
    event.listen(sync, "connect", _configure_sqlite)
    event.listen(sync, "begin", _begin_immediate)
    return sync


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
    connection.exec_driver_sql("BEGIN IMMEDIATE")
