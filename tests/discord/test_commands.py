"""/feedback and /request as Discord delivers them: INTERACTION_CREATE on the gateway, answered
through interaction callbacks and webhooks, as a person in the channel would see it."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord.formatting import MESSAGE_LIMIT
from adapters.discord.modal import FormChoices
from bot.items import ItemKind, Priority, Stakeholder
from storage.engine import create_engine
from tests.discord.conftest import (
    ACME_CHANNEL,
    ACME_GUILD,
    ALICE,
    GINA,
    GLOBEX,
    GLOBEX_CHANNEL,
    GLOBEX_GUILD,
    DiscordBot,
    mentionable,
    settings_for,
    start_bot,
)
from tests.discord.fake_discord import EPHEMERAL, FakeDiscord

CALLBACK = r"/interactions/\d+/.+/callback"


def ephemeral(data: dict[str, object]) -> bool:
    return bool(int(str(data.get("flags") or 0)) & EPHEMERAL)


async def test_feedback_is_thanked_in_the_channel_as_the_interactions_response(
    bot: DiscordBot,
) -> None:
    await bot.command("feedback", text="The new runners are fast")
    (callback,) = await bot.fake.wait_for("POST", CALLBACK)
    (item,) = await bot.items()
    assert callback.json["type"] == 4 and not ephemeral(callback.json["data"])
    content = callback.json["data"]["content"]
    assert f"<@{ALICE}>" in content and "#1" in content and "The new runners are fast" in content
    assert (item.kind, item.text, item.author and item.author.display_name) == (
        ItemKind.FEEDBACK,
        "The new runners are fast",
        "Alice",
    )
    (shown,) = bot.fake.channel_messages(ACME_CHANNEL)
    assert item.thanks is not None and item.thanks.message_id == shown.id
    assert item.acknowledged_at is not None


async def test_a_request_carries_the_priority_chosen(bot: DiscordBot) -> None:
    await bot.command("request", text="SSO for Grafana", priority="must-have")
    await bot.command("request", text="dark mode")
    callbacks = await bot.fake.wait_for("POST", CALLBACK, count=2)
    items = await bot.items()
    assert [(i.kind, i.priority, i.text) for i in items] == [
        (ItemKind.REQUEST, Priority.MUST_HAVE, "SSO for Grafana"),
        (ItemKind.REQUEST, Priority.GOOD_TO_HAVE, "dark mode"),
    ]
    assert "Must-have request #1" in callbacks[0].json["data"]["content"]


async def test_without_text_a_form_asks_for_it_and_its_submission_is_thanked(
    bot: DiscordBot,
) -> None:
    await bot.command("feedback")
    (opened,) = await bot.fake.wait_for("POST", CALLBACK)
    form = opened.json["data"]
    (label,) = form["components"]
    assert opened.json["type"] == 9 and label["type"] == 18
    assert label["component"]["type"] == 4 and label["component"]["max_length"] == 4000
    assert await bot.items() == []
    await bot.submit_form(form["custom_id"], "Deploys on Fridays\nare scary 😬")
    callbacks = await bot.fake.wait_for("POST", CALLBACK, count=2)
    (item,) = await bot.items()
    assert item.text == "Deploys on Fridays\nare scary 😬" and item.author is not None
    assert callbacks[1].json["type"] == 4 and f"<@{ALICE}>" in callbacks[1].json["data"]["content"]


async def test_a_request_form_keeps_the_priority_chosen_on_the_command(bot: DiscordBot) -> None:
    await bot.command("request", priority="must-have")
    (opened,) = await bot.fake.wait_for("POST", CALLBACK)
    custom_id = opened.json["data"]["custom_id"]
    assert FormChoices.parse(custom_id) == FormChoices(ItemKind.REQUEST, Priority.MUST_HAVE, False)
    await bot.submit_form(custom_id, "Audit logs")
    await bot.fake.wait_for("POST", CALLBACK, count=2)
    (item,) = await bot.items()
    assert (item.kind, item.priority, item.text) == (
        ItemKind.REQUEST,
        Priority.MUST_HAVE,
        "Audit logs",
    )


async def test_anonymous_thanks_is_a_channel_message_that_names_nobody(bot: DiscordBot) -> None:
    # Discord shows who used a command above its response, so the public thank-you of an
    # anonymous item cannot be that response.
    await bot.command("feedback", text="standups run long", anonymous=True)
    (callback,) = await bot.fake.wait_for("POST", CALLBACK)
    (posted,) = await bot.fake.wait_for("POST", rf"/channels/{ACME_CHANNEL}/messages")
    (item,) = await bot.items()
    assert item.author is None
    assert ALICE not in posted.json["content"] and "Alice" not in posted.json["content"]
    assert "#1" in posted.json["content"] and "standups run long" in posted.json["content"]
    assert (
        ephemeral(callback.json["data"]) and "anonymously as #1" in callback.json["data"]["content"]
    )
    assert (
        item.thanks is not None
        and item.thanks.message_id == bot.fake.channel_messages(ACME_CHANNEL)[0].id
    )


async def test_an_anonymous_form_names_nobody(bot: DiscordBot) -> None:
    await bot.command("request", anonymous=True)
    (opened,) = await bot.fake.wait_for("POST", CALLBACK)
    await bot.submit_form(opened.json["data"]["custom_id"], "an on-call budget")
    (posted,) = await bot.fake.wait_for("POST", rf"/channels/{ACME_CHANNEL}/messages")
    (item,) = await bot.items()
    assert item.author is None and ALICE not in posted.json["content"]


async def test_nothing_typed_can_ping_or_format(bot: DiscordBot) -> None:
    typed = "@everyone @here <@&411111111111111111> <@322222222222222222> **loud**"
    await bot.command("feedback", text=typed)
    (callback,) = await bot.fake.wait_for("POST", CALLBACK)
    (item,) = await bot.items()
    data = callback.json["data"]
    assert item.text == typed  # stored as typed
    assert "@everyone" not in data["content"] and "@here" not in data["content"]
    # A mention is formed only by the author's own <@id>: every typed one is escaped.
    assert re.findall(r"(?<!\\)<@&?\d+>", data["content"]) == [f"<@{ALICE}>"]
    assert "\\*\\*loud\\*\\*" in data["content"]
    # Only the author can be pinged; never everyone, a role or anybody else.
    assert mentionable(data) == ([], [ALICE], False)


async def test_each_guild_has_its_own_items(bot: DiscordBot) -> None:
    await bot.command("feedback", text="from Acme")
    await bot.command(
        "feedback", text="from Globex", guild_id=GLOBEX_GUILD, channel_id=GLOBEX_CHANNEL
    )
    await bot.fake.wait_for("POST", CALLBACK, count=2)
    assert [(i.number, i.text) for i in await bot.items()] == [(1, "from Acme")]
    assert [(i.number, i.text) for i in await bot.items(GLOBEX)] == [(1, "from Globex")]


async def test_a_member_with_an_external_role_is_an_external_stakeholder(
    bot: DiscordBot,
) -> None:
    await bot.command("feedback", text="as a customer", user_id=GINA)
    await bot.command("feedback", text="as staff")
    await bot.fake.wait_for("POST", CALLBACK, count=2)
    assert [i.stakeholder for i in await bot.items()] == [
        Stakeholder.EXTERNAL,
        Stakeholder.INTERNAL,
    ]


async def test_the_callback_arrives_within_three_seconds(bot: DiscordBot) -> None:
    sent = await bot.fake.command(
        "feedback",
        guild_id=ACME_GUILD,
        channel_id=ACME_CHANNEL,
        user_id=ALICE,
        options={"text": "quick"},
    )
    (callback,) = await bot.fake.wait_for("POST", CALLBACK)
    # Both instants come from time.monotonic(), taken by the fake as Discord would see them.
    assert callback.at - sent.at < 3.0


async def test_a_replayed_interaction_records_once(bot: DiscordBot) -> None:
    sent = await bot.fake.command(
        "feedback",
        guild_id=ACME_GUILD,
        channel_id=ACME_CHANNEL,
        user_id=ALICE,
        options={"text": "once"},
    )
    await bot.fake.wait_for("POST", CALLBACK)
    await bot.fake.dispatch("INTERACTION_CREATE", sent.data, seq=sent.seq)
    await bot.fake.wait_for("POST", CALLBACK, count=2)
    assert [i.text for i in await bot.items()] == ["once"]


async def test_commands_synced_to_a_guild_are_served(bot: DiscordBot) -> None:
    await bot.fake.command(
        "feedback",
        guild_id=ACME_GUILD,
        channel_id=ACME_CHANNEL,
        user_id=ALICE,
        options={"text": "from a guild command"},
        command_guild_id=ACME_GUILD,
    )
    await bot.fake.wait_for("POST", CALLBACK)
    assert [i.text for i in await bot.items()] == ["from a guild command"]


async def test_text_over_the_limit_is_refused_privately_with_its_beginning(bot: DiscordBot) -> None:
    typed = ("word " * 900).strip() + " *end*"
    await bot.command("feedback", text=typed)
    (callback,) = await bot.fake.wait_for("POST", CALLBACK)
    await bot.fake.wait_until(lambda: len(bot.fake.ephemeral_messages()) >= 1)
    parts = [m.content for m in bot.fake.ephemeral_messages()]
    assert ephemeral(callback.json["data"]) and "nothing was stored" in parts[0]
    assert "too long" in parts[0] and "It began: “word word" in parts[0]
    assert all(len(part) <= MESSAGE_LIMIT for part in parts)
    assert "".join(parts).count("word") < 60  # an excerpt, not the text again
    assert await bot.items() == []


async def test_a_slow_database_gets_a_deferred_answer_in_time_then_the_thanks(
    fake: FakeDiscord, sqlite_engine: AsyncEngine, sqlite_path: Path
) -> None:
    async for bot in start_bot(fake, sqlite_engine, settings_for(fake)):
        # Another writer holds SQLite's write lock: the item waits, Discord's answer must not.
        blocker = sqlite3.connect(sqlite_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            sent = await fake.command(
                "feedback",
                guild_id=ACME_GUILD,
                channel_id=ACME_CHANNEL,
                user_id=ALICE,
                options={"text": "patient idea"},
            )
            (deferred,) = await fake.wait_for("POST", CALLBACK)
        finally:
            blocker.rollback()
            blocker.close()
        (edited,) = await fake.wait_for("PATCH", r"/webhooks/\d+/.+/messages/@original")
        await bot.handled(1)
        (item,) = await bot.items()
        assert deferred.json["type"] == 5 and deferred.at - sent.at < 3.0
        assert "patient idea" in edited.json["content"] and f"<@{ALICE}>" in edited.json["content"]
        (shown,) = fake.channel_messages(ACME_CHANNEL)
        assert shown.content == edited.json["content"]
        assert item.thanks is not None and item.thanks.message_id == shown.id


@pytest.fixture
async def engine_without_database() -> AsyncIterator[AsyncEngine]:
    engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:9/nowhere")
    try:
        yield engine
    finally:
        await engine.dispose()


async def test_when_the_item_cannot_be_stored_the_person_gets_the_text_back_privately(
    fake: FakeDiscord, engine_without_database: AsyncEngine
) -> None:
    async for bot in start_bot(fake, engine_without_database, settings_for(fake)):
        await bot.command("feedback", text="please do not lose this")
        (callback,) = await fake.wait_for("POST", CALLBACK)
        data = callback.json["data"]
        assert ephemeral(data) and "nothing was recorded" in data["content"]
        assert "please do not lose this" in data["content"]
        assert fake.channel_messages(ACME_CHANNEL) == []


async def test_after_a_deferral_a_refusal_still_reaches_the_person_alone(
    fake: FakeDiscord, engine_without_database: AsyncEngine
) -> None:
    # Deferring at once makes the public "thinking" placeholder come first; it must go, and
    # the refusal must be private.
    async for bot in start_bot(fake, engine_without_database, settings_for(fake), defer_after=0):
        await bot.command("feedback", text="kept safe")
        (deferred,) = await fake.wait_for("POST", CALLBACK)
        await fake.wait_for("DELETE", r"/webhooks/\d+/.+/messages/@original")
        (followup,) = await fake.wait_for("POST", r"/webhooks/\d+/[^/]+")
        assert deferred.json["type"] == 5
        assert ephemeral(followup.json) and "kept safe" in followup.json["content"]
        assert fake.channel_messages(ACME_CHANNEL) == []


async def test_where_the_bot_may_not_post_an_anonymous_item_is_thanked_privately_and_kept(
    bot: DiscordBot,
) -> None:
    bot.fake.fail("POST", rf"/channels/{ACME_CHANNEL}/messages", 403, 50013, "Missing Permissions")
    await bot.command("feedback", text="quietly", anonymous=True)
    (callback,) = await bot.fake.wait_for("POST", CALLBACK)
    (item,) = await bot.items()
    assert item.author is None and item.thanks is None
    assert ephemeral(callback.json["data"]) and "#1" in callback.json["data"]["content"]
    assert bot.fake.channel_messages(ACME_CHANNEL) == []
