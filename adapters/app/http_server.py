"""The HTTP server piece of ``feedbackbot run``: health for orchestrators, Slack's events in
HTTP mode and the dashboard, on ``HOST:PORT``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from aiohttp import web
from slack_bolt.async_app import AsyncApp

from adapters.app.readiness import Readiness
from adapters.app.settings import Settings
from adapters.app.stopping import FINISH_S, LAST_CALL_S, StopPlan
from adapters.web import Scrape, build_web_app
from bot.errors import ConfigError


@asynccontextmanager
async def http_server(
    settings: Settings,
    slack: AsyncApp | None,
    plan: StopPlan | None = None,
    readiness: Readiness | None = None,
    metrics: Scrape | None = None,
    dashboard: Callable[[web.Application], None] | None = None,
) -> AsyncIterator[int]:
    """Serve until the block ends; gives the port it listens on (``PORT=0`` picks one). When
    ``plan`` begins, the port is closed at once and the requests in flight are answered.
    ``metrics`` answers ``GET /metrics`` (404 without); ``dashboard`` adds the dashboard's
    routes."""
    plan = plan or StopPlan()
    # What cleanup still gives a request once the plan's own wait for them is over.
    secret = settings.slack.signing_secret if settings.slack is not None else None
    web_app = build_web_app(
        slack,
        signing_secret=secret,
        readiness=readiness,
        metrics=metrics,
        metrics_token=settings.metrics.token,
        dashboard=dashboard,
    )
    runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=LAST_CALL_S)
    await runner.setup()

    async def refuse_new() -> None:
        # Closing the listening socket makes new connections fail at once (refused), where a
        # server that kept it open would queue them in the backlog until it exits.
        for site in list(runner.sites):
            await site.stop()
        # As aiohttp's own cleanup: requests already read start to be handled first, then
        # idle keep-alive connections are closed and busy ones close after their answer.
        await asyncio.sleep(0)
        if runner.server is not None:
            runner.server.pre_shutdown()

    async def finish() -> None:
        if runner.server is not None:
            await runner.server.shutdown(plan.left(FINISH_S))

    plan.refuse_new(refuse_new)
    plan.finish(finish)
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
