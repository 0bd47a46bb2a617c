"""A signed request Slack (or anyone who saw it) sends again within its 5-minute window is
stored once: the same signature and timestamp, or the same ``trigger_id``. Slash command and
view_submission shapes from Slack's slash command and interactivity references."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from bot.identity import Platform, Workspace
from tests.slack.conftest import SlackBot
from tests.slack.signed import FORM, VERIFICATION_TOKEN

ACME = Workspace(Platform.SLACK, "T1")


def feedback_body(bot: SlackBot, text: str, trigger_id: str) -> bytes:
    return urlencode(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": "T1",
            "team_domain": "acme",
            "channel_id": "C1",
            "channel_name": "general",
            "user_id": "U1",
            "user_name": "alice",
            "command": "/feedback",
            "text": text,
            "api_app_id": "A1",
            "is_enterprise_install": "false",
            "response_url": bot.slack.response_url,
            "trigger_id": trigger_id,
        }
    ).encode()


async def test_the_same_signed_command_sent_twice_is_stored_once(bot: SlackBot) -> None:
    body, now = feedback_body(bot, "Faster CI", "111.222.aaa"), int(time.time())
    first = await bot.slack.raw(body, FORM, timestamp=now)
    again = await bot.slack.raw(body, FORM, timestamp=now)
    await bot.settled()
    assert (first.status_code, again.status_code) == (200, 200)
    assert "Recorded as #1" in first.json()["text"]
    assert "recorded once" in again.json()["text"]
    assert [item.text for item in await bot.items(ACME)] == ["Faster CI"]
    assert len(bot.fake.calls_to("chat.postMessage")) == 1  # one thank-you


async def test_a_command_resent_with_its_trigger_id_and_a_new_timestamp_is_stored_once(
    bot: SlackBot,
) -> None:
    body, now = feedback_body(bot, "Faster CI", "111.222.bbb"), int(time.time())
    await bot.slack.raw(body, FORM, timestamp=now - 60)
    again = await bot.slack.raw(body, FORM, timestamp=now)
    await bot.settled()
    assert "recorded once" in again.json()["text"]
    assert len(await bot.items(ACME)) == 1


async def test_the_same_words_sent_twice_by_a_person_are_two_items(bot: SlackBot) -> None:
    await bot.slack.command("/feedback", "Faster CI")
    await bot.slack.command("/feedback", "Faster CI")
    await bot.settled()
    assert [item.number for item in await bot.items(ACME)] == [1, 2]


async def test_a_form_submission_sent_twice_is_stored_once(bot: SlackBot) -> None:
    await bot.slack.command("/feedback", "")
    (opened,) = await bot.fake.wait_for("views.open")
    view = opened.json_arg("view")
    for _ in range(2):
        answer = await bot.slack.view_submission(
            callback_id=view["callback_id"],
            private_metadata=view["private_metadata"],
            values={"text": {"value": {"type": "plain_text_input", "value": "Shared runbooks"}}},
            trigger_id="333.444.ccc",
        )
        assert answer.status_code == 200
    await bot.settled()
    assert [item.text for item in await bot.items(ACME)] == ["Shared runbooks"]


async def test_a_command_without_a_trigger_id_is_known_again_by_its_signature(
    bot: SlackBot,
) -> None:
    fields = feedback_body(bot, "Faster CI", "").decode().replace("&trigger_id=", "")
    body, now = fields.encode(), int(time.time())
    await bot.slack.raw(body, FORM, timestamp=now)
    await bot.slack.raw(body, FORM, timestamp=now)
    await bot.slack.raw(body, FORM, timestamp=now + 1)  # signed anew: another request
    await bot.settled()
    assert [item.number for item in await bot.items(ACME)] == [1, 2]
