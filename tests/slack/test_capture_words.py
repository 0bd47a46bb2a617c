"""Marking a message with :memo: always gets an answer: a bot's or a webhook's message is
nobody's feedback and the person hears so; a deleted message is gone; a channel the bot cannot
read asks whether it was invited.

Shapes: Slack's message reference (subtype ``bot_message`` with ``bot_id`` and ``username``
for a webhook's post; an app's bot user's message with ``user``, ``bot_id`` and
``bot_profile``; a deleted thread parent's ``tombstone``), the reaction_added reference
(``item_user`` absent for a webhook's message), and bolt-python's
tests/scenario_tests_async/test_message_bot.py."""

from __future__ import annotations

from tests.slack.conftest import SlackBot


async def marked(bot: SlackBot, ts: str, item_user: str = "") -> list[str]:
    """U1 marks the message at ``ts`` in C1 with :memo:; what U1 was told privately."""
    answer = await bot.slack.reaction(
        True, user="U1", reaction="memo", ts=ts, item_user=item_user, event_id=f"Ev-{ts}"
    )
    assert answer.status_code == 200
    await bot.settled()
    return [
        str(call.args["text"])
        for call in bot.fake.calls_to("chat.postEphemeral")
        if call.args.get("user") == "U1"
    ]


async def test_a_webhooks_message_is_answered_not_ignored(bot: SlackBot) -> None:
    ts = bot.fake.new_ts()
    bot.fake.add_message(
        "C1", ts, None, "Deploy 42 finished", subtype="bot_message", bot_id="B-HOOK", username="ci"
    )
    (said,) = await marked(bot, ts)
    assert "posted by a bot or an integration" in said and "nothing was recorded" in said
    assert await bot.items() == []


async def test_another_apps_message_is_answered_not_ignored(bot: SlackBot) -> None:
    ts = bot.fake.new_ts()
    bot.fake.add_message(
        "C1",
        ts,
        "U-PAGERBOT",
        "Incident 7 resolved",
        bot_id="B-PAGER",
        app_id="A-PAGER",
        bot_profile={"id": "B-PAGER", "name": "pager", "app_id": "A-PAGER", "team_id": "T1"},
    )
    (said,) = await marked(bot, ts, item_user="U-PAGERBOT")
    assert "posted by a bot or an integration" in said
    assert await bot.items() == []


async def test_a_deleted_message_is_gone_not_unreadable(bot: SlackBot) -> None:
    ts = bot.fake.new_ts()  # never posted, or deleted since: C1 has no message there
    (said,) = await marked(bot, ts, item_user="U2")
    assert "That message is gone" in said
    assert "invited" not in said


async def test_a_deleted_thread_parent_left_as_a_tombstone_is_gone(bot: SlackBot) -> None:
    ts = bot.fake.new_ts()
    bot.fake.add_message(
        "C1", ts, "USLACKBOT", "This message was deleted.", subtype="tombstone", hidden=True
    )
    (said,) = await marked(bot, ts, item_user="U2")
    assert "That message is gone" in said
    assert await bot.items() == []


async def test_a_channel_the_bot_cannot_read_asks_whether_it_was_invited(bot: SlackBot) -> None:
    bot.fake.fail("conversations.history", "not_in_channel")
    (said,) = await marked(bot, bot.fake.new_ts(), item_user="U2")
    assert "Is feedbackbot in this channel" in said
