"""The Discord piece of ``feedbackbot run``: one gateway connection, so only the first process
runs it (see adapters/app/workers.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from adapters.app.composition import App
from adapters.app.reach import Reach, Served
from adapters.app.readiness import Link
from adapters.app.supervising import supervise
from adapters.discord.app import DiscordAdapter, discord_surface
from adapters.discord.chat import ChannelDeliveries
from adapters.discord.roadmap import discord_outlets, serve_triage_channel
from adapters.discord.settings import DiscordSettings
from bot.identity import Platform
from bot.slas import TriageChannels

DISCORD_GATEWAY = "Discord (gateway)"


@asynccontextmanager
async def discord_platform(
    app: App, settings: DiscordSettings, link: Link | None = None
) -> AsyncIterator[Served]:
    """``link`` follows the gateway connection, up and down, for ``GET /readyz``."""
    discord = DiscordAdapter(
        app.core.conversation(discord_surface(settings)),
        settings,
        admin_roles=app.settings.triage.discord_admin_roles,
        on_gateway=None if link is None else link.observe,
        observations=app.observations,
    )
    client = discord.client
    triage_channel = app.settings.triage.discord_triage_channel

    def triage(channels: TriageChannels) -> None:
        serve_triage_channel(channels, client, triage_channel)

    try:
        # A failure of the gateway connection is survived: logged once, connected again.
        await discord.start(keep=partial(supervise, DISCORD_GATEWAY, link=link))
        assert discord.connection is not None
        reach = Reach(Platform.DISCORD, discord_outlets(client), triage, ChannelDeliveries(client))
        yield Served(DISCORD_GATEWAY, reach, discord.connection)
    finally:
        # Also after a failed start: the client may hold a session already.
        await discord.close()
