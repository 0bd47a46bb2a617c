"""The real discord.py client of the adapter against a fake Discord, on a real database."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import discord
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord.app import Keep, discord_surface
from adapters.discord.settings import DiscordSettings
from bot.identity import Platform, Workspace
from bot.items import Item
from bot.service import FeedbackService
from tests.core import core_on
from tests.discord.counted import CountedDiscordAdapter
from tests.discord.fake_discord import FakeDiscord, Place

ACME_GUILD, ACME_CHANNEL = "111111111111111111", "211111111111111111"
GLOBEX_GUILD, GLOBEX_CHANNEL = "122222222222222222", "222222222222222222"
ALICE, BOB, GINA = "311111111111111111", "322222222222222222", "333333333333333333"
CUSTOMER_ROLE = "411111111111111111"
ACME = Workspace(Platform.DISCORD, ACME_GUILD)
GLOBEX = Workspace(Platform.DISCORD, GLOBEX_GUILD)


def discord_env(fake: FakeDiscord, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The settings of ``feedbackbot`` on the fake Discord."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "HOST": "127.0.0.1",
        "LOG_LEVEL": "INFO",
        **extra,
    }
    if "PYTHONPATH" in os.environ:  # a checkout other than the installed one
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


@dataclass
class DiscordBot:
    fake: FakeDiscord
    adapter: CountedDiscordAdapter
    service: FeedbackService

    async def items(self, workspace: Workspace = ACME) -> list[Item]:
        return [item async for item in self.service.export(workspace)]

    async def command(
        self,
        name: str,
        user_id: str = ALICE,
        guild_id: str = ACME_GUILD,
        channel_id: str = ACME_CHANNEL,
        place: Place | None = None,
        **options: str | bool,
    ) -> None:
        """Use a command, and return once the bot has handled it completely."""
        handled = self.adapter.interactions.count
        await self.fake.command(
            name,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            options=options,
            place=place,
        )
        await self.handled(handled + 1)

    async def submit_form(
        self,
        custom_id: str,
        text: str,
        user_id: str = ALICE,
        guild_id: str = ACME_GUILD,
        channel_id: str = ACME_CHANNEL,
        place: Place | None = None,
    ) -> None:
        handled = self.adapter.interactions.count
        await self.fake.submit_form(
            custom_id, text, guild_id=guild_id, channel_id=channel_id, user_id=user_id, place=place
        )
        await self.handled(handled + 1)

    async def handled(self, interactions: int) -> None:
        await asyncio.wait_for(self.adapter.interactions.reach(interactions), 10)


def mentionable(data: dict[str, object]) -> tuple[object, list[str], object]:
    """What a message may ping: (kinds parsed from the text, users, the replied-to author)."""
    allowed = data["allowed_mentions"]
    assert isinstance(allowed, dict)
    users = [str(user) for user in allowed.get("users", [])]
    return allowed.get("parse"), users, allowed.get("replied_user", False)


@pytest.fixture(autouse=True)
def restore_discord_endpoints() -> object:
    """discord.py keeps its endpoints in class attributes; leave them as they were."""
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    yield None
    discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        fake.add_guild(ACME_GUILD, "Acme", {ACME_CHANNEL: "general"})
        fake.add_guild(GLOBEX_GUILD, "Globex", {GLOBEX_CHANNEL: "general"})
        fake.add_role(ACME_GUILD, CUSTOMER_ROLE, "Customer")
        fake.add_member(ACME_GUILD, ALICE, "alice")
        fake.add_member(ACME_GUILD, BOB, "bob")
        fake.add_member(ACME_GUILD, GINA, "gina", roles=(CUSTOMER_ROLE,))
        fake.add_member(GLOBEX_GUILD, ALICE, "alice")
        yield fake


def settings_for(fake: FakeDiscord, **overrides: object) -> DiscordSettings:
    values: dict[str, object] = {
        "token": "fake-token",
        "api_url": fake.api_url,
        "gateway_url": fake.gateway_url,
        "external_roles": frozenset({"customer"}),
    }
    values.update(overrides)
    return DiscordSettings(**values)  # type: ignore[arg-type]


async def start_bot(
    fake: FakeDiscord,
    engine: AsyncEngine,
    settings: DiscordSettings,
    defer_after: float = 1.0,
    keep: Keep | None = None,
) -> AsyncIterator[DiscordBot]:
    core = core_on(engine)
    service = core.feedback
    adapter = CountedDiscordAdapter(
        core.conversation(discord_surface(settings)), settings, defer_after=defer_after
    )
    await adapter.start(keep)
    try:
        await fake.wait_until(fake.ready.is_set, describe=lambda: "the bot to identify")
        yield DiscordBot(fake, adapter, service)
    finally:
        await adapter.close()


@pytest.fixture
async def bot(fake: FakeDiscord, engine: AsyncEngine) -> AsyncIterator[DiscordBot]:
    """The bot on SQLite and on PostgreSQL."""
    async for running in start_bot(fake, engine, settings_for(fake)):
        yield running
