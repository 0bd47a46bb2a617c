"""Alembic environment: runs on the connection ``storage.schema`` hands over, or on its own
async engine when started from the ``alembic`` command line."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from storage.engine import create_engine
from storage.schema import compared
from storage.tables import metadata
from storage.url import database_url

config = context.config


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
        include_name=compared,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_standalone() -> None:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    engine = create_engine(database_url(url))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_on)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("feedbackbot's migrations run online only: use `feedbackbot db upgrade`")

handed_over = config.attributes.get("connection")
if handed_over is None:
    asyncio.run(run_standalone())
else:
    run_on(handed_over)
