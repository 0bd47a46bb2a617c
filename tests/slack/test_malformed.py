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
