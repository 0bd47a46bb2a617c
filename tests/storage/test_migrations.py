"""The migrations build the schema the code expects, both ways, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.schema import (
    SchemaOutOfDate,
    alembic_config,
    compared,
    current_revision,
    ensure_schema,
    head_revision,
    migrate,
)
from storage.tables import metadata
from tests.processes import installed


def revisions_oldest_first() -> list[tuple[str, str]]:
    script = ScriptDirectory.from_config(alembic_config())
    steps = [(rev.revision, rev.down_revision or "base") for rev in script.walk_revisions()]
    return list(reversed(steps))  # type: ignore[arg-type]


async def test_every_revision_upgrades_downgrades_and_upgrades_again(
    empty_engine: AsyncEngine,
) -> None:
    for revision, previous in revisions_oldest_first():
        await migrate(empty_engine, revision)
        await migrate(empty_engine, previous, down=True)
        await migrate(empty_engine, revision)
        assert await current_revision(empty_engine) == revision


async def test_migrations_build_exactly_the_tables_the_code_uses(engine: AsyncEngine) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"include_name": compared})
        return list(compare_metadata(context, metadata))

    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_a_fresh_database_is_migrated_at_start(empty_engine: AsyncEngine) -> None:
    await ensure_schema(empty_engine, auto_migrate=True)
    assert await current_revision(empty_engine) == head_revision()


async def test_without_auto_migrate_an_old_schema_stops_with_the_command_to_run(
    empty_engine: AsyncEngine,
) -> None:
    with pytest.raises(SchemaOutOfDate, match="run `feedbackbot db upgrade`"):
        await ensure_schema(empty_engine, auto_migrate=False)
    assert await current_revision(empty_engine) is None


async def test_a_schema_newer_than_the_code_stops_the_start(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(SchemaOutOfDate, match="newer"):
        await ensure_schema(engine, auto_migrate=True)


@pytest.mark.slow
async def test_two_processes_starting_together_on_a_fresh_database_both_come_up(
    database_url_for_test: str, tmp_path: Path
) -> None:
    # Each process migrates at start and records one item: both must work and number apart.
    env = {
        "PATH": os.environ.get("PATH", ""),
        "USER": "alice",
        "DATABASE_URL": database_url_for_test,
    }
    results = await asyncio.gather(
        *(
            installed("console", env=env, cwd=tmp_path, typed=f"/feedback {words}\n")
            for words in ("first", "second")
        )
    )
    assert [result.status for result in results] == [0, 0], results
    thanked = sorted(result.stdout for result in results)
    assert any("#1 " in output for output in thanked), thanked
    assert any("#2 " in output for output in thanked), thanked
