"""The core's buttons as Slack shows them: every way the bot posts (a channel, a thread, a DM, a
private answer) carries a message's buttons as Block Kit, its text kept as the fallback.

Shapes from Slack's Block Kit reference: a ``section`` of ``mrkdwn`` text (at most 3,000
characters), an ``actions`` block of ``button`` elements with ``action_id``, ``value`` and
``style`` ``primary``/``danger``."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.slack.chat import SlackChat
from bot.identity import MessageRef, Person
from bot.messages import Button, ButtonStyle, Message, Quote
from tests.slack.conftest import SlackBot

SOLVED = Button("fb:csat:7:solved:T1", "Solved it", ButtonStyle.PRIMARY)
PARTLY = Button("fb:csat:7:partly:T1", "Partly")
NO = Button("fb:csat:7:no:T1", "No", ButtonStyle.DANGER)
ASKED = Message.of("#7 shipped. Did this solve it?").with_buttons(SOLVED, PARTLY, NO)
ALICE = Person("U1", "Alice")


def buttons_of(blocks: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
    """Each button's label, token and style, in the order shown."""
    return [
        (element["text"]["text"], element["action_id"], element.get("style"))
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def shown_text(blocks: list[dict[str, Any]]) -> str:
    return "".join(block["text"]["text"] for block in blocks if block["type"] == "section")


async def test_a_post_shows_the_text_then_the_buttons_in_order(bot: SlackBot) -> None:
    await SlackChat(bot.adapter.client).post("C1", ASKED)

    (posted,) = bot.fake.messages("C1")
    assert posted["text"] == "#7 shipped. Did this solve it?"  # the notification's fallback
    assert shown_text(posted["blocks"]) == "#7 shipped. Did this solve it?"
    assert buttons_of(posted["blocks"]) == [
        ("Solved it", "fb:csat:7:solved:T1", "primary"),
        ("Partly", "fb:csat:7:partly:T1", None),
        ("No", "fb:csat:7:no:T1", "danger"),
    ]


async def test_a_buttons_value_is_its_token_too(bot: SlackBot) -> None:
    await SlackChat(bot.adapter.client).post("C1", ASKED)

    (posted,) = bot.fake.messages("C1")
    actions = [block for block in posted["blocks"] if block["type"] == "actions"]
    elements = [element for block in actions for element in block["elements"]]
    assert all(element["value"] == element["action_id"] for element in elements)


async def test_a_message_without_buttons_is_posted_as_text_alone(bot: SlackBot) -> None:
    await SlackChat(bot.adapter.client).post("C1", Message.of("Thanks!"))

    (call,) = bot.fake.calls_to("chat.postMessage")
    assert call.args["text"] == "Thanks!" and "blocks" not in call.args


async def test_typed_text_beside_buttons_cannot_ping_anyone(bot: SlackBot) -> None:
    typed = Message.of("Pulse survey: ", Quote("<!channel> @here how are we?")).with_buttons(NO)

    await SlackChat(bot.adapter.client).post("C1", typed)

    (posted,) = bot.fake.messages("C1")
    (section,) = [block for block in posted["blocks"] if block["type"] == "section"]
    # verbatim: Slack does not parse "@here" in the text into a mention.
    assert section["text"]["verbatim"] is True
    assert section["text"]["text"] == "Pulse survey: &lt;!channel&gt; @here how are we?"


async def test_a_reply_in_a_thread_carries_its_buttons(bot: SlackBot) -> None:
    thread = await SlackChat(bot.adapter.client).post("C1", Message.of("#7 Faster CI"))

    await SlackChat(bot.adapter.client).reply_in_thread("C1", thread, ASKED)

    reply = bot.fake.messages("C1")[-1]
    assert reply["thread_ts"] == thread.message_id
    assert [label for label, _, _ in buttons_of(reply["blocks"])] == ["Solved it", "Partly", "No"]


async def test_a_direct_message_carries_its_buttons(bot: SlackBot) -> None:
    await SlackChat(bot.adapter.client).direct_message(ALICE, ASKED)

    (call,) = bot.fake.calls_to("chat.postMessage")
    assert call.args["channel"] == "U1"
    assert [token for _, token, _ in buttons_of(call.args["blocks"])] == [
        SOLVED.action,
        PARTLY.action,
        NO.action,
    ]


async def test_a_private_answer_keeps_its_buttons_and_the_message_it_answers(
    bot: SlackBot,
) -> None:
    chat = SlackChat(bot.adapter.client, bot.fake.response_url("pressed"))

    await chat.post_private("C1", ALICE, ASKED)

    ((name, body),) = await bot.fake.wait_for_responses()
    assert name == "pressed"
    assert (body["response_type"], body["replace_original"]) == ("ephemeral", False)
    assert buttons_of(body["blocks"])[0] == ("Solved it", SOLVED.action, "primary")


async def test_an_ephemeral_answer_keeps_its_buttons_when_the_response_url_expired(
    bot: SlackBot,
) -> None:
    bot.fake.expire_response_url("old")
    chat = SlackChat(bot.adapter.client, bot.fake.response_url("old"))

    await chat.post_private("C1", ALICE, ASKED)

    (call,) = bot.fake.calls_to("chat.postEphemeral")
    assert call.args["user"] == "U1"
    assert len(buttons_of(call.args["blocks"])) == 3


async def test_a_long_text_is_shown_whole_in_sections_slack_takes(bot: SlackBot) -> None:
    lines = [f"line {n:04d} " + "x" * 80 for n in range(40)]  # about 3,600 characters
    long = Message.of("\n".join(lines)).with_buttons(SOLVED)

    await SlackChat(bot.adapter.client).post("C1", long)

    (posted,) = bot.fake.messages("C1")
    sections = [block["text"]["text"] for block in posted["blocks"] if block["type"] == "section"]
    assert len(sections) == 2 and all(len(text) <= 3000 for text in sections)
    assert "\n".join(sections) == "\n".join(lines)


@pytest.mark.parametrize("markup", ["&amp;", "<@U1>"], ids=["an escape", "a mention"])
async def test_markup_is_never_cut_between_two_sections(bot: SlackBot, markup: str) -> None:
    crowded = Message.of("a" * 2998 + markup + "b").with_buttons(SOLVED)

    await SlackChat(bot.adapter.client).post("C1", crowded)

    (posted,) = bot.fake.messages("C1")
    first, second = [b["text"]["text"] for b in posted["blocks"] if b["type"] == "section"]
    assert (first, second) == ("a" * 2998, markup + "b")


async def test_a_message_found_again_after_a_lost_answer_was_posted_with_its_buttons(
    bot: SlackBot,
) -> None:
    # What the outbox posts carries its marker beside the blocks, so a lost answer is found.
    ref = await SlackChat(bot.adapter.client).post("C1", ASKED, marker="owed-1")

    (posted,) = bot.fake.messages("C1")
    assert posted["metadata"]["event_payload"] == {"key": "owed-1"}
    assert ref == MessageRef("C1", posted["ts"]) and "blocks" in posted
