"""Shared fixtures: real databases (SQLite always, PostgreSQL when its URL is given)."""

from __future__ import annotations

import os
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


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database_url_for_test(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[str]:
    """A fresh, empty database of each kind, with its async URL."""
    if request.param == "sqlite":
        yield database_url(f"sqlite:///{tmp_path / 'feedbackbot.db'}")
        return
    if not POSTGRES_URL:
        pytest.skip(_MISSING)
    name = f"feedbackbot_test_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(make_url(POSTGRES_URL).set(database=name).render_as_string(False))
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
    """A database migrated to the newest schema."""
    await migrate(empty_engine)
    return empty_engine


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    return tmp_path / "sqlite.db"


@pytest.fixture
async def sqlite_engine(sqlite_path: Path) -> AsyncIterator[AsyncEngine]:
    """A migrated SQLite database of the test's own, for tests that need no other kind."""
    engine = create_engine(f"sqlite+aiosqlite:///{sqlite_path}")
    await migrate(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def clean_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An environment for running ``feedbackbot`` as a new user would: nothing configured."""
    yield {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "USER": "alice"}
