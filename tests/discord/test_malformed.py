"""Interactions that are not what Discord sends: ignored with a line in the log, never a
traceback, nothing stored, and the bot goes on answering."""

from __future__ import annotations

import pytest

from tests.discord.conftest import DiscordBot
from tests.discord.places import place_for
from tests.payloads.checks import tracebacks
from tests.payloads.discord import discord_shapes


def shapes(bot: DiscordBot) -> dict[str, dict[str, object]]:
    return {shape.name: shape.data for shape in discord_shapes(place_for(bot.fake, "1"))}


async def still_answers(bot: DiscordBot) -> None:
    await bot.command("feedback", text="Still listening")
    assert [item.text for item in await bot.items()] == ["Still listening"]


async def test_a_command_nobody_defined_is_ignored_quietly(
    bot: DiscordBot, caplog: pytest.LogCaptureFixture
) -> None:
    unknown = shapes(bot)["/feedback"]
    unknown["data"] = {"id": "1", "name": "no-such-command", "type": 1, "options": []}
    await bot.fake.dispatch("INTERACTION_CREATE", unknown)
    await still_answers(bot)
    assert tracebacks(caplog.records) == []


async def test_a_command_whose_option_is_of_another_type_stores_nothing(
    bot: DiscordBot, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = shapes(bot)["/feedback"]
    wrong["data"] = {
        "id": "1",
        "name": "feedback",
        "type": 1,
        "options": [{"name": "text", "type": 3, "value": ["not", "text"]}],
    }
    handled = bot.adapter.interactions.count
    await bot.fake.dispatch("INTERACTION_CREATE", wrong)
    await bot.handled(handled + 1)  # it reaches the command, which takes it in and ignores it
    await still_answers(bot)
    assert tracebacks(caplog.records) == []


async def test_a_form_whose_components_are_not_a_list_stores_nothing(
    bot: DiscordBot, caplog: pytest.LogCaptureFixture
) -> None:
    form = shapes(bot)["form submitted"]
    form["data"] = {"custom_id": "feedbackbot:feedback:-:0", "components": "text"}
    await bot.fake.dispatch("INTERACTION_CREATE", form)
    await still_answers(bot)
    assert tracebacks(caplog.records) == []


async def test_an_interaction_whose_token_is_not_text_is_ignored(
    bot: DiscordBot, caplog: pytest.LogCaptureFixture
) -> None:
    untokened = shapes(bot)["/feedback"]
    untokened["token"] = ["token"]
    await bot.fake.dispatch("INTERACTION_CREATE", untokened)
    await still_answers(bot)
    assert tracebacks(caplog.records) == []
