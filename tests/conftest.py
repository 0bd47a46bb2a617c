"""Shared fixtures: real databases (SQLite always, PostgreSQL when its URL is given)."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import create_engine
from storage.schema import migrate
from storage.url import database_url
from tests.browser.chromium import MISSING as CHROMIUM_MISSING
from tests.browser.chromium import chromium
from tests.postgres import connected

POSTGRES_ENV = "FEEDBACKBOT_TEST_POSTGRES_URL"
POSTGRES_URL = os.environ.get(POSTGRES_ENV, "")
_MISSING = f"{POSTGRES_ENV} is not set: the PostgreSQL tests are SKIPPED"


def pytest_report_header() -> list[str]:
    lines = [
        f"PostgreSQL tests run against {POSTGRES_ENV}" if POSTGRES_URL else f"WARNING: {_MISSING}"
    ]
    browser = chromium()
    lines.append(f"browser tests drive {browser}" if browser else f"WARNING: {CHROMIUM_MISSING}")
    return lines


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not POSTGRES_URL:
        terminalreporter.write_sep("!", _MISSING, yellow=True, bold=True)
    if chromium() is None:
        terminalreporter.write_sep("!", CHROMIUM_MISSING, yellow=True, bold=True)


async def _admin(sql: str) -> None:
    async with connected(POSTGRES_URL) as connection:
        await connection.execute(sql)


def _postgres_named(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(False)


async def _migrated(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


class MigratedTemplates:
    """One database of each kind migrated to the newest schema, once per run, and copied for
    every test that wants a migrated database: a copy costs a few milliseconds, where the
    migrations cost 0.15 s (SQLite) to 0.3 s (PostgreSQL) a test."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._sqlite: Path | None = None
        self.postgres: str | None = None

    async def sqlite_copy(self, path: Path) -> None:
        if self._sqlite is None:
            template = self._folder / "template.db"
            await _migrated(f"sqlite+aiosqlite:///{template}")
            # Everything in the main file, so that copying it alone copies the database.
            with sqlite3.connect(template) as connection:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._sqlite = template
        shutil.copyfile(self._sqlite, path)

    async def postgres_copy(self, name: str) -> None:
        if self.postgres is None:
            template = f"feedbackbot_template_{uuid.uuid4().hex[:12]}"
            await _admin(f'CREATE DATABASE "{template}"')
            self.postgres = template
            await _migrated(database_url(_postgres_named(template)))
        await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.postgres}"')


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MigratedTemplates]:
    templates = MigratedTemplates(tmp_path_factory.mktemp("templates"))
    yield templates
    if templates.postgres is not None:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{templates.postgres}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database_url_for_test(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_templates: MigratedTemplates
) -> AsyncIterator[str]:
    """A fresh database of each kind, with its async URL: migrated to the newest schema when
    the test asks for ``engine``, empty otherwise."""
    migrated = "engine" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "feedbackbot.db"
        if migrated:
            await migrated_templates.sqlite_copy(path)
        yield database_url(f"sqlite:///{path}")
        return
    if not POSTGRES_URL:
        pytest.skip(_MISSING)
    name = f"feedbackbot_test_{uuid.uuid4().hex[:12]}"
    if migrated:
        await migrated_templates.postgres_copy(name)
    else:
        await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(_postgres_named(name))
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def empty_engine(database_url_for_test: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url_for_test)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
async def engine(empty_engine: AsyncEngine) -> AsyncEngine:
    """A database migrated to the newest schema (``database_url_for_test`` copied it so)."""
    return empty_engine


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    return tmp_path / "sqlite.db"


@pytest.fixture
async def sqlite_engine(
    sqlite_path: Path, migrated_templates: MigratedTemplates
) -> AsyncIterator[AsyncEngine]:
    """A migrated SQLite database of the test's own, for tests that need no other kind."""
    await migrated_templates.sqlite_copy(sqlite_path)
    engine = create_engine(f"sqlite+aiosqlite:///{sqlite_path}")
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def clean_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An environment for running ``feedbackbot`` as a new user would: nothing configured."""
    yield {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "USER": "alice"}
