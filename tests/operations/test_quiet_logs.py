"""Quiet by default: what ``feedbackbot`` logs at its default level is what an operator needs to
read. No Alembic lines on a start that changes nothing, none of APScheduler's per-minute lines,
neither Bolt's warning that the token "will be unused" nor discord.py's about voice; all of them
still there at ``LOG_LEVEL=DEBUG``."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from contextlib import redirect_stderr
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.app.settings import configure_logging, load_settings
from adapters.scheduler.directory import PlatformDirectory
from adapters.scheduler.scheduler import ReminderScheduler
from storage.schema import head_revision
from tests.cli import own_logging, run_cli
from tests.core import core_on
from tests.discord.fake_discord import FakeDiscord
from tests.operations.session import both_platforms, logged
from tests.slack.fake_slack import FakeSlack
from tests.slack.signed import SlackSender

MISLEADING = ("will be unused", "will be ignored", "voice will NOT be supported")


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


async def a_command(sender: SlackSender) -> None:
    await sender.command("/feedback", "the docs are great")


@pytest.fixture
async def two_starts(
    fake: FakeDiscord, slack: FakeSlack, tmp_path: Path
) -> tuple[list[str], list[str]]:
    """What ``run`` logs at its default level on a new database, then on the same one."""
    env = both_platforms(fake, slack, tmp_path)
    first = await logged(env, tmp_path, slack, a_command)
    second = await logged(env, tmp_path, slack, a_command)
    return first, second


def test_the_first_start_says_in_one_line_that_the_schema_was_upgraded(
    two_starts: tuple[list[str], list[str]],
) -> None:
    first, _ = two_starts
    schema = [line for line in first if "schema" in line or "alembic" in line]
    assert len(schema) == 1
    assert schema[0].endswith(f"database schema upgraded from empty to {head_revision()}")


def test_a_second_start_logs_no_alembic_or_schema_line(
    two_starts: tuple[list[str], list[str]],
) -> None:
    _, second = two_starts
    assert [line for line in second if "alembic" in line or "schema" in line] == []


def test_a_start_logs_neither_bolts_token_warning_nor_discord_pys_voice_warning(
    two_starts: tuple[list[str], list[str]],
) -> None:
    first, second = two_starts
    assert [line for line in first + second if any(words in line for words in MISLEADING)] == []


async def test_at_debug_the_libraries_lines_are_kept(
    fake: FakeDiscord, slack: FakeSlack, tmp_path: Path
) -> None:
    env = both_platforms(fake, slack, tmp_path, LOG_LEVEL="DEBUG")
    lines = await logged(env, tmp_path, slack, a_command)
    assert any("alembic.runtime.migration" in line for line in lines)
    assert any("voice will NOT be supported" in line for line in lines)


def test_db_upgrade_twice_prints_no_alembic_line_even_at_info(tmp_path: Path) -> None:
    env = {"LOG_LEVEL": "INFO"}
    run_cli("db", "upgrade", env=env, cwd=tmp_path)
    again = run_cli("db", "upgrade", env=env, cwd=tmp_path)
    assert again.status == 0
    assert "alembic" not in again.stderr


async def test_the_scheduler_logs_no_line_for_a_job_it_runs_again_and_again(
    engine: AsyncEngine,
) -> None:
    ran = 0
    ran_thrice = asyncio.Event()

    async def job() -> None:
        nonlocal ran
        ran += 1
        if ran >= 3:
            ran_thrice.set()

    written = io.StringIO()
    with own_logging(), redirect_stderr(written):
        configure_logging(load_settings({}), default="INFO")  # as ``run`` configures it
        scheduler = ReminderScheduler(core_on(engine).roadmap, PlatformDirectory())
        await scheduler.start()
        try:
            scheduler.every(0.01, job, "often", at_once=True)
            await asyncio.wait_for(ran_thrice.wait(), 10)
        finally:
            await scheduler.stop()
    assert written.getvalue() == ""
