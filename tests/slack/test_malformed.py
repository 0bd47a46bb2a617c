"""Requests that are not Slack's: refused with a 4xx, never a server error, nothing stored."""

from __future__ import annotations

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
