"""``feedbackbot run`` as a real process on the fake Slack and the fake Discord, with every
line it writes to standard error kept, from its first to its last."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path

from tests.discord.conftest import discord_env
from tests.discord.fake_discord import FakeDiscord
from tests.processes import FEEDBACKBOT, free_port
from tests.slack.conftest import SECRET
from tests.slack.fake_slack import FakeSlack
from tests.slack.signed import SlackSender

MARKER = b"serving Slack"
Act = Callable[[SlackSender], Awaitable[None]]


def both_platforms(
    discord: FakeDiscord, slack: FakeSlack, cwd: Path, **extra: str
) -> dict[str, str]:
    """The settings of both platforms on the fakes, at the default log level unless given."""
    env = discord_env(
        discord,
        cwd,
        PORT=str(free_port()),
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url,
    )
    del env["LOG_LEVEL"]
    env.update(extra)
    return env


async def logged(
    env: dict[str, str], cwd: Path, slack: FakeSlack, act: Act | None = None
) -> list[str]:
    """Every line ``feedbackbot run`` logs while it starts, ``act`` is done, and it stops."""
    process = await asyncio.create_subprocess_exec(
        FEEDBACKBOT, "run", env=env, cwd=cwd, stderr=subprocess.PIPE
    )
    assert process.stderr is not None
    lines: list[bytes] = []
    try:
        async with asyncio.timeout(60):
            while MARKER not in (line := await process.stderr.readline()):
                assert line, b"".join(lines).decode()
                lines.append(line)
            lines.append(line)
        if act is not None:
            port = int(env["PORT"])
            await act(
                SlackSender(f"http://127.0.0.1:{port}", SECRET, response_url=slack.response_url())
            )
    finally:
        process.send_signal(signal.SIGTERM)
        rest = await asyncio.wait_for(process.stderr.read(), 30)
        code = await asyncio.wait_for(process.wait(), 30)
    text = (b"".join(lines) + rest).decode()
    assert code == 0, text
    return text.splitlines()
