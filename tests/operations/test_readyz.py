"""``GET /readyz`` as an orchestrator and an operator read it: each part's state, 200 when the
process can do its job, 503 naming what keeps it from it. ``feedbackbot run``'s pieces are
started in this process (``serving``) on the fake Discord and the fake Slack, with a clock the
test moves: a platform counts as down only after a minute."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from adapters.app.composition import open_app
from adapters.app.readiness import Readiness, database_part
from adapters.app.serving import Serving, serving
from adapters.app.settings import load_settings
from adapters.web import build_web_app
from storage.engine import create_engine
from storage.url import database_url
from tests.discord.fake_discord import FakeDiscord
from tests.fakes import FixedClock
from tests.processes import free_port
from tests.slack.conftest import SECRET
from tests.slack.fake_slack import FakeSlack
from tests.slack.signed import SlackSender

Answer = tuple[int, dict[str, Any]]


class Bot:
    def __init__(self, served: Serving, clock: FixedClock) -> None:
        self.served = served
        self.clock = clock

    async def readyz(self) -> Answer:
        return await get(self.served.port, "/readyz")

    async def readyz_once(self, holds: Callable[[Answer], bool]) -> Answer:
        """``/readyz`` once it says what ``holds`` looks for: the bot's own view of its
        connections changes a moment after the fake's, and can only be read."""
        deadline = time.monotonic() + 10
        while not holds(answer := await self.readyz()):
            assert time.monotonic() < deadline, f"/readyz still says {answer}"
            await asyncio.sleep(0.05)
        return answer


async def get(port: int, path: str) -> Answer:
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"http://127.0.0.1:{port}{path}")
    return answer.status_code, answer.json()


def state(answer: Answer, part: str) -> str:
    return str(answer[1]["parts"][part]["state"])


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest.fixture
async def bot(fake: FakeDiscord, slack: FakeSlack, tmp_path: Path) -> AsyncIterator[Bot]:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'feedbackbot.db'}",
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "HOST": "127.0.0.1",
        "PORT": "0",
    }
    clock = FixedClock()
    async with open_app(load_settings(env), clock) as app, serving(app) as served:
        await fake.wait_until(fake.ready.is_set, describe=lambda: "the bot to identify")
        yield Bot(served, clock)


def discord_up(answer: Answer) -> bool:
    return state(answer, "discord") == "up"


def web_api(answer: Answer) -> str:
    return state(answer, "slack_web_api")


async def test_readyz_is_200_with_every_part_up(bot: Bot) -> None:
    status, body = await bot.readyz_once(
        lambda answer: discord_up(answer) and web_api(answer) == "answering"
    )
    assert status == 200
    assert body["status"] == "ready"
    assert {name: part["state"] for name, part in body["parts"].items()} == {
        "database": "up",
        "slack": "up",
        "discord": "up",
        "scheduler": "running",
        "slack_web_api": "answering",
    }


async def test_readyz_shows_slacks_web_api_not_answering_but_stays_200(
    bot: Bot, slack: FakeSlack
) -> None:
    await bot.readyz_once(lambda answer: web_api(answer) == "answering")
    await slack.refuse_connections()
    sender = SlackSender(
        f"http://127.0.0.1:{bot.served.port}", SECRET, response_url=slack.response_url()
    )
    recorded = await sender.command("/feedback", "kept while Slack is away")
    await bot.readyz_once(lambda answer: web_api(answer) == "not answering")
    bot.clock.advance(timedelta(seconds=61))
    status, body = await bot.readyz()

    assert recorded.status_code == 200 and "Recorded as #1" in recorded.text
    assert status == 200  # the bot still records; the outbox posts once Slack answers
    part = body["parts"]["slack_web_api"]
    assert "ClientConnectorError" in part["detail"] and part["for_s"] >= 61


async def test_readyz_is_503_naming_discord_once_its_gateway_is_down_for_over_a_minute(
    bot: Bot, fake: FakeDiscord
) -> None:
    await bot.readyz_once(discord_up)
    await fake.gateway_down()
    status, body = await bot.readyz_once(lambda answer: not discord_up(answer))
    assert status == 200  # a dropped gateway within the minute is ordinary weather
    bot.clock.advance(timedelta(seconds=61))
    status, body = await bot.readyz()
    assert status == 503
    assert body["status"] == "not ready" and body["failing"] == ["discord"]
    assert body["parts"]["discord"]["state"] == "reconnecting"
    assert body["parts"]["discord"]["for_s"] >= 61


async def test_readyz_is_200_again_once_the_gateway_is_back(bot: Bot, fake: FakeDiscord) -> None:
    await bot.readyz_once(discord_up)
    await fake.gateway_down()
    await bot.readyz_once(lambda answer: not discord_up(answer))
    bot.clock.advance(timedelta(seconds=61))
    fake.gateway_up()
    status, _ = await bot.readyz_once(discord_up)
    assert status == 200


async def test_readyz_is_503_naming_the_database_when_its_sqlite_file_is_removed(
    bot: Bot, tmp_path: Path
) -> None:
    await bot.readyz_once(discord_up)
    os.remove(tmp_path / "feedbackbot.db")
    status, body = await bot.readyz()
    assert status == 503
    assert body["failing"] == ["database"]
    assert body["parts"]["database"]["state"] == "unreachable"
    assert "feedbackbot.db is gone" in body["parts"]["database"]["detail"]


async def test_healthz_stays_200_while_the_database_is_gone(bot: Bot, tmp_path: Path) -> None:
    os.remove(tmp_path / "feedbackbot.db")
    assert await get(bot.served.port, "/healthz") == (200, {"status": "ok"})


async def test_readyz_is_503_naming_the_database_when_postgresql_does_not_listen() -> None:
    nowhere = f"postgresql://feedbackbot@127.0.0.1:{free_port()}/feedbackbot"
    engine = create_engine(database_url(nowhere))
    readiness = Readiness(FixedClock())
    readiness.add("database", database_part(engine))
    runner = web.AppRunner(build_web_app(readiness=readiness))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        status, body = await get(runner.addresses[0][1], "/readyz")
    finally:
        await runner.cleanup()
        await engine.dispose()
    assert status == 503
    assert body["failing"] == ["database"]
    assert body["parts"]["database"]["state"] == "unreachable"


@pytest.fixture
async def socket_bot(slack: FakeSlack, tmp_path: Path) -> AsyncIterator[Bot]:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'feedbackbot.db'}",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_APP_TOKEN": "xapp-1-A1-1234-socketmode",
        "SLACK_API_URL": slack.api_url,
        "HOST": "127.0.0.1",
        "PORT": "0",
    }
    clock = FixedClock()
    async with open_app(load_settings(env), clock) as app, serving(app) as served:
        await slack.wait_for_socket()
        yield Bot(served, clock)


def slack_up(answer: Answer) -> bool:
    return state(answer, "slack") == "up"


async def test_readyz_is_503_naming_slack_once_socket_mode_is_down_for_over_a_minute(
    socket_bot: Bot, slack: FakeSlack
) -> None:
    await socket_bot.readyz_once(slack_up)
    await slack.refuse_connections()
    status, _ = await socket_bot.readyz_once(lambda answer: not slack_up(answer))
    assert status == 200
    socket_bot.clock.advance(timedelta(seconds=61))
    status, body = await socket_bot.readyz()
    assert status == 503
    assert body["failing"] == ["slack"]
    assert body["parts"]["slack"]["state"] == "reconnecting"
