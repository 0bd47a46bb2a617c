"""Socket Mode end to end: ``serving()`` as ``feedbackbot run`` starts it, the real Bolt app and
slack_sdk's Socket Mode client, a fake Slack that hands out its own WebSocket and delivers
envelopes over it, a real SQLite database.

Payload shapes follow Slack's Socket Mode docs: a slash command's payload is the command's
fields, an Events API payload is the ``event_callback`` that HTTP mode would POST, and the
bot acknowledges each envelope with ``{"envelope_id", "payload"?}``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.app.composition import open_app
from adapters.app.serving import Serving, serving
from adapters.app.settings import load_settings
from adapters.slack.modal import CALLBACK_ID
from bot.errors import ConfigError
from bot.items import Item, ItemKind
from bot.service import FeedbackService
from tests.fakes import FixedClock
from tests.processes import free_port, running
from tests.slack.conftest import ACME
from tests.slack.fake_slack import APP_ID, BOT_USER_ID, FakeSlack
from tests.slack.signed import DEFAULT_TRIGGER_ID, VERIFICATION_TOKEN, SlackSender

BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-1-A1-1234-socketmode"
EVENT_TIME = 1_700_000_000


@dataclass
class SocketBot:
    fake: FakeSlack
    service: FeedbackService
    served: Serving

    async def items(self) -> list[Item]:
        return [item async for item in self.service.export(ACME)]


def environment(fake: FakeSlack, database: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": fake.api_url,
        "HOST": "127.0.0.1",
        "PORT": "0",
    }


@pytest.fixture
async def bot(fake: FakeSlack, tmp_path: Path) -> AsyncIterator[SocketBot]:
    settings = load_settings(environment(fake, tmp_path / "x.db"))
    async with open_app(settings, FixedClock()) as opened, serving(opened) as served:
        yield SocketBot(fake, opened.core.feedback, served)


# -- payloads, as Slack puts them in envelopes --------------------------------------------------


def command(
    name: str,
    text: str,
    *,
    user_id: str = "U1",
    user_name: str = "alice",
    response_url: str = "http://127.0.0.1:9/response/unset",
) -> dict[str, Any]:
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": "T1",
        "team_domain": "acme",
        "channel_id": "C1",
        "channel_name": "general",
        "user_id": user_id,
        "user_name": user_name,
        "command": name,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": DEFAULT_TRIGGER_ID,
    }


def reaction_added(
    ts: str, *, user: str = "U2", reaction: str = "+1", event_id: str
) -> dict[str, Any]:
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": "T1",
        "context_team_id": "T1",
        "api_app_id": APP_ID,
        "event": {
            "type": "reaction_added",
            "user": user,
            "reaction": reaction,
            "item_user": BOT_USER_ID,
            "item": {"type": "message", "channel": "C1", "ts": ts},
            "event_ts": f"{EVENT_TIME}.000200",
        },
        "type": "event_callback",
        "event_id": event_id,
        "event_time": EVENT_TIME,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": "T1",
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


async def feedback(bot: SocketBot, text: str) -> tuple[Mapping[str, Any], str]:
    """Send ``/feedback text``; return the acknowledgement and the ts of the thank-you, once the
    thank-you is noted."""
    envelope_id = await bot.fake.push("slash_commands", command("/feedback", text))
    ack = await bot.fake.wait_for_ack(envelope_id)
    await bot.fake.wait_for("chat.postMessage")
    await bot.served.settled()
    return ack, str(bot.fake.messages("C1")[-1]["ts"])


# -- the tests ----------------------------------------------------------------------------------


async def test_the_bot_connects_with_the_app_token_and_serves_no_slack_over_http(
    bot: SocketBot,
) -> None:
    (opened,) = bot.fake.calls_to("apps.connections.open")
    assert opened.headers["authorization"] == f"Bearer {APP_TOKEN}"
    assert bot.served.platforms == ["Slack (Socket Mode)"]
    assert bot.fake.socket_connections == 1
    async with httpx.AsyncClient() as client:
        health = await client.get(f"http://127.0.0.1:{bot.served.port}/healthz")
        events = await client.post(f"http://127.0.0.1:{bot.served.port}/slack/events", json={})
    assert health.status_code == 200 and events.status_code == 404


async def test_feedback_is_confirmed_in_the_ack_thanked_in_the_channel_and_stored(
    bot: SocketBot,
) -> None:
    envelope_id = await bot.fake.push("slash_commands", command("/feedback", "Socket Mode works"))
    ack = await bot.fake.wait_for_ack(envelope_id)
    (posted,) = await bot.fake.wait_for("chat.postMessage")
    items = await bot.items()
    assert ack["envelope_id"] == envelope_id
    assert ack["payload"]["response_type"] == "ephemeral"
    assert "Recorded as #1" in ack["payload"]["text"]
    assert posted.token == BOT_TOKEN and posted.args["channel"] == "C1"
    assert "<@U1>" in posted.args["text"] and "Socket Mode works" in posted.args["text"]
    assert [(i.number, i.kind, i.text) for i in items] == [
        (1, ItemKind.FEEDBACK, "Socket Mode works")
    ]


async def test_a_thumbs_up_on_the_thank_you_votes_once_however_often_it_is_delivered(
    bot: SocketBot,
) -> None:
    _, ts = await feedback(bot, "Faster CI")
    vote = reaction_added(ts, event_id="Ev-vote")
    first = await bot.fake.push("events_api", vote)
    first_ack = await bot.fake.wait_for_ack(first)
    (item,) = await bot.items()
    assert item.votes == 1
    # Slack delivers the same event again (its event_id unchanged) in a new envelope.
    again = await bot.fake.push("events_api", vote, retry_attempt=1)
    again_ack = await bot.fake.wait_for_ack(again)
    (item,) = await bot.items()
    assert item.votes == 1
    assert first_ack == {"envelope_id": first} and again_ack == {"envelope_id": again}


async def test_a_bare_request_opens_the_form(bot: SocketBot) -> None:
    envelope_id = await bot.fake.push("slash_commands", command("/request", ""))
    ack = await bot.fake.wait_for_ack(envelope_id)
    (opened,) = await bot.fake.wait_for("views.open")
    assert ack == {"envelope_id": envelope_id}
    assert opened.args["trigger_id"] == DEFAULT_TRIGGER_ID
    assert opened.json_arg("view")["callback_id"] == CALLBACK_ID
    assert await bot.items() == []


async def test_the_bot_reconnects_when_slack_asks_and_keeps_serving(bot: SocketBot) -> None:
    await bot.fake.disconnect("refresh_requested")
    await bot.fake.wait_for_socket(count=2)
    envelope_id = await bot.fake.push("slash_commands", command("/feedback", "still here"))
    ack = await bot.fake.wait_for_ack(envelope_id)
    assert len(bot.fake.calls_to("apps.connections.open")) == 2
    assert "Recorded as #1" in ack["payload"]["text"]


async def test_a_refused_app_token_stops_the_start_and_names_the_variable(
    fake: FakeSlack, tmp_path: Path
) -> None:
    fake.fail("apps.connections.open", "invalid_auth", times=100)
    settings = load_settings(environment(fake, tmp_path / "x.db"))
    async with open_app(settings) as opened:
        # Bounded: slack_sdk alone would retry the refused token forever.
        async with asyncio.timeout(10):
            with pytest.raises(ConfigError) as refused:
                async with serving(opened):
                    pass
    assert refused.value.variable == "SLACK_APP_TOKEN"
    assert "invalid_auth" in refused.value.problem
    assert len(fake.calls_to("apps.connections.open")) == 1
    assert fake.socket_connections == 0


async def test_run_connects_in_socket_mode_and_handles_a_command(
    fake: FakeSlack, tmp_path: Path
) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "HOME": str(tmp_path),
        **environment(fake, tmp_path / "run.db"),
        "PORT": str(free_port()),
        "LOG_LEVEL": "INFO",
    }
    async with running(env, tmp_path, b"serving Slack (Socket Mode)"):
        envelope_id = await fake.push("slash_commands", command("/feedback", "over the socket"))
        ack = await fake.wait_for_ack(envelope_id, timeout=10)
        (posted,) = await fake.wait_for("chat.postMessage", timeout=10)
    assert "Recorded as #1" in ack["payload"]["text"]
    assert "over the socket" in posted.args["text"]
    await fake.wait_for_sockets_closed()  # the connection was closed on the way out


async def test_each_worker_opens_its_own_socket_mode_connection(
    fake: FakeSlack, tmp_path: Path
) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        **environment(fake, tmp_path / "run.db"),
        "PORT": str(free_port()),
        "LOG_LEVEL": "INFO",
        "WORKERS": "2",
    }
    async with running(env, tmp_path, b"2 worker processes"):
        await fake.wait_for_socket(count=2)
        envelope_id = await fake.push("slash_commands", command("/feedback", "to either worker"))
        ack = await fake.wait_for_ack(envelope_id, timeout=10)
    assert fake.socket_connections == 2
    assert "Recorded as #1" in ack["payload"]["text"]
    await fake.wait_for_sockets_closed()


async def test_an_envelope_bolt_cannot_read_is_acknowledged_and_the_bot_goes_on(
    bot: SocketBot, caplog: pytest.LogCaptureFixture
) -> None:
    broken = {"type": "event_callback", "team_id": "T1", "event": "reaction_added"}
    envelope_id = await bot.fake.push("events_api", broken)
    ack = await bot.fake.wait_for_ack(envelope_id)
    await feedback(bot, "still listening")
    assert ack == {"envelope_id": envelope_id}
    assert [item.text for item in await bot.items()] == ["still listening"]
    assert not any(record.exc_info for record in caplog.records)


async def test_a_button_pressed_over_socket_mode_is_acknowledged_and_answered_privately(
    bot: SocketBot,
) -> None:
    # A survey that is gone: the core says so, privately, through the press's response URL.
    press = SlackSender("http://unused", "unused").block_actions_payload(
        "fb:pulse:999:4", channel_id="C1", response_url=bot.fake.response_url("pressed")
    )

    envelope_id = await bot.fake.push("interactive", press)

    ack = await bot.fake.wait_for_ack(envelope_id)
    ((name, answer),) = await bot.fake.wait_for_responses()
    assert ack == {"envelope_id": envelope_id}
    assert name == "pressed" and answer["response_type"] == "ephemeral"
    assert "survey is gone" in answer["text"]
