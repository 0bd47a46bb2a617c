"""Read every row of every table of a database, to look for what must not be there."""

from __future__ import annotations

from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import AsyncEngine


async def every_row(engine: AsyncEngine) -> str:
    """Every value of every table (whatever the migrations created), one row a line."""
    metadata = MetaData()
    async with engine.connect() as connection:
        await connection.run_sync(metadata.reflect)
        lines = []
        for table in metadata.sorted_tables:
            for row in await connection.execute(select(table)):
                lines.append(f"{table.name}: {tuple(row)}")
    return "\n".join(lines)
