"""The installed ``feedbackbot`` command, once for each of its commands, as an operator types
it: a real process each. What each command does is tested with ``main`` in this process
(tests/cli.py); ``run`` is served as a real process in tests/slack and tests/discord."""

from __future__ import annotations

import asyncio
import json
from importlib.metadata import version
from pathlib import Path

from tests.cli import run_cli
from tests.discord.conftest import discord_env
from tests.discord.fake_discord import FakeDiscord
from tests.processes import installed

COMMANDS = ("console", "run", "discord", "export", "stats", "seal-key", "reminders", "db")


async def test_help_names_every_command(clean_env: dict[str, str], tmp_path: Path) -> None:
    result = await installed("--help", env=clean_env, cwd=tmp_path)
    assert result.status == 0, result.stderr
    assert all(command in result.stdout for command in COMMANDS)


async def test_version_is_the_installed_one(clean_env: dict[str, str], tmp_path: Path) -> None:
    result = await installed("--version", env=clean_env, cwd=tmp_path)
    assert result.status == 0, result.stderr
    assert result.stdout == f"{version('feedbackbot')}\n"


async def test_console_thanks_for_piped_feedback(clean_env: dict[str, str], tmp_path: Path) -> None:
    result = await installed(
        "console", env=clean_env, cwd=tmp_path, typed="/feedback The new runbooks are great\n"
    )
    assert result.status == 0, result.stderr
    assert "#1" in result.stdout and "@alice" in result.stdout


async def test_export_writes_what_was_recorded(clean_env: dict[str, str], tmp_path: Path) -> None:
    await asyncio.to_thread(
        run_cli, "console", env=clean_env, cwd=tmp_path, typed="/feedback exported\n"
    )
    result = await installed("export", "--format", "json", env=clean_env, cwd=tmp_path)
    assert result.status == 0, result.stderr
    assert [item["text"] for item in json.loads(result.stdout)] == ["exported"]


async def test_stats_counts_the_items(clean_env: dict[str, str], tmp_path: Path) -> None:
    result = await installed("stats", "--format", "json", env=clean_env, cwd=tmp_path)
    assert result.status == 0, result.stderr
    assert json.loads(result.stdout)["items"] == 0


async def test_db_upgrade_migrates_the_database(clean_env: dict[str, str], tmp_path: Path) -> None:
    result = await installed("db", "upgrade", env=clean_env, cwd=tmp_path)
    assert result.status == 0, result.stderr
    assert result.stdout.startswith("database schema is now at ")


async def test_reminders_add_one(clean_env: dict[str, str], tmp_path: Path) -> None:
    result = await installed(
        *("reminders", "add", "--workspace", "slack:T1", "--channel", "C1", "every day at 9"),
        env=clean_env,
        cwd=tmp_path,
    )
    assert result.status == 0, result.stderr
    assert result.stdout.startswith("added slack:T1: #1 roadmap update, every day at 09:00")


async def test_seal_key_prints_one_key(clean_env: dict[str, str], tmp_path: Path) -> None:
    result = await installed("seal-key", env=clean_env, cwd=tmp_path)
    assert result.status == 0, result.stderr
    (key,) = result.stdout.splitlines()
    assert key


async def test_discord_sync_registers_the_commands(tmp_path: Path) -> None:
    async with FakeDiscord() as fake:
        result = await installed("discord", "sync", env=discord_env(fake, tmp_path), cwd=tmp_path)
    assert result.status == 0, result.stderr
    assert "synced /feedback, /request, /roadmap globally" in result.stdout
