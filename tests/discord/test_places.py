"""Where a command may come from. With User Install enabled in the portal, Discord sends
interactions from servers the bot is not in and from DMs (Discord's "Receiving and Responding":
``authorizing_integration_owners``, ``context``); the bot answers them privately, gives the text
back, and stores nothing. An interaction without its optional ``channel`` object is refused the
same way, never a crash."""

from __future__ import annotations

import pytest

from adapters.discord.modal import FormChoices
from bot.identity import Platform, Workspace
from bot.items import ItemKind
from tests.discord.conftest import ACME, ACME_CHANNEL, ALICE, DiscordBot
from tests.discord.fake_discord import BOT_DM, EPHEMERAL, PRIVATE_CHANNEL, Place

CALLBACK = r"/interactions/\d+/.+/callback"
ELSEWHERE_GUILD, ELSEWHERE_CHANNEL = "144444444444444444", "244444444444444444"
DM_CHANNEL, GROUP_DM = "744444444444444444", "755555555555555555"

PLACES = {
    # A user install used in a server that never added the bot: only the user's key.
    "a server the bot is not in, through a user install": (
        ELSEWHERE_GUILD,
        ELSEWHERE_CHANNEL,
        Place(owners={"1": ALICE}),
        "not installed in this server",
    ),
    # Added with the applications.commands scope only: the server's key, but no bot there.
    "a server that added the commands but not the bot": (
        ELSEWHERE_GUILD,
        ELSEWHERE_CHANNEL,
        Place(),
        "not installed in this server",
    ),
    # The DM with the bot: the server key's value is "0" there.
    "the DM with the bot": (
        ELSEWHERE_GUILD,
        DM_CHANNEL,
        Place(context=BOT_DM, owners={"0": "0"}),
        "server channels",
    ),
    "a group DM, through a user install": (
        ELSEWHERE_GUILD,
        GROUP_DM,
        Place(context=PRIVATE_CHANNEL, owners={"1": ALICE}, channel_type=3),
        "server channels",
    ),
    "a server channel the interaction does not name": (
        ACME.id,
        ACME_CHANNEL,
        Place(channel=False),
        "server channels",
    ),
}


async def stored(bot: DiscordBot) -> list[str]:
    elsewhere = Workspace(Platform.DISCORD, ELSEWHERE_GUILD)
    return [item.text for each in (ACME, elsewhere) for item in await bot.items(each)]


@pytest.mark.parametrize("place", PLACES)
async def test_a_command_from_elsewhere_is_answered_privately_with_its_text_and_not_stored(
    bot: DiscordBot, place: str
) -> None:
    guild_id, channel_id, where, words = PLACES[place]
    await bot.command(
        "feedback", guild_id=guild_id, channel_id=channel_id, place=where, text="Faster CI @here"
    )
    (callback,) = await bot.fake.wait_for("POST", CALLBACK)
    answer = callback.json["data"]
    assert callback.json["type"] == 4 and int(answer["flags"]) & EPHEMERAL
    assert words in answer["content"] and "nothing was recorded" in answer["content"]
    assert "Faster CI" in answer["content"] and answer["allowed_mentions"]["parse"] == []
    assert await stored(bot) == []
    assert bot.fake.channel_messages(channel_id) == []


async def test_a_bare_command_from_elsewhere_opens_no_form(bot: DiscordBot) -> None:
    guild_id, channel_id, where, _ = PLACES["a server the bot is not in, through a user install"]
    await bot.command("request", guild_id=guild_id, channel_id=channel_id, place=where)
    (callback,) = await bot.fake.wait_for("POST", CALLBACK)
    assert callback.json["type"] == 4  # a message, not a form (9)
    assert "not installed in this server" in callback.json["data"]["content"]


async def test_a_form_submitted_without_a_channel_object_gives_the_text_back(
    bot: DiscordBot,
) -> None:
    custom_id = FormChoices(ItemKind.FEEDBACK, None, False).custom_id
    await bot.submit_form(custom_id, "Typed in the form", place=Place(channel=False))
    (callback,) = await bot.fake.wait_for("POST", CALLBACK)
    assert "Typed in the form" in callback.json["data"]["content"]
    assert await stored(bot) == []


async def test_a_roadmap_command_from_a_server_the_bot_is_not_in_is_answered_privately(
    bot: DiscordBot,
) -> None:
    guild_id, channel_id, where, _ = PLACES["a server the bot is not in, through a user install"]
    handled = bot.adapter.interactions.count
    await bot.fake.command(
        "roadmap",
        guild_id=guild_id,
        channel_id=channel_id,
        user_id=ALICE,
        subcommand="stats",
        place=where,
    )
    await bot.handled(handled + 1)
    (answer,) = bot.fake.requests_to("POST", r"/webhooks/\d+/[^/]+")
    assert int(answer.json["flags"]) & EPHEMERAL
    assert "not installed in this server" in answer.json["content"]
