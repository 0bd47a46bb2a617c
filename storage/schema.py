"""Bringing a database to the schema this version needs, safely when replicas start together."""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

import migrations
from bot.errors import FeedbackBotError
from storage.file_lock import lock, open_lock_file

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

# Any fixed number works; it only has to be the same in every feedbackbot process.
_MIGRATION_LOCK = 0x0FEEDB07


class SchemaOutOfDate(FeedbackBotError):
    """The database is not at the schema this version of feedbackbot needs."""


# Alembic is imported only where it works: on a database already at the head (every start but
# the first after an upgrade), the start reads the revision with SQLAlchemy instead, which
# spares the console and every command about a third of their start-up time.


# What migration 0009 makes for full-text search that SQLAlchemy tables cannot describe:
# SQLite's FTS5 table with its shadow tables, and PostgreSQL's GIN index on an expression.
SEARCH_TABLES = frozenset(
    {"items_fts", *(f"items_fts_{shadow}" for shadow in ("data", "idx", "docsize", "config"))}
)
SEARCH_INDEXES = frozenset({"ix_items_text_search"})


def compared(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's ``include_name``: whether a table or index of the database is compared with
    ``storage.tables`` (so autogenerate never proposes to drop the search structures)."""
    if type_ == "table":
        return name not in SEARCH_TABLES
    if type_ == "index":
        return name not in SEARCH_INDEXES
    return True


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(_current)


async def migrate(engine: AsyncEngine, revision: str = "head", *, down: bool = False) -> None:
    """Upgrade (or downgrade) to ``revision``. Processes that start together take turns (see
    ``_one_at_a_time``): the first migrates, the others then find nothing to do."""
    async with _one_at_a_time(engine):
        await _migrate(engine, revision, down)


async def _migrate(engine: AsyncEngine, revision: str, down: bool) -> None:
    async with engine.connect() as connection:
        await connection.run_sync(_run, revision, down)
        await connection.commit()


@asynccontextmanager
async def _one_at_a_time(engine: AsyncEngine) -> AsyncIterator[None]:
    """Let one process at a time open and migrate the database.

    PostgreSQL: an advisory lock. SQLite: an exclusive lock on a file beside the database,
    held from the first connection on, since a brand-new file is switched to WAL when it is
    first opened and SQLite answers "database is locked" at once to a second process doing the
    same, without waiting in its busy handler."""
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            await _advisory(connection, "pg_advisory_lock")
            try:
                yield
            finally:
                await _advisory(connection, "pg_advisory_unlock")
        return
    descriptor = await asyncio.to_thread(open_lock_file, engine.url.database)
    if descriptor is None:
        # No place for the lock (a missing folder, say): SQLite reports the real problem.
        yield
        return
    try:
        await asyncio.to_thread(lock, descriptor)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def _run(connection: Connection, revision: str, down: bool) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    if down:
        command.downgrade(config, revision)
    else:
        command.upgrade(config, revision)


async def _advisory(connection: AsyncConnection, function: str) -> None:
    await connection.execute(text(f"SELECT {function}(:key)"), {"key": _MIGRATION_LOCK})
    await connection.commit()


async def ensure_schema(engine: AsyncEngine, *, auto_migrate: bool) -> None:
    """Meet an out-of-date schema by migrating it (``auto_migrate``) or by stopping with the
    command to run; a schema newer than this version always stops, since downgrading would
    lose data that the newer version wrote."""
    async with _one_at_a_time(engine):
        await _ensure(engine, auto_migrate)


async def _ensure(engine: AsyncEngine, auto_migrate: bool) -> None:
    if await _at_newest(engine):
        return
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    current = await current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is not None:
        try:
            known = ScriptDirectory.from_config(alembic_config()).get_revision(current)
        except CommandError:
            known = None
        if known is None:
            raise SchemaOutOfDate(
                f"the database schema ({current}) is newer than this feedbackbot knows; "
                "run the newer feedbackbot version that wrote it"
            )
    if not auto_migrate:
        raise SchemaOutOfDate(
            f"the database schema is at {current or 'nothing yet'} and this version needs "
            f"{head}: run `feedbackbot db upgrade`"
        )
    await _migrate(engine, "head", down=False)
    log.info("database schema upgraded from %s to %s", current or "empty", head)


_REVISION = re.compile(r"^(down_)?revision\b[^=]*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)


@cache
def _newest_revision() -> str | None:
    """The head revision, read from the ``revision`` and ``down_revision`` lines of the
    migration files; ``None`` when they do not make one line of revisions (Alembic decides
    then)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (Path(migrations.__file__).parent / "versions").glob("*.py"):
        for down, revision in _REVISION.findall(path.read_text(encoding="utf-8")):
            (parents if down else revisions).add(revision)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _stored_revisions(connection: Connection) -> list[str]:
    if not inspect(connection).has_table("alembic_version"):
        return []
    return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


async def _at_newest(engine: AsyncEngine) -> bool:
    """Whether the database is at the head, decided without Alembic; ``False`` sends the
    question to Alembic, which also tells an old schema from one newer than this version."""
    newest = _newest_revision()
    if newest is None:
        return False
    async with engine.connect() as connection:
        return await connection.run_sync(_stored_revisions) == [newest]
