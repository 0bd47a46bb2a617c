"""Discord's interactions in the metrics: each command counted, and its acknowledgement timed,
as the real discord.py client of the adapter handles them from a fake Discord."""

from __future__ import annotations

import discord
from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord.app import discord_surface
from adapters.metrics.prometheus import PrometheusObservations
from tests.core import core_on
from tests.discord.conftest import (
    ACME_CHANNEL,
    ACME_GUILD,
    ALICE,
    DiscordBot,
    settings_for,
)
from tests.discord.counted import CountedDiscordAdapter
from tests.discord.fake_discord import FakeDiscord
from tests.metrics.conftest import parse


async def test_a_discord_command_is_counted_and_its_acknowledgement_timed(
    sqlite_engine: AsyncEngine,
) -> None:
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    registry = CollectorRegistry()
    observations = PrometheusObservations(registry)
    try:
        async with FakeDiscord() as fake:
            fake.add_guild(ACME_GUILD, "Acme", {ACME_CHANNEL: "general"})
            fake.add_member(ACME_GUILD, ALICE, "alice")
            settings = settings_for(fake)
            core = core_on(sqlite_engine, observations=observations)
            adapter = CountedDiscordAdapter(
                core.conversation(discord_surface(settings)),
                settings,
                observations=observations,
            )
            await adapter.start(None)
            try:
                await fake.wait_until(fake.ready.is_set, describe=lambda: "the bot to identify")
                bot = DiscordBot(fake, adapter, core.feedback)
                await bot.command("feedback", text="the gateway is fast")
            finally:
                await adapter.close()
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = base, gateway

    samples = parse(generate_latest(registry).decode())
    command = {"platform": "discord", "command": "/feedback"}
    assert samples.value("feedbackbot_requests_total", **command) == 1
    assert samples.value("feedbackbot_acks_total", **command, outcome="ok") == 1
    assert samples.value("feedbackbot_ack_seconds_count", **command) == 1
    recorded = {"kind": "feedback", "stakeholder": "internal", "priority": ""}
    assert samples.value("feedbackbot_items_recorded_total", platform="discord", **recorded) == 1
