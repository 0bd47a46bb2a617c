"""Reactions as Slack's Events API delivers them: votes on thank-yous, :memo: captures."""

from __future__ import annotations

from bot.items import ItemKind, Stakeholder
from tests.slack.conftest import ACME, SlackBot


async def thanked(bot: SlackBot, text: str = "Faster CI") -> str:
    """Record an item through /feedback and return the ts of its thank-you."""
    await bot.slack.command("/feedback", text)
    await bot.settled()
    return str(bot.fake.messages("C1")[-1]["ts"])


async def mark(
    bot: SlackBot,
    text: str,
    *,
    author: str = "U2",
    by: str = "U1",
    team_id: str = "T1",
    installed_team_id: str | None = None,
) -> None:
    """Someone (``by``) marks a new message of ``author``'s in C1 with :memo:."""
    ts = bot.fake.new_ts()
    bot.fake.add_message("C1", ts, author, text)
    await bot.slack.reaction(
        True,
        user=by,
        reaction="memo",
        ts=ts,
        item_user=author,
        team_id=team_id,
        installed_team_id=installed_team_id,
    )


async def test_a_thumbs_up_on_the_thank_you_votes_for_the_item(bot: SlackBot) -> None:
    ts = await thanked(bot)
    answer = await bot.slack.reaction(True, user="U2", ts=ts, event_id="Ev-vote")
    (item,) = await bot.items()
    assert answer.status_code == 200
    assert item.votes == 1


async def test_removing_the_reaction_withdraws_the_vote(bot: SlackBot) -> None:
    ts = await thanked(bot)
    await bot.slack.reaction(True, user="U2", ts=ts, event_id="Ev-add")
    await bot.slack.reaction(False, user="U2", ts=ts, event_id="Ev-remove")
    (item,) = await bot.items()
    assert item.votes == 0


async def test_a_retried_event_never_counts_twice(bot: SlackBot) -> None:
    ts = await thanked(bot)
    await bot.slack.reaction(True, user="U2", ts=ts, event_id="Ev-once")
    await bot.slack.reaction(True, user="U2", ts=ts, event_id="Ev-once", retry_num=1)
    await bot.slack.reaction(False, user="U2", ts=ts, event_id="Ev-once-removed")
    await bot.slack.reaction(True, user="U2", ts=ts, event_id="Ev-once", retry_num=2)
    (item,) = await bot.items()
    assert item.votes == 0


async def test_skin_tones_and_aliases_still_vote(bot: SlackBot) -> None:
    ts = await thanked(bot)
    await bot.slack.reaction(True, user="U2", ts=ts, reaction="+1::skin-tone-4", event_id="E1")
    await bot.slack.reaction(True, user="U9", ts=ts, reaction="thumbsup", event_id="E2")
    (item,) = await bot.items()
    assert item.votes == 2


async def test_a_thumbs_up_elsewhere_votes_for_nothing(bot: SlackBot) -> None:
    await thanked(bot)
    bot.fake.add_message("C1", "1600000000.000001", "U2", "lunch?")
    await bot.slack.reaction(True, user="U1", ts="1600000000.000001", item_user="U2")
    (item,) = await bot.items()
    assert item.votes == 0


async def test_the_bots_own_reactions_are_ignored(bot: SlackBot) -> None:
    ts = await thanked(bot)
    await bot.slack.reaction(True, user="UBOT", ts=ts, event_id="Ev-self")
    (item,) = await bot.items()
    assert item.votes == 0


