"""The lock file beside a SQLite database (``<file>.lock``, empty), which orders the processes
that change it: migrations, and the workers' group commits (``storage.sqlite_writes``).

An ``flock`` on it waits in the kernel, which wakes the next holder as soon as the lock is let
go. Where there is no ``flock`` (Windows), or no file to lock (an in-memory database, a folder
we may not write to), there is no lock file and SQLite's own locking alone keeps writes apart.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


def open_lock_file(database: str | None) -> int | None:
    """The lock file of ``database``, opened (made if missing); ``None`` where there is none."""
    if fcntl is None or not database or database == ":memory:":
        return None
    try:
        return os.open(f"{database}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError:
        return None


def lock(descriptor: int) -> None:
    """Wait for the lock and take it (a lock file that ``open_lock_file`` gave)."""
    if fcntl is not None:
        fcntl.flock(descriptor, fcntl.LOCK_EX)


def unlock(descriptor: int) -> None:
    if fcntl is not None:
        with suppress(OSError):
            fcntl.flock(descriptor, fcntl.LOCK_UN)


@contextmanager
def held(descriptor: int | None) -> Iterator[None]:
    """The lock held for the ``with`` block; nothing to hold when ``descriptor`` is ``None``."""
    if descriptor is None:
        yield
        return
    lock(descriptor)
    try:
        yield
    finally:
        unlock(descriptor)


async def take(database: str | None) -> int | None:
    """The lock file of ``database``, opened and locked without blocking the event loop
    (``None`` where there is none); closing the descriptor lets the lock go. A wait that is
    cancelled lets the lock go as soon as its thread has it, so it is never left held."""
    descriptor = open_lock_file(database)
    if descriptor is None or fcntl is None:
        return descriptor
    try:
        # Mostly free: taken at once, without a thread.
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return descriptor
    except BlockingIOError:
        pass
    except OSError:
        os.close(descriptor)
        return None
    waiting = asyncio.ensure_future(asyncio.to_thread(lock, descriptor))
    try:
        await asyncio.shield(waiting)
    except BaseException:
        waiting.add_done_callback(lambda _: os.close(descriptor))
        raise
    return descriptor
