"""Reactions as the gateway delivers them (MESSAGE_REACTION_ADD / REMOVE): votes on the bot's
thank-yous, and the capture emoji on anyone's message."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.items import Item, ItemKind, Stakeholder
from tests.discord.conftest import (
    ACME_CHANNEL,
    ACME_GUILD,
    ALICE,
    BOB,
    GINA,
    DiscordBot,
    mentionable,
    settings_for,
    start_bot,
)
from tests.discord.fake_discord import BOT_ID, Dispatched, FakeDiscord

CALLBACK = r"/interactions/\d+/.+/callback"


async def thanked(bot: DiscordBot, text: str = "Faster CI") -> str:
    """Record an item through /feedback; the id of its thank-you."""
    handled = bot.adapter.interactions.count
    await bot.command("feedback", text=text)
    await asyncio.wait_for(bot.adapter.interactions.reach(handled + 1), 10)
    return bot.fake.channel_messages(ACME_CHANNEL)[-1].id


class Reactions:
    """Reactions sent through the fake gateway, each waited for until the bot took it in."""

    def __init__(self, bot: DiscordBot) -> None:
        self.bot = bot
        self.sent = 0

    async def __call__(
        self,
        added: bool,
        message_id: str,
        user_id: str = BOB,
        emoji: str = "👍",
        seq: int | None = None,
        burst: bool = False,
    ) -> Dispatched:
        sent = await self.bot.fake.react(
            added,
            guild_id=ACME_GUILD,
            channel_id=ACME_CHANNEL,
            message_id=message_id,
            user_id=user_id,
            emoji=emoji,
            burst=burst,
            seq=seq,
        )
        return await self.taken_in(sent)

    async def clear(self, message_id: str, emoji: str | None = None) -> Dispatched:
        """A moderator clears ``emoji`` (or, with none, every reaction) from the message."""
        sent = await self.bot.fake.clear_reactions(
            guild_id=ACME_GUILD, channel_id=ACME_CHANNEL, message_id=message_id, emoji=emoji
        )
        return await self.taken_in(sent)

    async def taken_in(self, sent: Dispatched) -> Dispatched:
        self.sent += 1
        await asyncio.wait_for(self.bot.adapter.reactions.reach(self.sent), 10)
        return sent


@pytest.fixture
def react(bot: DiscordBot) -> Reactions:
    return Reactions(bot)


async def only_item(bot: DiscordBot) -> Item:
    (item,) = await bot.items()
    return item


async def test_a_thumbs_up_on_the_thank_you_votes_and_removing_it_withdraws(
    bot: DiscordBot, react: Reactions
) -> None:
    thanks = await thanked(bot)
    await react(True, thanks)
    assert (await only_item(bot)).votes == 1
    await react(False, thanks)
    assert (await only_item(bot)).votes == 0


async def test_the_same_reaction_delivered_twice_counts_once(
    bot: DiscordBot, react: Reactions
) -> None:
    thanks = await thanked(bot)
    first = await react(True, thanks)
    await react(True, thanks, seq=first.seq)  # replayed after a resume: same sequence number
    assert (await only_item(bot)).votes == 1
    removed = await react(False, thanks)
    await react(True, thanks, seq=first.seq)  # a late replay of the first add changes nothing
    assert (await only_item(bot)).votes == 0
    await react(False, thanks, seq=removed.seq)
    await react(True, thanks)  # but adding it again later is a new vote
    assert (await only_item(bot)).votes == 1


async def test_a_normal_and_a_super_thumbs_up_are_one_vote_that_stands_while_either_is_held(
    bot: DiscordBot, react: Reactions
) -> None:
    thanks = await thanked(bot)
    await react(True, thanks)
    await react(True, thanks, burst=True)
    assert (await only_item(bot)).votes == 1
    await react(False, thanks)  # the super one is still there
    assert (await only_item(bot)).votes == 1
    await react(True, thanks)
    await react(False, thanks, burst=True)  # the normal one is still there
    assert (await only_item(bot)).votes == 1
    await react(False, thanks)
    assert (await only_item(bot)).votes == 0
    asked = bot.fake.requests_to("GET", rf"/channels/{ACME_CHANNEL}/messages/{thanks}/reactions/.+")
    assert [r.query["type"] for r in asked] == ["1", "0", "1"]  # the other kind, each time


async def test_taking_a_thumbs_up_off_another_message_asks_discord_nothing(
    bot: DiscordBot, react: Reactions
) -> None:
    lunch = bot.fake.add_message(ACME_CHANNEL, BOB, "lunch?")
    await react(True, lunch, user_id=ALICE)
    await react(False, lunch, user_id=ALICE)
    assert bot.fake.requests_to("GET", r"/channels/\d+/messages/\d+/reactions/.+") == []


async def test_a_super_thumbs_up_alone_votes_and_removing_it_withdraws(
    bot: DiscordBot, react: Reactions
) -> None:
    thanks = await thanked(bot)
    await react(True, thanks, burst=True)
    assert (await only_item(bot)).votes == 1
    await react(False, thanks, burst=True)
    assert (await only_item(bot)).votes == 0


async def test_clearing_the_thumbs_up_withdraws_every_vote_cast_with_it(
    bot: DiscordBot, react: Reactions
) -> None:
    thanks = await thanked(bot)
    other = await thanked(bot, "Dark mode")
    await react(True, thanks, user_id=BOB)
    await react(True, thanks, user_id=GINA, burst=True)
    await react(True, other, user_id=BOB)
    await react(True, thanks, user_id=ALICE, emoji="🎉")
    await react.clear(thanks, "👍")
    votes = {item.text: item.votes for item in await bot.items()}
    assert votes == {"Faster CI": 0, "Dark mode": 1}
    await react(True, thanks, user_id=BOB)  # voting again after the clear counts
    assert {item.text: item.votes for item in await bot.items()}["Faster CI"] == 1


async def test_clearing_every_reaction_withdraws_the_votes(
    bot: DiscordBot, react: Reactions
) -> None:
    thanks = await thanked(bot)
    await react(True, thanks, user_id=BOB)
    await react(True, thanks, user_id=GINA)
    await react.clear(thanks)
    assert (await only_item(bot)).votes == 0


async def test_clearing_another_emoji_leaves_the_votes(bot: DiscordBot, react: Reactions) -> None:
    thanks = await thanked(bot)
    await react(True, thanks, user_id=BOB)
    await react(True, thanks, user_id=GINA, emoji="🎉")
    await react.clear(thanks, "🎉")
    assert (await only_item(bot)).votes == 1


async def test_votes_of_several_people_and_skin_tones(bot: DiscordBot, react: Reactions) -> None:
    thanks = await thanked(bot)
    await react(True, thanks, user_id=BOB, emoji="👍🏽")
    await react(True, thanks, user_id=GINA)
    assert (await only_item(bot)).votes == 2


async def test_the_bots_own_reactions_and_other_messages_count_for_nothing(
    bot: DiscordBot, react: Reactions
) -> None:
    thanks = await thanked(bot)
    await react(True, thanks, user_id=BOT_ID)
    lunch = bot.fake.add_message(ACME_CHANNEL, BOB, "lunch?")
    await react(True, lunch, user_id=ALICE)
    assert (await only_item(bot)).votes == 0


async def test_the_capture_emoji_records_a_message_for_its_author_and_replies_to_it(
    bot: DiscordBot, react: Reactions
) -> None:
    said = bot.fake.add_message(ACME_CHANNEL, GINA, "Rollbacks take > 20 min & hurt @everyone")
    await react(True, said, user_id=ALICE, emoji="📝")
    (reply,) = await bot.fake.wait_for("POST", rf"/channels/{ACME_CHANNEL}/messages")
    item = await only_item(bot)
    assert (item.kind, item.text) == (ItemKind.FEEDBACK, "Rollbacks take > 20 min & hurt @everyone")
    assert item.author is not None and (item.author.user_id, item.author.display_name) == (
        GINA,
        "Gina",
    )
    assert item.stakeholder is Stakeholder.EXTERNAL  # Gina has the Customer role
    assert str(reply.json["message_reference"]["message_id"]) == said
    assert f"<@{GINA}>" in reply.json["content"] and "@everyone" not in reply.json["content"]
    assert mentionable(reply.json) == ([], [GINA], False)


async def test_a_message_is_captured_once_however_many_ask(
    bot: DiscordBot, react: Reactions
) -> None:
    said = bot.fake.add_message(ACME_CHANNEL, BOB, "The wiki search is broken")
    await react(True, said, user_id=ALICE, emoji="📝")
    await react(True, said, user_id=GINA, emoji="📝")
    assert [i.text for i in await bot.items()] == ["The wiki search is broken"]
    assert len(bot.fake.requests_to("POST", rf"/channels/{ACME_CHANNEL}/messages")) == 1


async def test_the_capture_emoji_on_the_bots_own_message_records_nothing(
    bot: DiscordBot, react: Reactions
) -> None:
    thanks = await thanked(bot)
    await react(True, thanks, user_id=ALICE, emoji="📝")
    assert len(await bot.items()) == 1


@pytest.fixture
async def bot_without_content(fake: FakeDiscord, engine: AsyncEngine) -> AsyncIterator[DiscordBot]:
    async for running in start_bot(fake, engine, settings_for(fake, message_content=False)):
        yield running


async def test_without_the_message_content_intent_the_person_is_told_and_nothing_is_recorded(
    bot_without_content: DiscordBot,
) -> None:
    bot = bot_without_content
    react = Reactions(bot)
    assert bot.fake.identify is not None and not bot.fake.identify["intents"] & (1 << 15)
    said = bot.fake.add_message(ACME_CHANNEL, BOB, "The wiki search is broken")
    await react(True, said, user_id=ALICE, emoji="📝")
    (dm,) = await bot.fake.wait_for("POST", r"/users/@me/channels")
    (note,) = await bot.fake.wait_for("POST", r"/channels/7\d+/messages")
    assert dm.json["recipient_id"] in (ALICE, int(ALICE))
    assert "Message Content intent" in note.json["content"]
    assert "nothing was recorded" in note.json["content"]
    assert await bot.items() == []


@pytest.fixture
async def bot_with_other_emoji(fake: FakeDiscord, engine: AsyncEngine) -> AsyncIterator[DiscordBot]:
    settings = settings_for(fake, vote_emoji="⬆️", capture_emoji="💡")
    async for running in start_bot(fake, engine, settings):
        yield running


async def test_the_emoji_are_configurable(bot_with_other_emoji: DiscordBot) -> None:
    bot = bot_with_other_emoji
    react = Reactions(bot)
    thanks = await thanked(bot)
    await react(True, thanks, emoji="👍")
    await react(True, thanks, emoji="⬆️")
    said = bot.fake.add_message(ACME_CHANNEL, BOB, "idea")
    await react(True, said, user_id=ALICE, emoji="📝")
    await react(True, said, user_id=ALICE, emoji="💡")
    items = await bot.items()
    assert [(i.text, i.votes) for i in items] == [("Faster CI", 1), ("idea", 0)]


@pytest.fixture
async def sharded_bot(fake: FakeDiscord, engine: AsyncEngine) -> AsyncIterator[DiscordBot]:
    async for running in start_bot(fake, engine, settings_for(fake, sharded=True)):
        yield running


async def test_a_sharded_client_serves_commands_and_votes_once(sharded_bot: DiscordBot) -> None:
    bot = sharded_bot
    react = Reactions(bot)
    assert bot.fake.identify is not None and bot.fake.identify["shard"] == [0, 1]
    assert bot.fake.requests_to("GET", r"/gateway/bot")  # how many shards, and where
    thanks = await thanked(bot)
    first = await react(True, thanks)
    assert (await only_item(bot)).votes == 1
    await react(False, thanks)
    await react(True, thanks, seq=first.seq)  # a replay on the shard's session
    assert (await only_item(bot)).votes == 0
