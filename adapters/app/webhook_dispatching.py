"""The webhook piece of ``feedbackbot run``: every process sends the webhook deliveries due
(claimed with a lease, so the processes share them), and the first process, which serves every
platform's triage channel, also turns off the endpoints that failed for a day and tells their
admins there. Entered after the platforms, so it stops first; its claims are handed back."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from adapters.app.composition import App
from adapters.app.reach import Reach
from bot.slas import TriageChannels
from bot.webhook_dispatch import stop_dispatch

log = logging.getLogger("feedbackbot")

# How long a stop waits for the sends under way to be answered and recorded; what is still
# being sent after that is released, and sent again at the next start (at least once).
STOP_WAIT_S = 2.0


@asynccontextmanager
async def webhook_dispatching(
    app: App, reaches: Sequence[Reach], *, tell: bool
) -> AsyncIterator[None]:
    """Send webhooks until the block ends; with ``tell``, the admins of an endpoint turned off
    hear it in the triage channel of its workspace (as SLA breaches do)."""
    dispatch = app.core.dispatch
    if dispatch is None:
        yield
        return
    if tell:
        channels = TriageChannels()
        for reach in reaches:
            reach.triage(channels)
        dispatch.channels = channels
    stopping = asyncio.Event()
    task = asyncio.create_task(dispatch.run(stopping))
    try:
        yield
    finally:
        stopping.set()
        released = await stop_dispatch(dispatch, task, STOP_WAIT_S)
        if released:
            log.info("left %d webhook delivery(ies) for the next start", released)
