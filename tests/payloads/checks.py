"""What the mutation tests check on either platform, and how many cases they run."""

from __future__ import annotations

import logging
import os
from typing import Any

from hypothesis import HealthCheck, settings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

# A few hundred cases per platform keep CI well under a minute; ``FUZZ_EXAMPLES`` runs more.
fuzzing = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")),
    deadline=None,
    # One running bot serves every case of a test, on purpose; mutated payloads can be large.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


def tracebacks(records: list[logging.LogRecord], loggers: tuple[str, ...] = ("",)) -> list[str]:
    """The records of ``loggers`` (all by default) that carry a traceback, shortened."""
    return [
        f"{record.name}: {record.getMessage()[:200]}"
        for record in records
        if (record.exc_info or "Traceback" in record.getMessage())
        and record.name.startswith(loggers)
    ]


async def incomplete_items(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    """Stored items without a workspace, a channel or a text, or with an empty author id."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT w.external_id, i.channel_id, i.text, i.author_id FROM items i "
                "JOIN workspaces w ON w.id = i.workspace_id"
            )
        )
        return [
            tuple(str(value)[:80] for value in row)
            for row in rows
            if not row[0] or not row[1] or not row[2].strip() or row[3] == ""
        ]