async def test_a_memo_records_a_thread_reply_and_thanks_its_author_in_the_thread(
    bot: SlackBot,
) -> None:
    bot.fake.add_message("C1", "1600000000.000100", "U2", "Deploys this week?")
    bot.fake.add_message(
        "C1",
        "1600000000.000200",
        "U9",
        "Rollbacks take &gt; 20 min &amp; hurt",
        thread_ts="1600000000.000100",
    )
    await bot.slack.reaction(
        True,
        user="U1",
        reaction="memo",
        ts="1600000000.000200",
        item_user="U9",
        event_id="Ev-memo",
    )
    (reply,) = await bot.fake.wait_for("chat.postMessage")
    (item,) = await bot.items()
    assert (item.kind, item.text) == (ItemKind.FEEDBACK, "Rollbacks take > 20 min & hurt")
    assert item.author is not None and item.author.user_id == "U9"
    assert item.stakeholder is Stakeholder.EXTERNAL
    assert reply.args["thread_ts"] == "1600000000.000100"
    assert "<@U9>" in reply.args["text"] and "#1" in reply.args["text"]


async def test_a_message_is_captured_once_however_many_ask(bot: SlackBot) -> None:
    bot.fake.add_message("C1", "1600000000.000300", "U2", "The wiki search is broken")
    for reactor, event_id in (("U1", "Ev-a"), ("U9", "Ev-b")):
        await bot.slack.reaction(
            True,
            user=reactor,
            reaction="memo",
            ts="1600000000.000300",
            item_user="U2",
            event_id=event_id,
        )
    await bot.fake.wait_for("chat.postMessage")
    (told,) = await bot.fake.wait_for("chat.postEphemeral")
    assert [i.text for i in await bot.items()] == ["The wiki search is broken"]
    assert len(bot.fake.calls_to("chat.postMessage")) == 1
    assert told.args["text"] == "That message is already recorded as #1."


async def test_a_memo_on_the_bots_own_message_records_nothing(bot: SlackBot) -> None:
    ts = await thanked(bot)
    await bot.slack.reaction(True, user="U2", reaction="memo", ts=ts, item_user="UBOT")
    assert len(await bot.items()) == 1


async def test_a_memo_on_an_unreadable_message_tells_the_person_who_asked(bot: SlackBot) -> None:
    bot.fake.fail("conversations.history", "not_in_channel")
    await bot.slack.reaction(
        True, user="U1", reaction="memo", ts="1600000000.000900", item_user="U2"
    )
    (note,) = await bot.fake.wait_for("chat.postEphemeral")
    assert note.args["user"] == "U1" and "nothing was recorded" in note.args["text"]
    assert await bot.items() == []


async def test_a_memo_whose_thread_reply_fails_thanks_the_author_privately(bot: SlackBot) -> None:
    bot.fake.fail("chat.postMessage", "restricted_action_non_threadable_channel")
    await mark(bot, "Deploys need a dry run")
    (thanks,) = await bot.fake.wait_for("chat.postEphemeral")
    await bot.settled()
    (item,) = await bot.items()
    assert thanks.args["user"] == "U2" and "#1" in thanks.args["text"]
    assert item.acknowledged_at is not None and item.thanks is None


async def test_a_partners_vote_in_a_shared_channel_counts(bot: SlackBot) -> None:
    ts = await thanked(bot)
    await bot.slack.reaction(True, user="U9", ts=ts, team_id="T-PARTNER", installed_team_id="T1")
    (item,) = await bot.items()
    assert item.votes == 1


async def test_a_partners_message_captured_in_a_shared_channel_is_external_feedback_here(
    bot: SlackBot,
) -> None:
    await mark(
        bot,
        "Your API docs lack examples",
        author="U9",
        by="U9",
        team_id="T-PARTNER",
        installed_team_id="T1",
    )
    await bot.fake.wait_for("chat.postMessage")
    (item,) = await bot.items(ACME)
    assert (item.text, item.stakeholder) == ("Your API docs lack examples", Stakeholder.EXTERNAL)


async def test_a_captured_messages_mentions_and_links_are_stored_as_people_read_them(
    bot: SlackBot,
) -> None:
    await mark(bot, "<@U2> the <https://ci.example.com/42|CI job> fails", author="U1", by="U2")
    (thanks,) = await bot.fake.wait_for("chat.postMessage")
    (item,) = await bot.items()
    assert item.text == "@Bob the CI job (https://ci.example.com/42) fails"
    assert "<@U2>" not in thanks.args["text"]
