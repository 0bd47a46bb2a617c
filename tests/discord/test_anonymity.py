"""An anonymous /feedback through the real discord.py client leaves no readable trace of its
author in any table or log line; with a seal key, the author is still told what became of it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord.app import discord_surface
from adapters.discord.chat import ChannelChat
from adapters.sealing import FernetSeal, new_key
from bot.identity import Person
from bot.items import Status
from bot.triage import TriageService
from storage.unit_of_work import SqlStorage
from tests.core import core_on
from tests.discord.conftest import ACME, ACME_CHANNEL, ALICE, BOB, DiscordBot, settings_for
from tests.discord.counted import CountedDiscordAdapter
from tests.discord.fake_discord import FakeDiscord
from tests.fakes import FixedClock
from tests.scan import every_row

SEAL = FernetSeal(new_key())


class Everyone:
    async def may_triage(self, workspace: object, person: Person) -> bool:
        return True


@pytest.fixture
async def sealed_bot(fake: FakeDiscord, engine: AsyncEngine) -> AsyncIterator[DiscordBot]:
    core = core_on(engine, seal=SEAL)
    settings = settings_for(fake)
    adapter = CountedDiscordAdapter(core.conversation(discord_surface(settings)), settings)
    await adapter.start()
    try:
        await fake.wait_until(fake.ready.is_set, describe=lambda: "the bot to identify")
        yield DiscordBot(fake, adapter, core.feedback)
    finally:
        await adapter.close()


async def test_an_anonymous_discord_item_leaves_no_trace_of_its_author_and_still_reaches_them(
    sealed_bot: DiscordBot, engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bot = sealed_bot
    await bot.command("feedback", text="retros feel pointless", anonymous=True)
    await bot.command("request", text="a quieter pager", priority="must-have", anonymous=True)
    await bot.fake.wait_for("POST", rf"/channels/{ACME_CHANNEL}/messages", count=2)

    dump = await every_row(engine)
    assert "retros feel pointless" in dump and "a quieter pager" in dump
    assert ALICE not in dump and "alice" not in dump.lower()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert ALICE not in logged and "alice" not in logged.lower()

    triage = TriageService(bot.service, SqlStorage(engine).unit_of_work, FixedClock(), seal=SEAL)
    result = await triage.change_status(
        ACME,
        Person(BOB, "bob"),
        Everyone(),
        ChannelChat(bot.adapter.client),
        1,
        Status.DECLINED,
        note="out of scope",
    )
    assert result.told.thread and result.told.direct
    dm_channel = f"7{ALICE[1:]}"
    (direct,) = bot.fake.channel_messages(dm_channel)
    assert "out of scope" in direct.content and "was declined" in direct.content
    assert ALICE not in await every_row(engine)
