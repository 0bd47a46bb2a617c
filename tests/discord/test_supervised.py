"""The gateway connection survives its failures: the real discord.py client, supervised as
``feedbackbot run`` supervises it (adapters/app/supervising.py), against the fake Discord; the
back-off's waits are recorded instead of slept."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from functools import partial

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.app.supervising import supervise
from bot.errors import ConfigError
from tests.discord.conftest import (
    ACME,
    ACME_CHANNEL,
    ACME_GUILD,
    ALICE,
    DiscordBot,
    settings_for,
    start_bot,
)
from tests.discord.fake_discord import FakeDiscord
from tests.fakes import Waits

# MESSAGE_REACTION_ADD as Discord's API reference showed it before super reactions (2023): no
# `type`, no `burst`. discord.py 2.4+ reads `data["type"]` and raises KeyError on it.
REACTION_WITHOUT_TYPE = {
    "user_id": ALICE,
    "channel_id": ACME_CHANNEL,
    "message_id": "1299999999999999999",
    "guild_id": ACME_GUILD,
    "emoji": {"id": None, "name": "👍"},
}


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture
async def supervised(
    fake: FakeDiscord, engine: AsyncEngine, waits: Waits
) -> AsyncIterator[DiscordBot]:
    keep = partial(supervise, "Discord (gateway)", sleep=waits)
    async for running in start_bot(fake, engine, settings_for(fake), keep=keep):
        yield running


def failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if "connection failed" in record.getMessage() and record.levelno >= logging.INFO
    ]


async def reconnected(fake: FakeDiscord, times: int) -> None:
    await fake.wait_until(
        lambda: fake.identified > times and fake.ready.is_set(),
        describe=lambda: f"the bot to identify again (identified {fake.identified} times)",
    )


async def test_a_payload_discord_py_cannot_parse_is_logged_once_and_the_bot_reconnects(
    supervised: DiscordBot, fake: FakeDiscord, waits: Waits, caplog: pytest.LogCaptureFixture
) -> None:
    await fake.dispatch("MESSAGE_REACTION_ADD", REACTION_WITHOUT_TYPE)
    await reconnected(fake, 1)
    await supervised.command("feedback", text="heard after the reconnect")
    assert [item.text for item in await supervised.items(ACME)] == ["heard after the reconnect"]
    (failure,) = failures(caplog)
    assert "Discord (gateway)" in failure.getMessage()
    assert "KeyError: 'type'" in failure.getMessage()
    assert failure.exc_info is None  # one line, no traceback
    assert waits.seconds == [1.0]


async def test_a_gateway_closed_for_good_is_connected_again_with_a_growing_wait(
    supervised: DiscordBot, fake: FakeDiscord, waits: Waits, caplog: pytest.LogCaptureFixture
) -> None:
    # 4010 "Invalid shard": discord.py does not resume after it, and closes its client.
    for attempt in range(1, 4):
        await fake.close_gateway(4010)
        await reconnected(fake, attempt)
    await supervised.command("feedback", text="heard after three closes")
    assert [item.text for item in await supervised.items(ACME)] == ["heard after three closes"]
    assert waits.seconds == [1.0, 2.0, 4.0]
    assert len(failures(caplog)) == 3
    assert all("4010" in record.getMessage() for record in failures(caplog))


async def test_a_refused_token_on_reconnecting_ends_the_connection_with_a_configuration_error(
    supervised: DiscordBot, fake: FakeDiscord, waits: Waits
) -> None:
    # 4004 "Authentication failed": the token was reset while the bot ran.
    await fake.close_gateway(4004)
    connection = supervised.adapter.connection
    assert connection is not None
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        await connection
    assert waits.seconds == []


async def test_a_gateway_closed_to_be_resumed_is_resumed_by_discord_py_without_a_failure(
    supervised: DiscordBot, fake: FakeDiscord, waits: Waits, caplog: pytest.LogCaptureFixture
) -> None:
    # 4000 "Unknown error": "Try reconnecting?"; discord.py resumes the session itself.
    await fake.close_gateway(4000)
    await fake.wait_until(lambda: fake.resumed == 1 and fake.ready.is_set())
    await supervised.command("feedback", text="heard after resuming")
    assert [item.text for item in await supervised.items(ACME)] == ["heard after resuming"]
    assert fake.identified == 1
    assert (waits.seconds, failures(caplog)) == ([], [])


@pytest.fixture
async def supervised_shards(
    fake: FakeDiscord, engine: AsyncEngine, waits: Waits
) -> AsyncIterator[DiscordBot]:
    keep = partial(supervise, "Discord (gateway)", sleep=waits)
    settings = settings_for(fake, sharded=True)
    async for running in start_bot(fake, engine, settings, keep=keep):
        yield running


async def test_a_sharded_client_reconnects_after_a_payload_it_cannot_parse(
    supervised_shards: DiscordBot, fake: FakeDiscord, waits: Waits
) -> None:
    await fake.dispatch("MESSAGE_REACTION_ADD", REACTION_WITHOUT_TYPE)
    await reconnected(fake, 1)
    await supervised_shards.command("feedback", text="heard on the shard again")
    items = await supervised_shards.items(ACME)
    assert [item.text for item in items] == ["heard on the shard again"]
    assert waits.seconds == [1.0]
