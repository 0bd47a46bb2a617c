"""The outbox piece of ``feedbackbot run``: delivers what is owed on the platforms this process
serves, including what other processes (or an earlier run) left, and hands its claims back when
it stops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from adapters.app.composition import App
from adapters.app.reach import Reach
from bot.errors import StorageError

log = logging.getLogger("feedbackbot")

# What is left of a delivery round once the stop's own wait for it (adapters/app/stopping.py)
# is over: a last moment, within the stop's bound.
LAST_CALL_S = 0.5


class Delivering:
    def __init__(self, app: App) -> None:
        self._delivery = app.core.delivery
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def serve(self, reach: Reach) -> None:
        self._delivery.serve(reach.platform, reach.deliver)

    def start(self) -> None:
        """Deliver what is due, from now until the block ends."""
        if self._task is None and self._delivery.platforms:
            self._task = asyncio.create_task(self._delivery.run(self._stopping))

    async def refuse(self) -> None:
        """Claim nothing more; the round under way goes on."""
        self._stopping.set()

    async def finished(self) -> None:
        """Return once the round under way is over."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            # Cancelled after that: its messages stay owed, their claims released below.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._task, LAST_CALL_S)
        try:
            released = await self._delivery.release()
        except StorageError:
            return  # the claims run out by themselves
        if released:
            log.info("left %d owed message(s) for the next start", released)


@asynccontextmanager
async def delivering(app: App) -> AsyncIterator[Delivering]:
    """Entered before the platforms, so it ends after them: what they were still delivering
    when they stopped is handed back, owed, for the next start."""
    handle = Delivering(app)
    try:
        yield handle
    finally:
        await handle.stop()
