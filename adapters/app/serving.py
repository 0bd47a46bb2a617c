"""``feedbackbot run``: the HTTP server and every configured platform, in one event loop.

Each piece (adapters/app/http_server.py, slack_platform.py, discord_platform.py,
scheduling.py, workers.py) starts one thing and stops it when its block ends; ``serving``
enters them in order on one exit stack, which stops them in the reverse order."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

from adapters.app.composition import App
from adapters.app.delivering import Delivering, delivering
from adapters.app.discord_platform import discord_platform
from adapters.app.http_server import http_server
from adapters.app.reach import Served
from adapters.app.readiness import PartState, Readiness, database_part
from adapters.app.scheduling import scheduling
from adapters.app.slack_platform import (
    WEB_API,
    SlackPlatform,
    slack_connection,
    slack_platform,
    web_api_part,
)
from adapters.app.stopping import StopPlan, start_watchdog
from adapters.app.webhook_dispatching import webhook_dispatching
from adapters.app.workers import announce_ready, first_process_gone, worker_processes
from adapters.slack.app import SlackAdapter
from bot.slas import TriageChannels

log = logging.getLogger("feedbackbot")


@dataclass(frozen=True, slots=True)
class Serving:
    port: int
    platforms: list[str]
    # Connections that run until stopped, each supervised; one that ends on its own ended
    # with a configuration error.
    connections: list[asyncio.Task[None]] = field(default_factory=list)
    slack: SlackAdapter | None = None
    plan: StopPlan = field(default_factory=StopPlan)
    # What ``GET /readyz`` reports.
    readiness: Readiness | None = None

    async def settled(self) -> None:
        """Wait until the work started for the requests answered so far is done."""
        if self.slack is not None:
            await self.slack.settled()

    async def stop(self) -> None:
        """Refuse new requests at once and let those under way finish, within the bounds of
        adapters/app/stopping.py; the block then closes everything."""
        await self.plan.begin()


@asynccontextmanager
async def serving(app: App, environ: Mapping[str, str] | None = None) -> AsyncIterator[Serving]:
    """Start the HTTP server and the platforms (Slack, Discord, or both, on one database), and
    the other worker processes (with ``environ`` as their settings) when there are to be several;
    stop them all when the block ends (gracefully, in bounded time, after ``Serving.stop``).

    The exit stack closes the pieces in the reverse order. The outbox's delivery is entered
    first: on a stop it claims nothing more at once, and once the rest has stopped it hands
    back its claims on what it did not deliver, for the next start."""
    settings = app.settings
    plan = StopPlan()
    readiness = _readiness(app)
    async with AsyncExitStack() as stack:
        # First in, so last out: the claims of what was not delivered are handed back once
        # everything that could still deliver has stopped.
        delivery = await stack.enter_async_context(delivering(app))
        plan.refuse_new(delivery.refuse)
        plan.finish(delivery.finished)
        served: list[Served] = []
        slack: SlackPlatform | None = None
        if settings.slack is not None:
            web_api = readiness.link()
            readiness.add(WEB_API, web_api_part(web_api))
            slack = await stack.enter_async_context(slack_platform(app, settings.slack, web_api))
            plan.finish(slack.adapter.settled)
        scrape = None if app.metrics is None else app.metrics.scrape
        port = await stack.enter_async_context(
            http_server(
                settings,
                None if slack is None else slack.http_app,
                plan,
                readiness,
                scrape,
                _with_trackers(app, _dashboard(app)),
            )
        )
        if slack is not None:
            # Its own stack, so that stopping closes a Socket Mode connection at once (new
            # events then go to the other connections, or wait for the next start).
            connection = AsyncExitStack()
            stack.push_async_callback(connection.aclose)
            served.append(await connection.enter_async_context(slack_connection(slack, readiness)))
            plan.refuse_new(connection.aclose)
        adapter = None if slack is None else slack.adapter
        if settings.worker > 0:
            _deliver(delivery, served)
            _tell_surveys(app, served)
            # Last in, first out: webhooks stop before the platforms.
            await stack.enter_async_context(
                webhook_dispatching(app, [each.reach for each in served], tell=False)
            )
            # Another worker: the HTTP server and Slack only (see adapters/app/workers.py).
            worker = Serving(
                port, [each.name for each in served], _connections(served), adapter, plan, readiness
            )
            log.info("serving %s on port %s", ", ".join(worker.platforms), port)
            yield worker
            return
        if settings.discord is not None:
            link = readiness.link()
            readiness.add(DISCORD, link.probe)
            served.append(
                await stack.enter_async_context(discord_platform(app, settings.discord, link))
            )
        _deliver(delivery, served)
        _tell_surveys(app, served)
        reminders = await stack.enter_async_context(
            scheduling(app, [each.reach for each in served], plan)
        )

        async def scheduler() -> PartState:
            return PartState("running") if reminders.running else PartState("stopped", ok=False)

        readiness.add(SCHEDULER, scheduler)
        # After the platforms and the scheduler, so it stops first.
        await stack.enter_async_context(
            webhook_dispatching(app, [each.reach for each in served], tell=True)
        )
        platforms = [each.name for each in served] or [DASHBOARD_ALONE]
        connections = _connections(served)
        if settings.workers > 1:
            workers = await stack.enter_async_context(
                worker_processes(settings.workers, port, environ or {}, plan)
            )
            connections.extend(worker.watch for worker in workers if worker.watch is not None)
            platforms.append(f"{settings.workers} worker processes")
        log.info(
            "serving %s; health at GET /healthz and /readyz on port %s", ", ".join(platforms), port
        )
        log.info("the dashboard is at %s (sign in with /roadmap dashboard)", app.core.dashboard_url)
        yield Serving(port, platforms, connections, adapter, plan, readiness)


DISCORD, SCHEDULER = "discord", "scheduler"
# What ``run`` serves with no chat platform configured: people trying the bot with the console.
DASHBOARD_ALONE = (
    "the dashboard alone (no chat platform is configured: set SLACK_BOT_TOKEN and "
    "SLACK_SIGNING_SECRET for Slack, or DISCORD_TOKEN for Discord)"
)


def _dashboard(app: App) -> Callable[[web.Application], None]:
    """The dashboard's routes on the core of ``app``; imported only by ``run``, which serves it."""
    from adapters.dashboard.routes import add_dashboard

    secure = (app.settings.public_url or "").startswith("https://")
    return lambda web_app: add_dashboard(web_app, app.core, secure=secure)


