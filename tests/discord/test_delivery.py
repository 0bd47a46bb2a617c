"""Posts in a channel as the outbox delivers them, through the real discord.py client against
the fake Discord's faults: each failure reaches the core as ``TryLater`` (with whether the post
may have been made) or as ``ChannelUnavailable``, and a marker makes a repeated post one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import discord
import pytest

from adapters.discord.app import DiscordAdapter, apply_endpoints
from adapters.discord.chat import ChannelChat
from bot.messages import Message
from bot.ports import ChannelUnavailable, TryLater
from tests.discord.conftest import ACME_CHANNEL, settings_for
from tests.discord.fake_discord import FakeDiscord

POSTS = r"/channels/\d+/messages"
THANKS = Message.of("Thank you! Feedback #1 is logged.")
# Short, so that a post held by a fault ends without the test waiting long; Discord's own
# deadline is ``POST_DEADLINE``.
DEADLINE = 0.3


@pytest.fixture
async def client(fake: FakeDiscord) -> AsyncIterator[discord.Client]:
    """The adapter's own client (its rate-limit settings included), logged in over REST."""
    settings = settings_for(fake)
    apply_endpoints(settings)
    client = DiscordAdapter(None, settings).client
    await client.login(fake.token)
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
def chat(client: discord.Client) -> ChannelChat:
    return ChannelChat(client, deadline=DEADLINE)


async def test_a_post_with_a_marker_twice_is_one_message(
    fake: FakeDiscord, chat: ChannelChat
) -> None:
    first = await chat.post(ACME_CHANNEL, THANKS, marker="outbox-17")
    again = await chat.post(ACME_CHANNEL, THANKS, marker="outbox-17")
    assert again == first
    assert [m.id for m in fake.channel_messages(ACME_CHANNEL)] == [first.message_id]
    sent = fake.requests_to("POST", POSTS)[0].json
    assert (sent["nonce"], sent["enforce_nonce"]) == ("outbox-17", True)


async def test_a_rate_limited_post_raises_try_later_with_the_retry_delay(
    fake: FakeDiscord, chat: ChannelChat
) -> None:
    # Longer than discord.py may sleep inside a call (``MAX_RATELIMIT_WAIT``).
    fake.rate_limit("POST", POSTS, retry_after=64.5)
    with pytest.raises(TryLater) as raised:
        await chat.post(ACME_CHANNEL, THANKS, marker="outbox-1")
    assert raised.value.retry_after == 64.5
    assert not raised.value.maybe_sent
    assert fake.channel_messages(ACME_CHANNEL) == []


async def test_a_500_raises_try_later(fake: FakeDiscord, chat: ChannelChat) -> None:
    # discord.py answers a 500 by trying again after 1, 3, 5, 7 and 9 s; the post's deadline
    # ends that, and the post is then in doubt.
    outage = fake.server_error("POST", POSTS, 500)
    with pytest.raises(TryLater) as raised:
        await chat.post(ACME_CHANNEL, THANKS, marker="outbox-1")
    assert raised.value.maybe_sent
    assert outage.hits == 1
    assert fake.channel_messages(ACME_CHANNEL) == []


async def test_a_503_raises_try_later_at_once(fake: FakeDiscord, chat: ChannelChat) -> None:
    fake.server_error("POST", POSTS, 503)
    with pytest.raises(TryLater) as raised:
        await chat.post(ACME_CHANNEL, THANKS, marker="outbox-1")
    assert raised.value.reason.startswith("503")
    assert not raised.value.maybe_sent


async def test_a_dropped_connection_is_try_later_maybe_sent(
    fake: FakeDiscord, chat: ChannelChat
) -> None:
    fake.drop("POST", POSTS)
    with pytest.raises(TryLater) as raised:
        await chat.post(ACME_CHANNEL, THANKS, marker="outbox-1")
    assert raised.value.maybe_sent


async def test_a_post_whose_answer_was_lost_is_posted_once_when_tried_again(
    fake: FakeDiscord, chat: ChannelChat
) -> None:
    lost = fake.drop("POST", POSTS, after_storing=True)
    with pytest.raises(TryLater):
        await chat.post(ACME_CHANNEL, THANKS, marker="outbox-1")
    lost.end()
    assert await chat.find_posted(ACME_CHANNEL, "outbox-1", since=datetime.now(UTC)) is None
    posted = await chat.post(ACME_CHANNEL, THANKS, marker="outbox-1")
    assert [m.id for m in fake.channel_messages(ACME_CHANNEL)] == [posted.message_id]


async def test_a_slow_answer_is_try_later_maybe_sent_after_the_deadline(
    fake: FakeDiscord, chat: ChannelChat
) -> None:
    slow = fake.slow("POST", POSTS)
    with pytest.raises(TryLater) as raised:
        await chat.post(ACME_CHANNEL, THANKS, marker="outbox-1")
    assert raised.value.maybe_sent
    slow.end()
    await fake.wait_until(lambda: len(fake.channel_messages(ACME_CHANNEL)) == 1)
    posted = await chat.post(ACME_CHANNEL, THANKS, marker="outbox-1")
    assert [m.id for m in fake.channel_messages(ACME_CHANNEL)] == [posted.message_id]


async def test_a_refused_connection_is_try_later_not_sent(
    fake: FakeDiscord, chat: ChannelChat
) -> None:
    await fake.refuse()
    with pytest.raises(TryLater) as raised:
        await chat.post(ACME_CHANNEL, THANKS, marker="outbox-1")
    assert not raised.value.maybe_sent
    await fake.accept()
    await chat.post(ACME_CHANNEL, THANKS, marker="outbox-1")
    assert len(fake.channel_messages(ACME_CHANNEL)) == 1


@pytest.mark.parametrize(
    ("status", "code", "said"),
    [
        (403, 50001, "Missing Access"),
        (403, 50013, "Missing Permissions"),
        (404, 10003, "Unknown Channel"),
    ],
)
async def test_missing_access_is_channel_unavailable(
    fake: FakeDiscord, chat: ChannelChat, status: int, code: int, said: str
) -> None:
    fake.fail("POST", POSTS, status, code, said)
    with pytest.raises(ChannelUnavailable) as raised:
        await chat.post(ACME_CHANNEL, THANKS, marker="outbox-1")
    assert not isinstance(raised.value, TryLater)
    assert str(code) in raised.value.reason
