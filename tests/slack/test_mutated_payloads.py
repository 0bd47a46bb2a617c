"""Correctly signed but mutated Slack payloads, sent to the real Bolt app over HTTP: never a
server error, never a traceback in the log, nothing stored that lacks what an item needs, and
the bot still takes a valid command afterwards."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.payloads.checks import fuzzing, incomplete_items, tracebacks
from tests.payloads.mutations import mutated
from tests.payloads.slack import SlackShape, slack_shapes
from tests.slack.conftest import SlackBot
from tests.slack.signed import FORM, JSON


def encoded(shape: SlackShape, payload: dict[str, Any]) -> tuple[bytes, str]:
    """The body Slack would send for ``payload`` in the shape's encoding."""
    if shape.encoding == "json":
        return json.dumps(payload).encode(), JSON
    if shape.encoding == "interaction":
        fields = {"payload": json.dumps(payload)}
    else:  # a form's fields are text: anything else arrives as its JSON
        fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in payload.items()}
    return urlencode(fields).encode(), FORM


@fuzzing
@given(data=st.data())
async def test_no_mutated_signed_payload_gets_a_server_error_or_a_traceback(
    bot: SlackBot,
    sqlite_engine: AsyncEngine,
    caplog: pytest.LogCaptureFixture,
    data: st.DataObject,
) -> None:
    shape = data.draw(st.sampled_from(slack_shapes(bot.fake.response_url())), label="shape")
    payload = data.draw(mutated(shape.payload), label="payload")
    seen = len(caplog.records)
    body, content_type = encoded(shape, payload)
    answer = await bot.slack.raw(body, content_type)
    await bot.settled()
    assert answer.status_code < 500, answer.text
    assert tracebacks(caplog.records[seen:]) == []
    assert await incomplete_items(sqlite_engine) == []


async def test_after_mutated_payloads_a_valid_command_is_stored_and_thanked(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    for shape in slack_shapes(bot.fake.response_url()):
        broken = {key: None for key in shape.payload}
        await bot.slack.raw(*encoded(shape, broken))
    answer = await bot.slack.command("/feedback", "Still listening")
    await bot.settled()
    assert answer.status_code == 200
    assert [item.text for item in await bot.items()] == ["Still listening"]
    assert any("Still listening" in posted for posted in bot.fake.posted_texts("C1"))
    assert tracebacks(caplog.records) == []
