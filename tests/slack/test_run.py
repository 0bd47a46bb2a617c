"""``feedbackbot run`` with Slack settings, as an operator starts it: a real process (``main`` in
this process for settings it refuses before serving)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import yaml

from adapters.slack.app import ROADMAP
from bot.conversation import ITEM_COMMANDS
from bot.identity import Person
from bot.items import ItemKind, Priority
from bot.service import FeedbackService, Submission
from storage.engine import create_engine
from storage.schema import migrate
from storage.unit_of_work import SqlUnitOfWork
from tests.cli import run_cli
from tests.fakes import FixedClock
from tests.processes import FEEDBACKBOT, free_port, running
from tests.slack.conftest import ACME, SECRET, process_environment
from tests.slack.fake_slack import FakeSlack
from tests.slack.signed import SlackSender

MANIFESTS = Path(__file__).parents[2] / "adapters" / "slack"


async def test_run_serves_slack_and_health_until_stopped(fake: FakeSlack, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **process_environment(fake.api_url, tmp_path),
        "PORT": str(port),
        "LOG_LEVEL": "INFO",
    }
    async with running(env, tmp_path, b"serving Slack"):
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient() as client:
            health = await client.get(f"{base}/healthz")
        sender = SlackSender(base, SECRET, response_url=fake.response_url())
        answer = await sender.command("/feedback", "served for real")
        (posted,) = await fake.wait_for("chat.postMessage")
    assert health.status_code == 200 and answer.status_code == 200
    assert "served for real" in posted.args["text"]


def test_a_port_in_use_is_named_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = {
            "PATH": os.environ.get("PATH", ""),
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": "http://127.0.0.1:9/api/",
            "HOST": "127.0.0.1",
            "PORT": str(taken.getsockname()[1]),
        }
        result = run_cli("run", env=env, cwd=tmp_path)
    last = result.stderr.strip().splitlines()[-1]
    assert result.status == 2
    assert last.startswith("feedbackbot: configuration error: PORT") and "in use" in last
    assert "Traceback" not in result.stderr


def test_half_a_slack_configuration_is_named(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "SLACK_BOT_TOKEN": "xoxb-test"}
    result = run_cli("run", env=env, cwd=tmp_path)
    assert result.status == 2
    assert result.stderr.startswith("feedbackbot: configuration error: SLACK_SIGNING_SECRET")


def test_the_manifests_ask_for_what_the_bot_handles_and_nothing_more() -> None:
    http = yaml.safe_load((MANIFESTS / "manifest.yml").read_text())
    socket_mode = yaml.safe_load((MANIFESTS / "manifest.socket-mode.yml").read_text())
    for manifest in (http, socket_mode):
        commands = {c["command"] for c in manifest["features"]["slash_commands"]}
        events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
        assert commands == {*ITEM_COMMANDS, ROADMAP}
        assert events == {"reaction_added", "reaction_removed"}
        assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
            "commands",
            "chat:write",
            "reactions:read",
            "channels:history",
            "groups:history",
            "users:read",
        }
        assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert socket_mode["settings"]["socket_mode_enabled"] is True
    assert http["settings"]["socket_mode_enabled"] is False


def test_the_manifests_let_people_read_the_bots_direct_messages() -> None:
    for name in ("manifest.yml", "manifest.socket-mode.yml"):
        app_home = yaml.safe_load((MANIFESTS / name).read_text())["features"]["app_home"]
        assert app_home["messages_tab_enabled"] is True
        assert app_home["messages_tab_read_only_enabled"] is True


async def test_run_checks_slas_at_start_and_posts_a_breach_to_the_triage_channel(
    fake: FakeSlack, tmp_path: Path
) -> None:
    # A must-have that has waited a week: the SLA check ``run`` makes when it starts posts it
    # (and the thank-you it was owed, never delivered, is posted too).
    database = tmp_path / "slas.db"
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    await migrate(engine)
    week_ago = FixedClock(datetime.now(UTC) - timedelta(days=7))
    service = FeedbackService(lambda: SqlUnitOfWork(engine), week_ago)
    await service.submit(
        Submission(
            ACME, "C1", Person("U1", "Alice"), ItemKind.REQUEST, "SSO", priority=Priority.MUST_HAVE
        )
    )
    await engine.dispose()
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{database}",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "SLACK_TRIAGE_CHANNEL": "C-TRIAGE",
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    process = await asyncio.create_subprocess_exec(FEEDBACKBOT, "run", env=env, cwd=tmp_path)
    try:
        posts = await fake.wait_for("chat.postMessage", count=2, timeout=20)
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 20)
    (posted,) = [post for post in posts if post.args["channel"] == "C-TRIAGE"]
    assert posted.args["text"].startswith("SLA missed: Must-have request #1")
    assert code == 0
