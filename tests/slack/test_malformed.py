"""Requests that are not Slack's: refused with a 4xx, never a server error, nothing stored."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.slack.conftest import SlackBot
from tests.slack.signed import FORM, JSON


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{bad", JSON),
        (b"[1]", JSON),
        (b"\xff\xfe", JSON),
        (b"payload=%7Bbad", FORM),
    ],
    ids=["broken-json", "json-list", "not-utf8", "broken-payload"],
)
async def test_an_unsigned_malformed_body_is_refused_as_a_client_error(
    bot: SlackBot, body: bytes, content_type: str
) -> None:
    answer = await bot.slack.raw(body, content_type, signature="v0=" + "0" * 64)
    assert 400 <= answer.status_code < 500
    assert await bot.items() == []


async def test_a_timestamp_that_is_not_a_number_is_refused_as_a_client_error(
    bot: SlackBot,
) -> None:
    body = b"command=%2Ffeedback&text=hi&team_id=T1&user_id=U1&channel_id=C1"
    answer = await bot.slack.raw(body, FORM, headers={"X-Slack-Request-Timestamp": "abc"})
    assert 400 <= answer.status_code < 500
    assert await bot.items() == []


def no_traceback(caplog: pytest.LogCaptureFixture) -> bool:
    return not any(record.exc_info for record in caplog.records) and "Traceback" not in caplog.text


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


async def test_an_unsigned_deeply_nested_body_is_refused_before_it_is_parsed(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    answer = await bot.slack.raw(nested(1000), JSON, signature="v0=" + "0" * 64)
    assert answer.status_code == 401
    assert no_traceback(caplog)


async def test_a_signed_body_nested_too_deep_is_refused_as_a_client_error(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    answer = await bot.slack.raw(nested(1000), JSON)
    assert answer.status_code == 400
    assert no_traceback(caplog)


async def test_a_body_over_a_mebibyte_is_refused_as_too_large(bot: SlackBot) -> None:
    text = "x" * (1024 * 1024 + 1)
    answer = await bot.slack.command("/feedback", text)
    assert answer.status_code == 413
    assert await bot.items() == []


async def test_a_signed_request_nothing_handles_is_acknowledged_and_logged_in_one_short_line(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    event = {"type": "app_home_opened", "user": "U1", "tab": "home\x00secret words"}
    answer = await bot.slack.event(event)
    assert answer.status_code == 200
    assert "secret words" not in caplog.text
    assert "\x00" not in caplog.text
    assert no_traceback(caplog)


async def test_a_command_whose_text_says_payload_is_stored(bot: SlackBot) -> None:
    # Bolt reads any form body holding the word "payload" as an interaction.
    answer = await bot.slack.command("/feedback", "the payload of the deploy hook is too big")
    assert answer.status_code == 200
    await bot.settled()
    assert [item.text for item in await bot.items()] == [
        "the payload of the deploy hook is too big"
    ]


# Signed but malformed: what Slack's own payloads could lack, answered and ignored.


def command_fields(**changes: str | None) -> dict[str, str]:
    fields = {
        "token": "verification-token",
        "team_id": "T1",
        "channel_id": "C1",
        "user_id": "U1",
        "user_name": "alice",
        "command": "/feedback",
        "text": "Dark mode please",
        "response_url": "http://127.0.0.1:9/response/unset",
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
    }
    for name, value in changes.items():
        if value is None:
            del fields[name]
        else:
            fields[name] = value
    return fields


async def test_a_command_without_a_user_is_acknowledged_and_nothing_is_stored(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    answer = await bot.slack.form(command_fields(user_id=None))
    await bot.settled()
    assert answer.status_code == 200
    assert await bot.items() == []
    assert no_traceback(caplog)


async def test_a_command_without_a_team_is_acknowledged_and_nothing_is_stored(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    answer = await bot.slack.form(command_fields(team_id=None))
    await bot.settled()
    assert answer.status_code == 200
    assert await bot.items() == []
    assert no_traceback(caplog)


async def test_a_bare_command_without_a_trigger_id_says_the_form_could_not_open(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    response_url = bot.fake.response_url()
    fields = command_fields(text="", trigger_id=None, response_url=response_url)
    answer = await bot.slack.form(fields)
    await bot.settled()
    assert answer.status_code == 200
    assert bot.fake.calls_to("views.open") == []
    ((_, said),) = await bot.fake.wait_for_responses()
    assert "could not open the form" in said["text"]
    assert no_traceback(caplog)


async def test_roadmap_without_a_response_url_is_answered_another_way(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    fields = command_fields(command="/roadmap", text="", response_url=None)
    answer = await bot.slack.form(fields)
    await bot.settled()
    assert answer.status_code == 200
    assert no_traceback(caplog)


async def test_a_reaction_without_a_user_is_acknowledged_and_counts_nothing(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    event = {
        "type": "reaction_added",
        "reaction": "memo",
        "item": {"type": "message", "channel": "C1", "ts": "1700000000.000101"},
    }
    answer = await bot.slack.event(event)
    await bot.settled()
    assert answer.status_code == 200
    assert await bot.items() == []
    assert no_traceback(caplog)


async def test_an_event_that_is_a_string_is_refused_as_a_client_error(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    envelope = {"type": "event_callback", "team_id": "T1", "event": "reaction_added"}
    answer = await bot.slack.json(envelope)
    assert answer.status_code == 400
    assert no_traceback(caplog)


async def test_a_form_whose_private_metadata_is_not_json_stays_open_and_stores_nothing(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    answer = await bot.slack.view_submission(
        callback_id="feedbackbot_submit",
        private_metadata="not json {",
        values={"text": {"value": {"type": "plain_text_input", "value": "Dark mode"}}},
    )
    await bot.settled()
    assert answer.status_code == 200
    assert answer.json() == {
        "response_action": "errors",
        "errors": {"text": "Sorry, I could not store that just now; nothing was changed."},
    }
    assert await bot.items() == []
    assert no_traceback(caplog)


async def test_ids_of_the_wrong_type_are_acknowledged_and_nothing_is_stored(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    payload = {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": 42, "name": ["alice"]},
        "view": {
            "type": "modal",
            "callback_id": "feedbackbot_submit",
            "private_metadata": '{"kind": "feedback", "channel": null}',
            "state": {"values": {"text": {"value": {"value": "Dark mode"}}}},
            "app_installed_team_id": "T1",
        },
    }
    answer = await bot.slack.interaction(payload)
    await bot.settled()
    assert answer.status_code == 200
    assert await bot.items() == []
    assert no_traceback(caplog)


async def test_a_body_over_a_mebibyte_sent_in_chunks_is_refused_as_too_large(
    bot: SlackBot,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(17):
            yield b"x" * 65536

    async with httpx.AsyncClient() as client:
        answer = await client.post(bot.slack.url, content=chunks(), headers={"Content-Type": JSON})
    assert answer.status_code == 413
