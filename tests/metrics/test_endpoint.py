"""``GET /metrics`` as operators configure it: on by default, off with ``METRICS=false``, and
behind a bearer token with ``METRICS_TOKEN``."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from tests.metrics.conftest import Bot, running_bot, sqlite_url
from tests.slack.fake_slack import FakeSlack

TOKEN = "s3cret-scraper-token"


async def get(bot: Bot, headers: dict[str, str] | None = None) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(f"{bot.base}/metrics", headers=headers or {})


async def test_metrics_are_served_by_default(bot: Bot) -> None:
    answer = await get(bot)

    assert answer.status_code == 200
    assert "feedbackbot_open_sla_breaches" in answer.text


async def test_metrics_false_answers_404_and_the_bot_still_serves(
    fake: FakeSlack, tmp_path: Path
) -> None:
    async with running_bot(fake, sqlite_url(tmp_path), {"METRICS": "false"}) as bot:
        answer = await get(bot)
        command = await bot.slack.command("/feedback", "still recorded")

    assert answer.status_code == 404
    assert command.status_code == 200 and "Recorded as #1" in command.text


async def test_a_token_is_required_when_one_is_set(fake: FakeSlack, tmp_path: Path) -> None:
    async with running_bot(fake, sqlite_url(tmp_path), {"METRICS_TOKEN": TOKEN}) as bot:
        without = await get(bot)
        wrong = await get(bot, {"Authorization": "Bearer not-it"})
        right = await bot.scrape(TOKEN)

    assert without.status_code == 401 and wrong.status_code == 401
    assert without.headers["WWW-Authenticate"] == "Bearer"
    assert right.total("feedbackbot_open_sla_breaches") == 0


async def test_a_scrape_while_the_database_fails_still_shows_the_counts(
    fake: FakeSlack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(fake, sqlite_url(tmp_path)) as bot:
        await bot.slack.command("/feedback", "counted before the trouble")
        before = await bot.scrape()
        async with bot.app.engine.begin() as conn:
            await conn.execute(text("DROP TABLE open_item_counts"))
        answer = await get(bot)

    assert answer.status_code == 200
    assert "feedbackbot_requests_total" in answer.text
    assert before.total("feedbackbot_open_items") == 1
    assert "feedbackbot_open_items{" in answer.text  # the gauges last read
    assert "the metrics' gauges could not be read from the database" in caplog.text
