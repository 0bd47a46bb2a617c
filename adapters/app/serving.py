"""``feedbackbot run``: the HTTP server and every configured platform, in one event loop."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import ClientError, web
from discord import Client as DiscordClient
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from adapters.app.composition import App
from adapters.app.settings import Settings
from adapters.app.workers import (
    announce_ready,
    first_process_gone,
    start_workers,
    stop_workers,
)
from adapters.discord.app import DiscordAdapter
from adapters.discord.roadmap import discord_outlets, serve_triage_channel
from adapters.scheduler.directory import PlatformDirectory
from adapters.scheduler.platforms import slack_outlets
from adapters.scheduler.scheduler import ReminderScheduler
from adapters.scheduler.slas import JOB_ID, SLA_EVERY_S, SlaJob
from adapters.slack.app import SlackAdapter
from adapters.slack.chat import SlackChat, slack_error
from adapters.web import SLACK_PATH, build_web_app
from bot.errors import ConfigError, FeedbackBotError
from bot.identity import Platform
from bot.slas import TriageChannels

log = logging.getLogger("feedbackbot")


class NothingToServe(Exception):
    """No platform is configured; ``run`` says how to configure one."""


def ensure_something_to_serve(settings: Settings) -> None:
    """Raise ``NothingToServe`` when neither Slack nor Discord is configured."""
    if settings.slack is None and settings.discord is None:
        raise NothingToServe()


@dataclass(frozen=True, slots=True)
class Serving:
    port: int
    platforms: list[str]
    # Connections that run until stopped; one that ends on its own has failed.
    connections: list[asyncio.Task[None]] = field(default_factory=list)
    slack: SlackAdapter | None = None

    async def settled(self) -> None:
        """Wait until the work started for the requests answered so far is done."""
        if self.slack is not None:
            await self.slack.settled()


@asynccontextmanager
async def serving(app: App, environ: Mapping[str, str] | None = None) -> AsyncIterator[Serving]:
    """Start the HTTP server and the platforms (Slack, Discord, or both, on one database), and
    the other worker processes (with ``environ`` as their settings) when there are to be several;
    stop them all when the block ends."""
    settings = app.settings
    ensure_something_to_serve(settings)
    async with AsyncExitStack() as stack:
        platforms: list[str] = []
        connections: list[asyncio.Task[None]] = []
        bolt: AsyncApp | None = None
        slack: SlackAdapter | None = None
        if settings.slack is not None:
            slack = await stack.enter_async_context(SlackAdapter(app.service, settings.slack))
            slack.serve_roadmap(app.roadmap)
            slack.serve_triage(app.triage, settings.triage.slack_admin_users)
            bolt = slack.build()
        socket_mode = settings.slack is not None and settings.slack.socket_mode
        runner = web.AppRunner(build_web_app(None if socket_mode else bolt), access_log=None)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        shared = settings.workers > 1
        site = web.TCPSite(runner, settings.host, settings.port, reuse_port=shared)
        try:
            await site.start()
        except OSError as error:
            raise ConfigError(
                "PORT",
                f"cannot listen on {settings.host}:{settings.port} ({error.strerror or error})",
            ) from error
        port = runner.addresses[0][1] if runner.addresses else settings.port
        if settings.slack is not None and bolt is not None:
            if socket_mode:
                handler = AsyncSocketModeHandler(bolt, settings.slack.app_token)
                stack.push_async_callback(handler.close_async)
                handler.client.wss_uri = await _socket_mode_url(handler)
                await handler.connect_async()  # type: ignore[no-untyped-call]
                platforms.append("Slack (Socket Mode)")
            else:
                platforms.append(f"Slack (HTTP, POST {SLACK_PATH})")
        if settings.worker > 0:
            # Another worker: the HTTP server and Slack only (see adapters/app/workers.py).
            log.info("serving %s on port %s", ", ".join(platforms), port)
            yield Serving(port, platforms, connections, slack)
            return
        discord_client = None
        if settings.discord is not None:
            discord = DiscordAdapter(
                app.service,
                settings.discord,
                roadmap=app.roadmap,
                triage=app.triage,
                admin_roles=settings.triage.discord_admin_roles,
            )
            stack.push_async_callback(discord.close)
            await discord.start()
            assert discord.connection is not None
            connections.append(discord.connection)
            platforms.append("Discord (gateway)")
            discord_client = discord.client
        reminders = ReminderScheduler(app.roadmap, _chats(settings, slack, discord_client))
        await reminders.start()
        stack.push_async_callback(reminders.stop)
        triage_channels = _triage_channels(settings, slack)
        if discord_client is not None:
            serve_triage_channel(
                triage_channels, discord_client, settings.triage.discord_triage_channel
            )
        sla_job = SlaJob(app.triage, triage_channels)
        reminders.every(SLA_EVERY_S, sla_job.check, JOB_ID, at_once=True)
        if shared:
            workers = await start_workers(settings.workers, port, environ or {})
            stack.push_async_callback(stop_workers, workers)
            connections.extend(worker.watch for worker in workers if worker.watch is not None)
            platforms.append(f"{settings.workers} worker processes")
        log.info("serving %s; health at GET /healthz on port %s", ", ".join(platforms), port)
        yield Serving(port, platforms, connections, slack)


def _chats(
    settings: Settings, slack: SlackAdapter | None, discord: DiscordClient | None = None
) -> PlatformDirectory:
    """The chats reminders post through: one per platform this process serves."""
    chats = PlatformDirectory()
    if settings.slack is not None and slack is not None:
        chats.register(Platform.SLACK, slack_outlets(slack.client))
    if discord is not None:
        chats.register(Platform.DISCORD, discord_outlets(discord))
    return chats


def _triage_channels(settings: Settings, slack: SlackAdapter | None) -> TriageChannels:
    """Where SLA breaches are posted: each platform this process serves, with its triage
    channel. Platforms are added here (``channels.serve``), one block each."""
    channels = TriageChannels()
    if settings.slack is not None and slack is not None:
        channels.serve(
            Platform.SLACK, SlackChat(slack.client), settings.triage.slack_triage_channel
        )
    return channels


async def _socket_mode_url(handler: AsyncSocketModeHandler) -> str:
    """Ask Slack for the Socket Mode URL once before connecting: slack_sdk's ``connect`` retries
    forever, even when Slack refuses the token, so a wrong token would hang the start."""
    try:
        return await handler.client.issue_new_wss_url()
    except SlackApiError as error:
        raise ConfigError(
            "SLACK_APP_TOKEN",
            f"Slack refused the app-level token ({slack_error(error)}); make one with the "
            "connections:write scope (Basic Information > App-Level Tokens)",
        ) from error
    except (ClientError, OSError) as error:
        raise FeedbackBotError(f"cannot reach Slack to open Socket Mode: {error}") from error


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
        for ended in done - {stopped}:
            # A connection ends on its own only when it failed for good; its error says why.
            ended.result()
    log.info("stopped")
