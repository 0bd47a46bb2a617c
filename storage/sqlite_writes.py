"""Group commits on SQLite, each run whole on a thread of its own.

Through aiosqlite every statement is a round trip between the event loop and the driver's
thread, and a busy loop answers each one late: a group commit of about 20 items held SQLite's
file lock for 4-5 ms (about 15 round trips) while the other worker processes waited on it, and
took about 20 ms in all. Here the whole transaction (BEGIN IMMEDIATE to COMMIT) is one call on
one thread, on a second connection to the same file, so the lock is held only while SQLite
works.

The workers' writers also queue for each other on the lock file beside the database
(``storage.file_lock``), taken before BEGIN IMMEDIATE. Without it a writer that finds
SQLite's lock taken sleeps in SQLite's busy handler (1, 2, 5, 10 ms ...) and tries again, so it
often slept on after the lock was free: with two workers a group commit waited 4 ms on average
and up to 12 ms for a lock held 1-3 ms, and half the commands' time went to that wait. The
kernel wakes the next writer as soon as the lock is let go.

Inside the lock the statements run on the driver's own cursor, their rows built before it is
taken (``storage.sqlite_rows``), and the thread is one of its own (``storage.writer_thread``),
not a pool's. Driving a ``Journal`` alone with 50 items at a time (no HTTP), the two cut the
CPU per item of the whole write path, both threads counted, from 0.094-0.115 ms to 0.077 ms.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from functools import partial
from time import perf_counter
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import StorageError
from bot.identity import Workspace
from bot.observations import UNOBSERVED, Observations
from bot.ports import Writes
from storage.engine import driver_failure, sqlite_sync_engine
from storage.file_lock import held, open_lock_file
from storage.outbox import postpone
from storage.sqlite_rows import (
    INSERT_ITEMS,
    INSERT_OWED,
    RESERVE_NUMBERS,
    SQLITE_NOTE_THANKS,
    SQLITE_SETTLE,
    Prepared,
)
from storage.unit_of_work import DATABASE_FAILURES
from storage.webhooks import emit_sqlite
from storage.workspaces import find_workspace
from storage.writer_thread import WriterThread
from storage.writes import first_deliveries, number_items

GROUP_COMMIT = "group_commit"


class SqliteWriteTogether:
    """``WriteTogether`` for SQLite; open it with ``async with`` (it owns a thread and a
    connection). ``known`` is the committed workspace ids the storage's units of work share;
    workspaces this writer finds or makes are added to it once committed."""

    def __init__(
        self,
        engine: AsyncEngine,
        known: dict[Workspace, int],
        observations: Observations = UNOBSERVED,
    ) -> None:
        self._engine = sqlite_sync_engine(engine)
        self._known = known
        self._observations = observations
        self._thread = WriterThread("sqlite-writes")
        self._queue = open_lock_file(self._engine.url.database)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._thread.call(self._engine.dispose)
        self._thread.close()
        if self._queue is not None:
            os.close(self._queue)

    async def __call__(self, writes: Writes) -> None:
        # Read on the event loop's thread, the only one that changes ``known``.
        named = writes.adding() | {note.workspace for note in writes.notes}
        known = {
            workspace: self._known[workspace] for workspace in named if workspace in self._known
        }
        began = perf_counter()
        try:
            found = await self._thread.call(self._write, writes, known)
        except DATABASE_FAILURES as error:
            self._observations.transaction(GROUP_COMMIT, perf_counter() - began, True)
            raise StorageError(f"the database failed: {error}") from error
        self._observations.transaction(GROUP_COMMIT, perf_counter() - began, False)
        self._known.update(found)

    def _write(self, writes: Writes, known: dict[Workspace, int]) -> dict[Workspace, int]:
        """The transaction, on the writer's thread; the workspace ids it found or made."""
        ids: dict[Workspace, int | None] = dict(known)
        found: dict[Workspace, int] = {}
        adding = writes.adding()
        prepared = Prepared.of(writes)
        with held(self._queue), self._engine.begin() as conn:
            for workspace in {*adding, *(note.workspace for note in writes.notes)} - known.keys():
                workspace_id, _ = find_workspace(conn, workspace, workspace in adding)
                ids[workspace] = workspace_id
                if workspace_id is not None:
                    found[workspace] = workspace_id
            made = {w: i for w, i in ids.items() if i is not None}
            firsts = first_deliveries(conn, writes.once, made)
            new, owed = writes.to_add(firsts)
            # The cursor is closed before the failure is handled: a statement it still held
            # would keep a replaced connection's file open.
            driver = conn.connection.driver_connection
            assert driver is not None, "a connection in a transaction has its driver's"
            try:
                with closing(driver.cursor()) as cursor:
                    number_items(new, made, partial(_reserve, cursor))
                    if new:
                        cursor.executemany(INSERT_ITEMS, prepared.item_rows(new, made))
                    if owed:
                        cursor.executemany(INSERT_OWED, prepared.owed_rows(owed, made))
                    # The items are numbered: their events' payloads can be composed.
                    events = writes.to_emit(firsts)
                    if events:
                        emit_sqlite(cursor, events, made)
                    if writes.notes:
                        cursor.executemany(SQLITE_NOTE_THANKS, prepared.note_rows(ids))
                    if writes.settled:
                        cursor.executemany(SQLITE_SETTLE, prepared.settled)
            except sqlite3.Error as error:
                raise driver_failure(conn, error) from error
            postpone(conn, writes.postponed)
        return found


def _reserve(cursor: sqlite3.Cursor, workspace_id: int, count: int) -> int:
    last: int = cursor.execute(RESERVE_NUMBERS, (count, workspace_id)).fetchone()[0]
    return last
