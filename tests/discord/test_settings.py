"""Discord settings and the text rules: what is required, what is optional, how a mistake is
named, and how typed text is made inert."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapters.discord.app import intents, permissions
from adapters.discord.formatting import MESSAGE_LIMIT, chunks, escape, same_emoji
from adapters.discord.settings import DiscordSettings, load_discord_settings
from bot.errors import ConfigError


def test_discord_stays_off_without_a_token() -> None:
    assert load_discord_settings({}) is None


def test_a_discord_variable_without_the_token_is_named() -> None:
    with pytest.raises(ConfigError) as raised:
        load_discord_settings({"DISCORD_GUILD_IDS": "1"})
    assert raised.value.variable == "DISCORD_TOKEN"


def test_everything_that_can_be_set() -> None:
    settings = load_discord_settings(
        {
            "DISCORD_TOKEN": "abc",
            "DISCORD_GUILD_IDS": "111, 222",
            "DISCORD_EXTERNAL_ROLES": "Customer, Partner ,",
            "DISCORD_VOTE_EMOJI": ":upvote:",
            "DISCORD_CAPTURE_EMOJI": "💡",
            "DISCORD_API_URL": "http://proxy:8080/api/v10/",
            "DISCORD_GATEWAY_URL": "ws://gateway:9000",
            "DISCORD_SHARDED": "true",
            "DISCORD_MESSAGE_CONTENT": "false",
        }
    )
    assert settings == DiscordSettings(
        token="abc",
        guild_ids=frozenset({111, 222}),
        external_roles=frozenset({"customer", "partner"}),
        vote_emoji="upvote",
        capture_emoji="💡",
        api_url="http://proxy:8080/api/v10",
        gateway_url="ws://gateway:9000",
        sharded=True,
        message_content=False,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DISCORD_GUILD_IDS", "acme"),
        ("DISCORD_API_URL", "discord.com/api"),
        ("DISCORD_GATEWAY_URL", "https://gateway.discord.gg"),
        ("DISCORD_SHARDED", "maybe"),
        ("DISCORD_VOTE_EMOJI", "thumbs up"),
    ],
)
def test_a_wrong_value_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_discord_settings({"DISCORD_TOKEN": "abc", variable: value})
    assert raised.value.variable == variable


def test_the_intents_are_the_fewest_the_features_need() -> None:
    wanted = intents(DiscordSettings(token="t"))
    assert wanted.value == (1 << 0) | (1 << 10) | (1 << 15)
    assert not intents(DiscordSettings(token="t", message_content=False)).message_content


def test_typed_text_cannot_ping_or_format() -> None:
    assert escape("@everyone and @here") == "@\u200beveryone and @\u200bhere"
    assert escape("<@123> <@&456> <#789>") == "\\<@123\\> \\<@&456\\> \\<\\#789\\>"
    assert escape("**bold** _it_ `code` ||spoiler|| > quote") == (
        "\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\|\\|spoiler\\|\\| \\> quote"
    )
    assert escape("Ünïcødé 🚀 stays") == "Ünïcødé 🚀 stays"


def test_long_text_is_split_into_messages_discord_accepts() -> None:
    text = escape("a*" * 3000)
    parts = chunks(text)
    assert all(len(part) <= MESSAGE_LIMIT for part in parts)
    assert "".join(parts) == text
    assert not any(part.endswith("\\") and not part.endswith("\\\\") for part in parts)
    assert chunks("short") == ["short"]


def test_emoji_match_whatever_the_skin_tone() -> None:
    assert same_emoji("👍🏽", "👍") and same_emoji("👍", "👍")
    assert same_emoji("⬆", "⬆️") and same_emoji("upvote", ":upvote:")
    assert not same_emoji("📝", "👍")


def test_the_readme_invite_link_asks_for_the_permissions_the_bot_needs() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    (link,) = re.findall(r"https://discord.com/oauth2/authorize\S+", readme)
    assert "scope=bot+applications.commands" in link
    assert f"permissions={permissions().value}" in link