def _with_trackers(
    app: App, routes: Callable[[web.Application], None]
) -> Callable[[web.Application], None]:
    """``routes``, and ``POST /webhooks/github`` and ``/webhooks/jira`` when a tracker is
    configured (adapters/trackers/routes.py)."""
    trackers = app.settings.trackers
    if not trackers.configured:
        return routes
    from adapters.trackers.routes import add_tracker_webhooks

    def both(web_app: web.Application) -> None:
        add_tracker_webhooks(web_app, app.core, trackers)
        routes(web_app)

    return both


def _readiness(app: App) -> Readiness:
    """Every part this process will run, ``starting`` until its piece replaces the probe; the
    first process alone holds the Discord gateway and the scheduler (adapters/app/workers.py)."""
    readiness = Readiness(app.core.clock)
    readiness.add("database", database_part(app.engine))
    if app.settings.slack is not None:
        readiness.starting("slack")
    first = app.settings.worker == 0
    if app.settings.discord is not None:
        if first:
            readiness.starting(DISCORD)
        else:
            readiness.fixed(DISCORD, "in worker 0")
    if first:
        readiness.starting(SCHEDULER)
    else:
        readiness.fixed(SCHEDULER, "in worker 0")
    return readiness


def _deliver(delivery: Delivering, served: list[Served]) -> None:
    for each in served:
        delivery.serve(each.reach)
    delivery.start()


def _tell_surveys(app: App, served: list[Served]) -> None:
    """A survey answered No in this process owes its workspace's triage channel a line: the
    survey answers learn the triage channels of the platforms served here (every process,
    since any may take the press)."""
    channels = TriageChannels()
    for each in served:
        each.reach.triage(channels)
    app.core.surveys.channels = channels


def _connections(served: list[Served]) -> list[asyncio.Task[None]]:
    return [each.connection for each in served if each.connection is not None]


# A busy bot makes and drops many small objects per request; with Python's default threshold
# (700) the collector ran every few requests. Measured with bench/slack_ack.py at concurrency
# 50: about 7% less CPU per item, and a lower ack p99.
GC_THRESHOLDS = (20_000, 20, 20)


def collect_less_often() -> None:
    """Once started: what start-up made (modules, the app, its clients) lives as long as the
    process, so the collector stops looking at it, and it runs less often."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


async def run_until_stopped(app: App, environ: Mapping[str, str] | None = None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with serving(app, environ) as served:
        collect_less_often()
        stopped = asyncio.create_task(stop.wait())
        if app.settings.worker > 0:
            gone = asyncio.create_task(first_process_gone())
            gone.add_done_callback(lambda _: stop.set())
            announce_ready()
        done, _ = await asyncio.wait(
            {stopped, *served.connections}, return_when=asyncio.FIRST_COMPLETED
        )
        stopped.cancel()
        start_watchdog()
        await served.stop()
        for ended in done - {stopped}:
            # A connection ends on its own only for a configuration error (its supervisor,
            # adapters/app/supervising.py, survives every other failure); the error says why.
            ended.result()
    log.info("stopped")
