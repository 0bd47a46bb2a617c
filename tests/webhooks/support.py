"""What the webhook tests share: a sealed core on a real database that sends through httpx to
the receiver fake, and a look at the delivery rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sealing import FernetSeal, new_key
from adapters.webhooks.sender import HttpxWebhookSender
from bot.core import Core, assemble
from bot.webhook_dispatch import WebhookDispatch
from storage.sqlite_writes import SqliteWriteTogether
from storage.tables import webhook_deliveries
from storage.unit_of_work import SqlStorage
from tests.fakes import FixedClock

SEAL = FernetSeal(new_key())


@dataclass
class Bot:
    core: Core
    clock: FixedClock
    storage: SqlStorage
    engine: AsyncEngine
    # Retries without jitter, so their times can be told.
    dispatch: WebhookDispatch


@asynccontextmanager
async def bot_on(
    engine: AsyncEngine, *, group_commit: bool = False, clock: FixedClock | None = None
) -> AsyncIterator[Bot]:
    """The core on ``engine`` with a seal and an httpx sender (and SQLite's group commit when
    asked), and a dispatcher that retries without jitter."""
    clock = clock or FixedClock()
    storage = SqlStorage(engine)
    async with httpx.AsyncClient() as client, AsyncExitStack() as stack:
        sender = HttpxWebhookSender(client, timeout_s=5)
        writer = None
        if group_commit:
            writer = await stack.enter_async_context(SqliteWriteTogether(engine, storage.known))
        core = assemble(
            storage.unit_of_work, clock, seal=SEAL, write_together=writer, webhook_sender=sender
        )
        dispatch = WebhookDispatch(
            storage.unit_of_work, clock, SEAL, sender, jitter=lambda: 1.0, owner="test"
        )
        yield Bot(core, clock, storage, engine, dispatch)


async def delivery_rows(engine: AsyncEngine) -> list[dict[str, object]]:
    async with engine.connect() as conn:
        found = await conn.execute(select(webhook_deliveries).order_by(webhook_deliveries.c.id))
        return [dict(row) for row in found.mappings()]


async def count_deliveries(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        found = await conn.execute(select(func.count()).select_from(webhook_deliveries))
        return int(found.scalar_one())
