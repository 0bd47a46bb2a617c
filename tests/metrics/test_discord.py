"""Discord's interactions in the metrics: each command counted, and its acknowledgement timed,
as the real discord.py client of the adapter handles them from a fake Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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
from tests.discord.fake_discord import BOT_ID, FakeDiscord
from tests.metrics.conftest import parse


@asynccontextmanager
async def observed_bot(
    engine: AsyncEngine, observations: PrometheusObservations
) -> AsyncIterator[DiscordBot]:
    """The bot on a fake Discord with Acme and Alice, telling ``observations``."""
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    try:
        async with FakeDiscord() as fake:
            fake.add_guild(ACME_GUILD, "Acme", {ACME_CHANNEL: "general"})
            fake.add_member(ACME_GUILD, ALICE, "alice")
            settings = settings_for(fake)
            core = core_on(engine, observations=observations)
            adapter = CountedDiscordAdapter(
                core.conversation(discord_surface(settings)),
                settings,
                observations=observations,
            )
            await adapter.start(None)
            try:
                await fake.wait_until(fake.ready.is_set, describe=lambda: "the bot to identify")
                yield DiscordBot(fake, adapter, core.feedback)
            finally:
                await adapter.close()
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


async def test_a_discord_command_is_counted_and_its_acknowledgement_timed(
    sqlite_engine: AsyncEngine,
) -> None:
    registry = CollectorRegistry()
    async with observed_bot(sqlite_engine, PrometheusObservations(registry)) as bot:
        await bot.command("feedback", text="the gateway is fast")

    samples = parse(generate_latest(registry).decode())
    command = {"platform": "discord", "command": "/feedback"}
    assert samples.value("feedbackbot_requests_total", **command) == 1
    assert samples.value("feedbackbot_acks_total", **command, outcome="ok") == 1
    assert samples.value("feedbackbot_ack_seconds_count", **command) == 1
    recorded = {"kind": "feedback", "stakeholder": "internal", "priority": ""}
    assert samples.value("feedbackbot_items_recorded_total", platform="discord", **recorded) == 1


async def test_a_press_of_the_bot_s_button_is_counted_and_its_answer_timed(
    sqlite_engine: AsyncEngine,
) -> None:
    registry = CollectorRegistry()
    async with observed_bot(sqlite_engine, PrometheusObservations(registry)) as bot:
        # A survey post whose poll is gone: the press is answered all the same.
        post = bot.fake.add_message(ACME_CHANNEL, BOT_ID, "Pulse survey")
        await bot.fake.press(post, "fb:pulse:99:4", user_id=ALICE, guild_id=ACME_GUILD)
        await bot.handled(1)

    samples = parse(generate_latest(registry).decode())
    pressed = {"platform": "discord", "command": "button"}
    assert samples.value("feedbackbot_requests_total", **pressed) == 1
    assert samples.value("feedbackbot_acks_total", **pressed, outcome="ok") == 1
    assert samples.value("feedbackbot_ack_seconds_count", **pressed) == 1
