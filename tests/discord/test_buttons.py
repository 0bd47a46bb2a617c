"""The core's buttons as Discord shows them, posted by the real discord.py client to the fake
Discord: action rows of at most five buttons under the text, each with the core's token as its
``custom_id``, in every way the bot posts (channel messages, replies and direct messages)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest

from adapters.discord.app import DiscordAdapter, apply_endpoints
from adapters.discord.chat import ChannelChat
from bot.identity import Person
from bot.messages import Button, ButtonStyle, Message
from tests.discord.conftest import ACME_CHANNEL, ALICE, settings_for
from tests.discord.fake_discord import FakeDiscord

QUESTION = Message.of("#4 shipped. Did this solve it?").with_buttons(
    Button("fb:csat:4:solved:111", "Solved it", ButtonStyle.PRIMARY),
    Button("fb:csat:4:partly:111", "Partly"),
    Button("fb:csat:4:no:111", "No", ButtonStyle.DANGER),
    Button("fb:csat:4:comment:111", "Add a comment"),
)


@pytest.fixture
async def client(fake: FakeDiscord) -> AsyncIterator[discord.Client]:
    settings = settings_for(fake)
    apply_endpoints(settings)
    client = DiscordAdapter(None, settings).client
    await client.login(fake.token)
    try:
        yield client
    finally:
        await client.close()


def rows(fake: FakeDiscord, channel_id: str) -> list[list[tuple[str, str, int]]]:
    """The buttons under the channel's one message: (label, custom id, style), row by row."""
    (message,) = fake.channel_messages(channel_id)
    return [
        [(b["label"], b["custom_id"], b["style"]) for b in row["components"]]
        for row in message.components
    ]


async def test_a_channel_post_shows_the_buttons_in_order_with_the_tokens_and_styles(
    fake: FakeDiscord, client: discord.Client
) -> None:
    await ChannelChat(client).post(ACME_CHANNEL, QUESTION, marker="outbox-1")
    (message,) = fake.channel_messages(ACME_CHANNEL)
    assert message.content == "#4 shipped. Did this solve it?"
    assert rows(fake, ACME_CHANNEL) == [
        [
            ("Solved it", "fb:csat:4:solved:111", 1),
            ("Partly", "fb:csat:4:partly:111", 2),
            ("No", "fb:csat:4:no:111", 4),
            ("Add a comment", "fb:csat:4:comment:111", 2),
        ]
    ]


async def test_more_than_five_buttons_take_a_second_row(
    fake: FakeDiscord, client: discord.Client
) -> None:
    six = Message.of("Pick one").with_buttons(
        *(Button(f"fb:pulse:9:{v}", str(v)) for v in range(6))
    )
    await ChannelChat(client).post(ACME_CHANNEL, six)
    assert [len(row) for row in rows(fake, ACME_CHANNEL)] == [5, 1]


async def test_a_reply_in_a_thread_carries_the_buttons(
    fake: FakeDiscord, client: discord.Client
) -> None:
    chat = ChannelChat(client)
    thanks = await chat.post(ACME_CHANNEL, Message.of("Thank you!"))
    await chat.reply_in_thread(ACME_CHANNEL, thanks, QUESTION)
    reply = fake.messages[
        next(m.id for m in fake.channel_messages(ACME_CHANNEL) if m.message_reference)
    ]
    assert [b["label"] for b in reply.buttons] == ["Solved it", "Partly", "No", "Add a comment"]


async def test_a_long_direct_message_shows_the_buttons_under_its_last_part(
    fake: FakeDiscord, client: discord.Client
) -> None:
    long = Message.of("word " * 500, "Did this solve it?").with_buttons(*QUESTION.buttons)
    await ChannelChat(client).direct_message(Person(ALICE, "alice"), long)
    first, last = fake.channel_messages(f"7{ALICE[1:]}")
    assert first.components == []
    assert last.content.endswith("Did this solve it?")
    assert [b["custom_id"] for b in last.buttons] == [b.action for b in QUESTION.buttons]


async def test_a_message_without_buttons_sends_no_components(
    fake: FakeDiscord, client: discord.Client
) -> None:
    await ChannelChat(client).post(ACME_CHANNEL, Message.of("Roadmap update"))
    (sent,) = fake.requests_to("POST", rf"/channels/{ACME_CHANNEL}/messages")
    assert not sent.json.get("components")


async def test_the_buttons_keep_no_state_in_the_client(
    fake: FakeDiscord, client: discord.Client
) -> None:
    """A press is read from its ``custom_id`` alone, so that it works after a restart: the
    client keeps no view to dispatch it to."""
    await ChannelChat(client).post(ACME_CHANNEL, QUESTION)
    await ChannelChat(client).direct_message(Person(ALICE, "alice"), QUESTION)
    assert client.persistent_views == []
