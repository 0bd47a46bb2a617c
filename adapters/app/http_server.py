"""The HTTP server piece of ``feedbackbot run``: health for orchestrators, and Slack's events
in HTTP mode, on ``HOST:PORT``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from slack_bolt.async_app import AsyncApp

from adapters.app.settings import Settings
from adapters.web import build_web_app
from bot.errors import ConfigError


@asynccontextmanager
async def http_server(settings: Settings, slack: AsyncApp | None) -> AsyncIterator[int]:
    """Serve until the block ends; gives the port it listens on (``PORT=0`` picks one)."""
    runner = web.AppRunner(build_web_app(slack), access_log=None)
    await runner.setup()
    try:
        # Worker processes share the port; Linux spreads connections across them.
        shared = settings.workers > 1
        site = web.TCPSite(runner, settings.host, settings.port, reuse_port=shared)
        try:
            await site.start()
        except OSError as error:
            raise ConfigError(
                "PORT",
                f"cannot listen on {settings.host}:{settings.port} ({error.strerror or error})",
            ) from error
        yield runner.addresses[0][1] if runner.addresses else settings.port
    finally:
        await runner.cleanup()
