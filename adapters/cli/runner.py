"""``feedbackbot run``: the HTTP server and every configured platform, in one event loop."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from adapters.cli.composition import App
from adapters.slack.app import SlackAdapter
from adapters.web import SLACK_PATH, build_web_app

log = logging.getLogger("feedbackbot")


class NothingToServe(Exception):
    """No platform is configured; ``run`` says how to configure one."""


@dataclass(frozen=True, slots=True)
class Serving:
    port: int
    platforms: list[str]


@asynccontextmanager
async def serving(app: App) -> AsyncIterator[Serving]:
    """Start the HTTP server and the platforms; stop them all when the block ends."""
    settings = app.settings
    if settings.slack is None:
        raise NothingToServe()
    async with AsyncExitStack() as stack:
        slack = await stack.enter_async_context(SlackAdapter(app.service, settings.slack))
        bolt = slack.build()
        socket_mode = settings.slack.socket_mode
        runner = web.AppRunner(build_web_app(None if socket_mode else bolt), access_log=None)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        site = web.TCPSite(runner, settings.host, settings.port)
        await site.start()
        port = runner.addresses[0][1] if runner.addresses else settings.port
        if socket_mode:
            handler = AsyncSocketModeHandler(bolt, settings.slack.app_token)
            await handler.connect_async()  # type: ignore[no-untyped-call]
            stack.push_async_callback(handler.close_async)
            platforms = ["Slack (Socket Mode)"]
        else:
            platforms = [f"Slack (HTTP, POST {SLACK_PATH})"]
        log.info("serving %s; health at GET /healthz on port %s", ", ".join(platforms), port)
        yield Serving(port, platforms)


async def run_until_stopped(app: App) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with serving(app):
        await stop.wait()
    log.info("stopped")
