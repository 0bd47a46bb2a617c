"""Exactly once, for real: two ``feedbackbot run`` processes on one PostgreSQL database and a
reminder due every minute. Each occurrence must reach Slack once. Takes about three minutes,
since the minutes are real."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL, _admin
from tests.console.test_cli import feedbackbot
from tests.postgres import connected
from tests.processes import FEEDBACKBOT, free_port
from tests.slack.conftest import SECRET
from tests.slack.fake_slack import FakeSlack

OCCURRENCES = 3

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    if not POSTGRES_URL:
        pytest.skip("FEEDBACKBOT_TEST_POSTGRES_URL is not set: the PostgreSQL tests are SKIPPED")
    name = f"feedbackbot_test_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(False)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_two_replicas_post_every_occurrence_once(
    postgres_url: str, clean_env: dict[str, str], tmp_path: Path
) -> None:
    async with FakeSlack() as fake:
        env = {
            **clean_env,
            "DATABASE_URL": postgres_url,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
            "HOST": "127.0.0.1",
            "LOG_LEVEL": "INFO",
        }
        added = await asyncio.to_thread(
            feedbackbot,
            *("reminders", "add", "--workspace", "slack:T1", "--channel", "C-ROADMAP"),
            *("--kind", "prompt", "--text", "Tell us how it goes", "cron * * * * *"),
            env=env,
            cwd=tmp_path,
        )
        assert added.returncode == 0, added.stderr
        replicas = [
            await asyncio.create_subprocess_exec(
                FEEDBACKBOT,
                "run",
                env={**env, "PORT": str(free_port())},
                cwd=tmp_path,
                stderr=subprocess.PIPE,
            )
            for _ in range(2)
        ]
        try:
            for replica in replicas:
                assert replica.stderr is not None
                async with asyncio.timeout(30):
                    while b"serving Slack" not in (line := await replica.stderr.readline()):
                        assert line, "feedbackbot run ended before serving"
            # Up to a minute to the first occurrence, then one a minute.
            await fake.wait_for("chat.postMessage", OCCURRENCES, timeout=60 * (OCCURRENCES + 1))
            # A duplicate would come within moments of its original; give it time to show.
            await asyncio.sleep(5)
        finally:
            for replica in replicas:
                replica.send_signal(signal.SIGTERM)
            codes = [await asyncio.wait_for(replica.wait(), 30) for replica in replicas]
    posts = fake.calls_to("chat.postMessage")
    assert codes == [0, 0]
    assert {call.args["channel"] for call in posts} == {"C-ROADMAP"}
    assert {call.args["text"] for call in posts} == {"Tell us how it goes"}
    assert len(posts) in (OCCURRENCES, OCCURRENCES + 1)  # the next minute may have begun
    # Every post is a different occurrence: the database holds one claim for each.
    assert await posted_claims(postgres_url) == (len(posts), len(posts))


async def posted_claims(url: str) -> tuple[int, int]:
    async with connected(url) as connection:
        row = await connection.fetchrow(
            "SELECT count(*), count(DISTINCT scheduled_for) FROM reminder_occurrences "
            "WHERE outcome = 'posted'"
        )
    return int(row[0]), int(row[1])
