"""Whether the database answers, for ``GET /readyz``: one cheap round trip, bounded in time."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import first_line
from storage.unit_of_work import DATABASE_FAILURES

PROBE_TIMEOUT_S = 2.0


async def database_problem(engine: AsyncEngine, timeout_s: float = PROBE_TIMEOUT_S) -> str | None:
    """``None`` when the database answers ``SELECT 1`` within ``timeout_s``; else what is wrong,
    in one line. A SQLite file removed from under the process is named as such: the open
    connection would go on answering from the deleted file, and lose what it writes."""
    database = engine.url.database
    on_disk = engine.dialect.name == "sqlite" and database and database != ":memory:"
    if on_disk and not await asyncio.to_thread(Path(str(database)).exists):
        return f"the SQLite file {database} is gone"
    try:
        async with asyncio.timeout(timeout_s):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except TimeoutError:
        return f"no answer within {timeout_s:.0f} s"
    except DATABASE_FAILURES as error:
        return first_line(error)
    return None
