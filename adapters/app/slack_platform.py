"""The Slack piece of ``feedbackbot run``: the adapter and its Bolt app, answered over HTTP or,
with ``SLACK_APP_TOKEN``, over a Socket Mode connection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

import aiohttp
from aiohttp import ClientError
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from adapters.app.composition import App
from adapters.app.reach import Reach, Served
from adapters.app.readiness import Link, PartState, Readiness
from adapters.app.supervising import supervise
from adapters.scheduler.platforms import slack_outlets
from adapters.slack.app import SlackAdapter, slack_surface
from adapters.slack.chat import SlackChat, SlackDeliveries, slack_error
from adapters.slack.inbound import CheckedSocketModeHandler
from adapters.slack.settings import SlackSettings
from adapters.web import SLACK_PATH
from bot.errors import ConfigError, FeedbackBotError
from bot.identity import Platform
from bot.slas import TriageChannels


@dataclass(frozen=True, slots=True)
class SlackPlatform:
    adapter: SlackAdapter
    bolt: AsyncApp
    settings: SlackSettings
    triage_channel: str | None

    @property
    def http_app(self) -> AsyncApp | None:
        """What the HTTP server answers Slack's events with; nothing in Socket Mode."""
        return None if self.settings.socket_mode else self.bolt

    @property
    def reach(self) -> Reach:
        client = self.adapter.client

        def triage(channels: TriageChannels) -> None:
            channels.serve(Platform.SLACK, SlackChat(client), self.triage_channel)

        return Reach(Platform.SLACK, slack_outlets(client), triage, SlackDeliveries(client))


@asynccontextmanager
async def slack_platform(
    app: App, settings: SlackSettings, web_api: Link | None = None
) -> AsyncIterator[SlackPlatform]:
    """Slack's adapter with every command it answers; events reach it once the HTTP server
    serves ``http_app`` or ``slack_connection`` connects. ``web_api`` is told whether each of
    its calls to Slack's Web API got an answer."""
    conversation = app.core.conversation(slack_surface(settings))
    admins = app.settings.triage.slack_admin_users
    async with SlackAdapter(
        conversation,
        settings,
        enrichment=app.core.enrichment,
        admin_users=admins,
        observations=app.observations,
        trace=None if web_api is None else _watching(web_api),
    ) as adapter:
        yield SlackPlatform(
            adapter, adapter.build(), settings, app.settings.triage.slack_triage_channel
        )


@asynccontextmanager
async def slack_connection(
    slack: SlackPlatform, readiness: Readiness | None = None
) -> AsyncIterator[Served]:
    """The Socket Mode connection when it is configured; entered after the HTTP server starts,
    which otherwise carries Slack's events itself. The first connection is made here (a refused
    app token stops the start); after that it is supervised (adapters/app/supervising.py).
    Its state goes to ``readiness`` as ``slack``."""
    if not slack.settings.socket_mode:
        if readiness is not None:
            readiness.fixed(SLACK, "up", f"HTTP, POST {SLACK_PATH}")
        yield Served(f"Slack (HTTP, POST {SLACK_PATH})", slack.reach)
        return
    socket = SocketMode(slack)
    link = None if readiness is None else readiness.link()
    try:
        await socket.open()
        if readiness is not None and link is not None:
            readiness.add(SLACK, _socket_state(socket, link))
        keep = supervise(SOCKET_MODE, socket.hold, link=link)
        connection = asyncio.create_task(keep, name="slack-socket")
        try:
            yield Served(SOCKET_MODE, slack.reach, connection)
        finally:
            socket.closing = True
            connection.cancel()
            await asyncio.wait({connection})
    finally:
        await socket.close()


SOCKET_MODE = "Slack (Socket Mode)"
SLACK = "slack"
WEB_API = "slack_web_api"


def _watching(web_api: Link) -> aiohttp.TraceConfig:
    """Hooks that tell ``web_api`` each call's fate: answered (below HTTP 500), or not."""
    trace = aiohttp.TraceConfig()

    async def answered(_: object, __: object, params: aiohttp.TraceRequestEndParams) -> None:
        if params.response.status < 500:
            web_api.up()
        else:
            web_api.down(f"Slack answers HTTP {params.response.status}")

    async def failed(_: object, __: object, params: aiohttp.TraceRequestExceptionParams) -> None:
        web_api.down(f"Slack does not answer ({type(params.exception).__name__})")

    trace.on_request_end.append(answered)
    trace.on_request_exception.append(failed)
    return trace


def web_api_part(web_api: Link) -> Callable[[], Awaitable[PartState]]:
    """The Web API's state for ``/readyz``: shown, never a reason to be taken out of service.
    While Slack cannot be reached the bot still records what people send, and the outbox posts
    the thank-yous once it answers; a 503 would take every replica out of the load balancer in
    a Slack outage and stop the recording too."""

    async def probe() -> PartState:
        seen = web_api.state()
        if seen.state == "up":
            return replace(seen, state="answering")
        if seen.detail is None:
            return PartState("not called yet")
        return replace(seen, state="not answering", ok=True)

    return probe


def _socket_state(socket: SocketMode, link: Link) -> Callable[[], Awaitable[PartState]]:
    async def probe() -> PartState:
        # slack_sdk reconnects on its own and tells no one: it is asked at each report.
        link.observe(await socket.connected())
        return link.state()

    return probe


class SocketMode:
    """Slack's Socket Mode through Bolt's handler. slack_sdk reconnects a dropped socket itself;
    should its session monitor end anyway (the connection is then dead for good), ``hold``
    fails, and the supervisor connects a new handler."""

    def __init__(self, slack: SlackPlatform) -> None:
        self._slack = slack
        self._handler: CheckedSocketModeHandler | None = None
        self.closing = False

    async def open(self) -> None:
        await self.close()
        handler = CheckedSocketModeHandler(self._slack.bolt, self._slack.settings.app_token)
        self._handler = handler
        handler.client.wss_uri = await _socket_mode_url(handler)
        await handler.connect_async()  # type: ignore[no-untyped-call]

    async def hold(self) -> None:
        """Until the connection is closed on purpose; raises when it ended otherwise."""
        if self._handler is None or self._handler.client.closed:
            await self.open()
        assert self._handler is not None
        client = self._handler.client
        while not self.closing:
            # slack_sdk replaces the monitor with each new socket; it is over when one ends
            # without a successor.
            monitor = client.current_session_monitor
            if monitor is None:
                break
            await asyncio.wait({monitor})
            if client.current_session_monitor is monitor:
                break
        if not self.closing:
            await self.close()
            raise FeedbackBotError("the Socket Mode session ended")

    async def connected(self) -> bool:
        handler = self._handler
        return handler is not None and bool(await handler.client.is_connected())

    async def close(self) -> None:
        if self._handler is not None:
            handler, self._handler = self._handler, None
            await handler.close_async()  # type: ignore[no-untyped-call]


async def _socket_mode_url(handler: CheckedSocketModeHandler) -> str:
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
