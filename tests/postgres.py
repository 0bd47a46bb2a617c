"""A plain asyncpg connection to a PostgreSQL URL: for creating and dropping the databases of
tests and benchmarks, and for reading what a process left in one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    import asyncpg


@asynccontextmanager
async def connected(url: str) -> AsyncIterator[asyncpg.Connection]:
    # Imported here: asyncpg comes with the postgres extra, and SQLite-only runs skip its tests.
    import asyncpg

    parts = make_url(url)
    connection = await asyncpg.connect(
        user=parts.username,
        password=parts.password,
        host=parts.host,
        port=parts.port,
        database=parts.database,
    )
    try:
        yield connection
    finally:
        await connection.close()
