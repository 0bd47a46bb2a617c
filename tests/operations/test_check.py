"""``feedbackbot check`` as an operator runs it before ``run``: ``main`` in this process (on a
thread, so the fake Slack and Discord in the test's loop can answer), against the fakes and a
real SQLite database; and ``feedbackbot run`` stopping on a refused token, as a real process."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import discord
import httpx
import pytest
import yaml

from adapters.slack.scopes import BOT_SCOPES
from storage.engine import create_engine
from storage.schema import migrate
from tests.cli import Result, run_cli
from tests.discord.fake_discord import FakeDiscord
from tests.processes import free_port, installed, running
from tests.slack.conftest import process_environment
from tests.slack.fake_slack import FakeSlack

MANIFESTS = Path(__file__).parents[2] / "adapters" / "slack"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.scopes = list(BOT_SCOPES)
        yield fake


@pytest.fixture(autouse=True)
def restore_discord_endpoints() -> Iterator[None]:
    """discord.py keeps its endpoints in class attributes; leave them as they were."""
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    yield
    discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        yield fake


def slack_env(fake: FakeSlack, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **process_environment(fake.api_url, tmp_path),
        **extra,
    }


def discord_env(fake: FakeDiscord, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_URL": fake.api_url,
        "HOST": "127.0.0.1",
        **extra,
    }


async def check(env: dict[str, str], cwd: Path) -> Result:
    return await asyncio.to_thread(run_cli, "check", env=env, cwd=cwd)


def line(result: Result, subject: str) -> str:
    """The one line of the check of ``subject``."""
    (found,) = [each for each in result.stdout.splitlines() if each[2:].startswith(f"{subject}:")]
    return found


async def migrated_database(tmp_path: Path, revision: str = "head") -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'feedbackbot.db'}"
    engine = create_engine(url)
    try:
        await migrate(engine, revision)
    finally:
        await engine.dispose()
    return url


async def test_a_good_slack_token_passes_every_check(slack: FakeSlack, tmp_path: Path) -> None:
    await migrated_database(tmp_path)
    result = await check(slack_env(slack, tmp_path), tmp_path)
    assert result.status == 0, result.stdout + result.stderr
    assert line(result, "Slack token") == (
        "✓ Slack token: valid; team Acme (T1), bot user @feedbackbot (UBOT)"
    )
    assert line(result, "Slack scopes").startswith("✓ Slack scopes: the 6")
    assert line(result, "Slack mode").startswith("✓ Slack mode: HTTP")
    assert line(result, "schema").startswith("✓ schema: current")
    assert line(result, "Discord") == (
        "- Discord: not configured (set DISCORD_TOKEN to serve Discord)"
    )
    assert result.stdout.splitlines()[-1].startswith("all checks passed")


async def test_a_refused_slack_token_fails_with_what_to_do(
    slack: FakeSlack, tmp_path: Path
) -> None:
    slack.fail("auth.test", "invalid_auth")
    result = await check(slack_env(slack, tmp_path), tmp_path)
    assert result.status == 1
    assert line(result, "Slack token").startswith(
        "✗ Slack token: SLACK_BOT_TOKEN: Slack refused the token (invalid_auth); copy the Bot "
        "User OAuth Token"
    )


async def test_a_missing_scope_is_named(slack: FakeSlack, tmp_path: Path) -> None:
    slack.scopes = [scope for scope in BOT_SCOPES if scope != "reactions:read"]
    result = await check(slack_env(slack, tmp_path), tmp_path)
    assert result.status == 1
    assert line(result, "Slack scopes").startswith("✗ Slack scopes: missing reactions:read;")


async def test_socket_mode_checks_the_app_token(slack: FakeSlack, tmp_path: Path) -> None:
    env = slack_env(slack, tmp_path, SLACK_APP_TOKEN="xapp-test", SLACK_SIGNING_SECRET="")
    slack.fail("apps.connections.open", "invalid_auth")
    result = await check(env, tmp_path)
    assert result.status == 1
    assert line(result, "Slack mode").startswith(
        "✗ Slack mode: Socket Mode; Slack refused SLACK_APP_TOKEN (invalid_auth)"
    )


async def test_slack_unreachable_fails_the_check(tmp_path: Path) -> None:
    async with FakeSlack() as gone:
        env = slack_env(gone, tmp_path)
    result = await check(env, tmp_path)
    assert result.status == 1
    assert line(result, "Slack token").startswith("✗ Slack token: Slack did not answer auth.test")


async def test_a_good_discord_token_and_intent_pass(
    discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    result = await check(discord_env(discord_fake, tmp_path), tmp_path)
    assert result.status == 0, result.stdout + result.stderr
    assert line(result, "Discord token") == (
        "✓ Discord token: valid; bot user feedbackbot (900000000000000001)"
    )
    assert line(result, "Discord intents") == (
        "✓ Discord intents: Message Content Intent enabled, as the settings need"
    )
    assert line(result, "Slack").startswith("- Slack: not configured")


async def test_a_refused_discord_token_fails_with_what_to_do(
    discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    env = discord_env(discord_fake, tmp_path, DISCORD_TOKEN="an-old-token")
    result = await check(env, tmp_path)
    assert result.status == 1
    assert line(result, "Discord token").startswith(
        "✗ Discord token: DISCORD_TOKEN: Discord refused the token (401 Unauthorized); reset it"
    )


async def test_a_privileged_intent_the_settings_need_must_be_enabled(
    discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    discord_fake.application_flags = 0
    result = await check(discord_env(discord_fake, tmp_path), tmp_path)
    assert result.status == 1
    assert line(result, "Discord intents").startswith(
        "✗ Discord intents: Message Content Intent (for DISCORD_MESSAGE_CONTENT=true) not enabled"
    )


async def test_an_intent_the_settings_do_not_need_is_not_asked_for(
    discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    discord_fake.application_flags = 0
    env = discord_env(discord_fake, tmp_path, DISCORD_MESSAGE_CONTENT="false")
    result = await check(env, tmp_path)
    assert result.status == 0, result.stdout
    assert line(result, "Discord intents") == (
        "✓ Discord intents: the settings need no privileged intent"
    )


async def test_a_database_behind_names_the_migration_upgrade_would_run(
    slack: FakeSlack, tmp_path: Path
) -> None:
    await migrated_database(tmp_path, "0006")
    result = await check(slack_env(slack, tmp_path, AUTO_MIGRATE="false"), tmp_path)
    assert result.status == 1
    # Every migration after 0006 is named, whichever is the newest.
    assert line(result, "schema").startswith("✗ schema: behind by ")
    assert "0007" in line(result, "schema")
    assert "run `feedbackbot db upgrade`" in line(result, "schema")


async def test_a_database_behind_passes_when_run_migrates_it_itself(
    slack: FakeSlack, tmp_path: Path
) -> None:
    await migrated_database(tmp_path, "0006")
    result = await check(slack_env(slack, tmp_path), tmp_path)
    assert result.status == 0
    assert line(result, "schema").startswith("✓ schema: behind by ")
    assert "0007" in line(result, "schema")
    assert "`feedbackbot run` applies them at start" in line(result, "schema")


async def test_an_unreachable_database_fails(slack: FakeSlack, tmp_path: Path) -> None:
    env = slack_env(slack, tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/a-folder")
    (tmp_path / "a-folder").mkdir()
    result = await check(env, tmp_path)
    assert result.status == 1
    assert line(result, "database").startswith("✗ database: cannot use it (")


async def test_check_writes_nothing_where_no_database_is_yet(
    slack: FakeSlack, tmp_path: Path
) -> None:
    result = await check(slack_env(slack, tmp_path), tmp_path)
    assert result.status == 0
    assert "does not exist yet" in line(result, "database")
    assert not (tmp_path / "feedbackbot.db").exists()


async def test_a_public_url_nobody_answers_fails(slack: FakeSlack, tmp_path: Path) -> None:
    await migrated_database(tmp_path)
    nobody = free_port()
    env = slack_env(slack, tmp_path, PUBLIC_URL=f"http://127.0.0.1:{nobody}", PORT=str(free_port()))
    result = await check(env, tmp_path)
    assert result.status == 1
    assert line(result, "public URL").startswith(
        f"✗ public URL: GET http://127.0.0.1:{nobody}/healthz got ConnectError"
    )


async def test_a_public_url_that_reaches_the_port_passes_before_the_bot_runs(
    slack: FakeSlack, tmp_path: Path
) -> None:
    await migrated_database(tmp_path)
    port = free_port()
    env = slack_env(slack, tmp_path, PUBLIC_URL=f"http://127.0.0.1:{port}/", PORT=str(port))
    result = await check(env, tmp_path)
    assert result.status == 0, result.stdout
    assert line(result, "public URL") == (
        f"✓ public URL: GET http://127.0.0.1:{port}/healthz reaches port {port} "
        "(`check` answered there)"
    )


def test_a_wrong_setting_fails_with_the_words_run_would_use(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "SLACK_BOT_TOKEN": "xoxb-test"}
    checked = run_cli("check", env=env, cwd=tmp_path)
    ran = run_cli("run", env=env, cwd=tmp_path)
    assert checked.status == 1
    said = ran.stderr.strip().removeprefix("feedbackbot: ")
    assert checked.stdout.splitlines()[0] == f"✗ settings: {said}"


def test_a_public_url_that_is_not_a_url_is_a_wrong_setting(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DISCORD_TOKEN": "fake-token",
        "PUBLIC_URL": "bot.example.com",
    }
    result = run_cli("check", env=env, cwd=tmp_path)
    assert result.status == 1
    assert line(result, "settings") == (
        "✗ settings: configuration error: PUBLIC_URL: expected an http(s) URL such as "
        "https://bot.example.com, got 'bot.example.com'"
    )


def test_no_chat_platform_passes_the_check_with_the_dashboard_alone(tmp_path: Path) -> None:
    result = run_cli("check", env={"PATH": os.environ.get("PATH", "")}, cwd=tmp_path)
    assert line(result, "settings").startswith(
        "✓ settings: valid; no chat platform is configured, so `feedbackbot run` serves the "
        "dashboard alone"
    )


def test_the_scopes_checked_are_those_the_manifests_ask_for() -> None:
    for name in ("manifest.yml", "manifest.socket-mode.yml"):
        manifest = yaml.safe_load((MANIFESTS / name).read_text())
        assert manifest["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)


async def test_run_stops_in_one_line_when_slack_refuses_the_token(
    slack: FakeSlack, tmp_path: Path
) -> None:
    slack.fail("auth.test", "token_revoked")
    env = slack_env(slack, tmp_path, PORT=str(free_port()))
    result = await installed("run", env=env, cwd=tmp_path)
    assert result.status == 2  # a configuration error, as a refused Discord token always was
    assert result.stderr.strip().splitlines() == [
        "feedbackbot: configuration error: SLACK_BOT_TOKEN: Slack refused the token "
        "(token_revoked); copy the Bot User OAuth Token (xoxb-...) from OAuth & Permissions of "
        "your Slack app (reinstall the app if it was revoked)"
    ]
    assert not (tmp_path / "feedbackbot.db").exists()  # stopped before opening the database


async def test_run_stops_in_one_line_when_discord_refuses_the_token(
    discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    env = discord_env(discord_fake, tmp_path, DISCORD_TOKEN="an-old-token", PORT=str(free_port()))
    result = await installed("run", env=env, cwd=tmp_path)
    assert result.status == 2
    assert result.stderr.strip().splitlines() == [
        "feedbackbot: configuration error: DISCORD_TOKEN: Discord refused the token "
        "(401 Unauthorized); reset it under Bot in the Developer Portal and set the new one"
    ]


async def test_run_starts_while_slack_rate_limits_its_token_check(
    slack: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    env = slack_env(slack, tmp_path, PORT=str(port), LOG_LEVEL="INFO")
    with slack.rate_limited("auth.test", retry_after=30):
        async with running(env, tmp_path, b"serving Slack"), httpx.AsyncClient() as client:
            health = await client.get(f"http://127.0.0.1:{port}/healthz")
    assert health.status_code == 200


async def test_socket_mode_with_an_accepted_app_token_passes(
    slack: FakeSlack, tmp_path: Path
) -> None:
    env = slack_env(slack, tmp_path, SLACK_APP_TOKEN="xapp-test", SLACK_SIGNING_SECRET="")
    result = await check(env, tmp_path)
    assert result.status == 0, result.stdout
    assert line(result, "Slack mode") == (
        "✓ Slack mode: Socket Mode; SLACK_APP_TOKEN accepted, no public URL needed"
    )
