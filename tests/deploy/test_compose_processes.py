"""The services of ``compose.yaml`` run for real, as processes of this machine: each service's
command through the image's entrypoint, with its environment over the settings an operator
writes in ``.env``, on PostgreSQL, with the addresses of this machine in place of the compose
network's (the database's host, the free ports). The fakes stand in for Slack and Discord."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL
from tests.deploy.compose import ENTRYPOINT, Service, services
from tests.deploy.variables import env_example
from tests.discord.conftest import discord_env
from tests.discord.fake_discord import FakeDiscord
from tests.postgres import connected
from tests.processes import FEEDBACKBOT, free_port
from tests.slack.conftest import SECRET
from tests.slack.fake_slack import FakeSlack
from tests.slack.signed import SlackSender

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
START_TIMEOUT_S = 60


@dataclass
class Replica:
    name: str
    process: asyncio.subprocess.Process
    base: str
    log: list[str] = field(default_factory=list)
    reading: asyncio.Task[None] | None = None

    def serving(self) -> str:
        return next(line for line in self.log if "serving" in line)


@pytest.fixture
async def database() -> AsyncIterator[str]:
    """A new PostgreSQL database, the compose file's ``postgres`` service here."""
    if not POSTGRES_URL:
        pytest.skip("FEEDBACKBOT_TEST_POSTGRES_URL is not set: the PostgreSQL tests are SKIPPED")
    name = f"feedbackbot_compose_{uuid.uuid4().hex[:12]}"
    async with connected(POSTGRES_URL) as admin:
        await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        async with connected(POSTGRES_URL) as admin:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _dot_env(slack: FakeSlack, discord: FakeDiscord, tmp_path: Path) -> dict[str, str]:
    """``.env`` as an operator writes it: the example, with both platforms' tokens filled in."""
    values = {each.name: each.value for each in env_example()}
    platforms = discord_env(discord, tmp_path, SLACK_BOT_TOKEN="xoxb-test")
    values.update({name: value for name, value in platforms.items() if name in values})
    values.update(SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.api_url)
    return values


def _process_env(
    service: Service, dot_env: Mapping[str, str], database: str, port: int, tmp_path: Path
) -> dict[str, str]:
    # The service's environment wins over .env, as in Compose; then this machine's addresses.
    env = {**dot_env, **service.environment}
    assert make_url(env["DATABASE_URL"]).host == "postgres"
    env.update(DATABASE_URL=database, HOST="127.0.0.1", PORT=str(port))
    # The installed feedbackbot first on PATH, as /opt/venv/bin is in the image.
    path = f"{Path(FEEDBACKBOT).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env.update(PATH=path, HOME=str(tmp_path), LOG_LEVEL="INFO")
    return env


async def _read_log(replica: Replica) -> None:
    assert replica.process.stderr is not None
    while line := await replica.process.stderr.readline():
        replica.log.append(line.decode(errors="replace"))


@asynccontextmanager
async def _started(service: Service, env: Mapping[str, str], cwd: Path) -> AsyncIterator[Replica]:
    """The service's command through the entrypoint, once it says it serves; stopped (SIGTERM)
    at the end of the block, after which it must have exited 0."""
    process = await asyncio.create_subprocess_exec(
        "sh", str(ENTRYPOINT), *service.command, env=dict(env), cwd=cwd, stderr=subprocess.PIPE
    )
    replica = Replica(service.name, process, f"http://127.0.0.1:{env['PORT']}")
    assert process.stderr is not None
    try:
        # Wait for the line that says it serves, not for time to pass.
        async with asyncio.timeout(START_TIMEOUT_S):
            while not replica.log or "serving" not in replica.log[-1]:
                line = await process.stderr.readline()
                assert line, "".join(replica.log)
                replica.log.append(line.decode(errors="replace"))
        replica.reading = asyncio.create_task(_read_log(replica))
        yield replica
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 30)
        if replica.reading is not None:
            await asyncio.wait_for(replica.reading, 10)
        assert code == 0, "".join(replica.log)


@dataclass
class Deployment:
    replicas: list[Replica]
    slack: FakeSlack
    discord: FakeDiscord


@pytest.fixture
async def deployment(database: str, tmp_path: Path) -> AsyncIterator[Deployment]:
    """``docker compose up``, as processes: the upgrade to its end, then both replicas."""
    async with FakeSlack() as slack, FakeDiscord() as discord:
        dot_env = _dot_env(slack, discord, tmp_path)
        found = services(dot_env)
        upgrade = found["upgrade"]
        upgraded = await asyncio.create_subprocess_exec(
            "sh",
            str(ENTRYPOINT),
            *upgrade.command,
            env=_process_env(upgrade, dot_env, database, free_port(), tmp_path),
            cwd=tmp_path,
            stderr=subprocess.PIPE,
        )
        _, error = await asyncio.wait_for(upgraded.communicate(), 120)
        assert upgraded.returncode == 0, error.decode()
        first, second = (each for each in found.values() if each.command == ["run"])
        async with (
            _started(
                first, _process_env(first, dot_env, database, free_port(), tmp_path), tmp_path
            ) as one,
            _started(
                second, _process_env(second, dot_env, database, free_port(), tmp_path), tmp_path
            ) as two,
        ):
            yield Deployment([one, two], slack, discord)


async def test_both_replicas_answer_health_on_the_upgraded_database(
    deployment: Deployment,
) -> None:
    async with httpx.AsyncClient() as client:
        answers = [await client.get(f"{each.base}/healthz") for each in deployment.replicas]
    assert [answer.status_code for answer in answers] == [200, 200]


async def test_only_the_first_replica_serves_discord(deployment: Deployment) -> None:
    first, second = deployment.replicas
    assert "Discord" in first.serving() and "Slack" in first.serving()
    assert "Discord" not in second.serving() and "Slack" in second.serving()


async def test_an_item_sent_to_either_replica_is_numbered_on_the_one_database(
    deployment: Deployment,
) -> None:
    answers = []
    for index, replica in enumerate(deployment.replicas):
        sender = SlackSender(replica.base, SECRET, response_url=deployment.slack.response_url())
        answers.append(await sender.command("/feedback", f"sent to replica {index + 1}"))
    assert "Recorded as #1" in answers[0].text
    assert "Recorded as #2" in answers[1].text
