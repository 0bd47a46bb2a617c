"""What the bot tells the person who used a command is what actually happened: a refusal of an
oversized text says so with a short excerpt, and a confirmation says where the thank-you went."""

from __future__ import annotations

from tests.slack.conftest import SlackBot


async def test_an_oversized_command_is_refused_with_a_short_excerpt_not_an_echo(
    bot: SlackBot,
) -> None:
    # 20,000 characters: well over the limit, and under any cap on a request's body.
    text = "Our builds are slow" + " because" * 2_500
    answer = await bot.slack.command("/feedback", text)
    await bot.settled()
    said = answer.json()["text"]
    assert "too long" in said and f"{len(text):,} characters" in said
    assert "It began: “Our builds are slow because" in said
    assert len(said) < 500
    assert await bot.items() == []


async def test_in_a_channel_the_confirmation_says_the_thank_you_is_there_to_vote_on(
    bot: SlackBot,
) -> None:
    answer = await bot.slack.command("/feedback", "Faster CI")
    said = answer.json()["text"]
    assert "Recorded as #1. The thank-you is in the channel" in said
    assert "others can vote for it with :+1:" in said


async def test_in_a_direct_message_the_confirmation_promises_no_votes(bot: SlackBot) -> None:
    # A slash command used in a DM: Slack's channel id starts with D, its name "directmessage".
    answer = await bot.slack.command(
        "/feedback", "Faster CI", channel_id="D0123ABCD", channel_name="directmessage"
    )
    await bot.settled()
    said = answer.json()["text"]
    assert "direct conversation" in said and "nobody else can vote" in said
    assert "in the channel" not in said
    (item,) = await bot.items()
    assert item.text == "Faster CI"


async def test_where_the_bot_may_not_post_it_says_it_thanked_privately_and_why(
    bot: SlackBot,
) -> None:
    bot.fake.fail("chat.postMessage", "not_in_channel")
    answer = await bot.slack.command(
        "/feedback", "Private idea", channel_id="G-PRIVATE", channel_name="privategroup"
    )
    (_, thanks), *_ = await bot.fake.wait_for_responses()
    await bot.settled()
    said = answer.json()["text"]
    assert "could not post in this channel" in said and "thanked privately" in said
    assert "goes in the channel" not in said and "others can vote" not in said
    assert "Only you see this: I could not post in that channel" in thanks["text"]
    assert "Private idea" in thanks["text"]


async def test_a_deleted_channel_also_gets_a_private_thank_you_that_says_why(
    bot: SlackBot,
) -> None:
    bot.fake.fail("chat.postMessage", "channel_not_found")
    answer = await bot.slack.command("/request", "Gone channel idea", channel_id="C-GONE")
    (_, thanks), *_ = await bot.fake.wait_for_responses()
    assert "thanked privately" in answer.json()["text"]
    assert "not available to me" in thanks["text"]


async def test_where_the_last_thank_you_went_without_trouble_the_next_is_confirmed_at_once(
    bot: SlackBot,
) -> None:
    await bot.slack.command("/feedback", "Faster CI")
    await bot.settled()
    answer = await bot.slack.command("/feedback", "Faster deploys")
    await bot.settled()
    said = answer.json()["text"]
    assert "Recorded as #2. The thank-you goes in the channel" in said
    assert "others can vote for it with :+1:" in said
    assert len([text for text in bot.fake.posted_texts() if "#2" in text]) == 1


async def test_a_channel_that_stopped_taking_thank_yous_is_waited_for_again(
    bot: SlackBot,
) -> None:
    await bot.slack.command("/feedback", "Faster CI")
    await bot.settled()
    bot.fake.fail("chat.postMessage", "not_in_channel")
    first = await bot.slack.command("/feedback", "Bot removed meanwhile")
    await bot.settled()
    # Told at once that it goes in the channel; the private thank-you then says why not.
    assert "goes in the channel" in first.json()["text"]
    bot.fake.fail("chat.postMessage", "not_in_channel")
    second = await bot.slack.command("/feedback", "Still removed")
    await bot.settled()
    assert "thanked privately" in second.json()["text"]
