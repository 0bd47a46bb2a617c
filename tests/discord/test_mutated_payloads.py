"""Valid but mutated Discord gateway dispatches, sent by the fake Discord to the real
discord.py client of the adapter: never a traceback from the bot's own handlers, nothing stored
that lacks what an item needs, and the bot still takes a valid command afterwards.

A dispatch discord.py itself cannot parse ends its gateway connection (its parser raises out of
``Client.connect``); keeping the process up then is the supervision's work (issue 14). Here
such a dispatch is counted, the connection is opened again, and the rest goes on."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord.app import discord_surface
from adapters.discord.settings import DiscordSettings
from bot.core import Core
from tests.core import core_on
from tests.discord.conftest import ACME, ACME_CHANNEL, ACME_GUILD, ALICE, settings_for
from tests.discord.counted import CountedDiscordAdapter
from tests.discord.fake_discord import BOT_ID, FakeDiscord
from tests.discord.places import OTHER_GUILD, place_for
from tests.payloads.checks import fuzzing, incomplete_items, tracebacks
from tests.payloads.discord import discord_shapes
from tests.payloads.mutations import mutated

# Where discord.py reports an exception raised by an event handler: the bot's own code.
HANDLER_LOGGERS = ("discord.client", "discord.app_commands", "adapters", "bot", "asyncio")
PROBE_EMOJI = "🎈"  # neither the vote nor the capture emoji: taken in and ignored
WAIT_S = 10


@dataclass
class Connected:
    """The adapter on the fake Discord, opened again whenever a dispatch ended its
    connection (``lost`` counts those)."""

    fake: FakeDiscord
    core: Core
    settings: DiscordSettings
    adapter: CountedDiscordAdapter | None = None
    lost: list[str] = field(default_factory=list)

    async def connect(self) -> CountedDiscordAdapter:
        self.fake.ready.clear()
        conversation = self.core.conversation(discord_surface(self.settings))
        self.adapter = CountedDiscordAdapter(conversation, self.settings, defer_after=1.0)
        await self.adapter.start()
        await asyncio.wait_for(self.fake.ready.wait(), WAIT_S)
        return self.adapter

    async def close(self) -> None:
        if self.adapter is not None:
            await self.adapter.close()

    async def taken_in(self, event: str, data: dict[str, Any], message_id: str) -> None:
        """Dispatch ``event``, then a reaction the bot ignores; return once that one is taken
        in and the handlers started meanwhile are done, or the connection has ended."""
        adapter = self.adapter
        assert adapter is not None and adapter.connection is not None
        count = adapter.reactions.count
        await self.fake.dispatch(event, data)
        await self.fake.react(
            True,
            guild_id=ACME_GUILD,
            channel_id=ACME_CHANNEL,
            message_id=message_id,
            user_id=ALICE,
            emoji=PROBE_EMOJI,
        )
        probe = asyncio.ensure_future(adapter.reactions.reach(count + 1))
        await asyncio.wait(
            {probe, adapter.connection}, timeout=WAIT_S, return_when="FIRST_COMPLETED"
        )
        probe.cancel()
        await handlers_done()
        if adapter.connection.done():
            self.lost.append(event)
            await self.close()
            await self.connect()


async def handlers_done() -> None:
    """Wait for the event handlers and commands discord.py started (it names their tasks)."""
    running = [
        task
        for task in asyncio.all_tasks()
        if task.get_name().startswith(("discord.py: on_", "CommandTree-invoker"))
        and task is not asyncio.current_task()
    ]
    if running:
        await asyncio.wait(running, timeout=WAIT_S)


def handler_tracebacks(records: list[logging.LogRecord]) -> list[str]:
    # How the adapter reports a connection discord.py ended: counted in ``lost`` instead.
    return [
        found
        for found in tracebacks(records, HANDLER_LOGGERS)
        if "the Discord connection ended" not in found
    ]


@pytest.fixture
async def connected(fake: FakeDiscord, sqlite_engine: AsyncEngine) -> AsyncIterator[Connected]:
    fake.add_guild(OTHER_GUILD, "Initech", {})
    running = Connected(fake, core_on(sqlite_engine), settings_for(fake))
    await running.connect()
    try:
        yield running
    finally:
        await running.close()
        if running.lost:  # shown with ``pytest -s``: what discord.py could not parse
            print(f"\n{len(running.lost)} dispatches ended the connection: {Counter(running.lost)}")


@fuzzing
@given(data=st.data())
async def test_no_mutated_dispatch_makes_a_handler_fail_or_stores_an_incomplete_item(
    connected: Connected,
    fake: FakeDiscord,
    sqlite_engine: AsyncEngine,
    caplog: pytest.LogCaptureFixture,
    data: st.DataObject,
) -> None:
    message_id = fake.add_message(ACME_CHANNEL, BOT_ID, "Thanks for your feedback #1")
    shape = data.draw(st.sampled_from(discord_shapes(place_for(fake, message_id))), label="shape")
    payload = data.draw(mutated(shape.data), label="payload")
    seen = len(caplog.records)
    await connected.taken_in(shape.event, payload, message_id)
    assert handler_tracebacks(caplog.records[seen:]) == []
    assert await incomplete_items(sqlite_engine) == []


async def test_after_mutated_dispatches_a_valid_command_is_stored_and_thanked(
    connected: Connected, fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    message_id = fake.add_message(ACME_CHANNEL, BOT_ID, "Thanks for your feedback #1")
    for shape in discord_shapes(place_for(fake, message_id)):
        broken = {key: None for key in shape.data}
        await connected.taken_in(shape.event, broken, message_id)
    adapter = connected.adapter
    assert adapter is not None
    handled = adapter.interactions.count
    await fake.command(
        "feedback",
        guild_id=ACME_GUILD,
        channel_id=ACME_CHANNEL,
        user_id=ALICE,
        options={"text": "Still listening"},
    )
    await asyncio.wait_for(adapter.interactions.reach(handled + 1), WAIT_S)
    items = [item async for item in connected.core.feedback.export(ACME)]
    assert [item.text for item in items] == ["Still listening"]
    assert any("Still listening" in m.content for m in fake.channel_messages(ACME_CHANNEL))
    assert handler_tracebacks(caplog.records) == []
