"""``feedbackbot check`` with trackers configured: a line each, saying whom the token signs in
as (or why the tracker refused it), whether webhooks are verified, and the poll."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.app.preflight import run_check
from tests.trackers.fake_github import FakeGitHub
from tests.trackers.fake_jira import FakeJira


@pytest.fixture
async def github() -> AsyncIterator[FakeGitHub]:
    async with FakeGitHub(token="ghp_ok") as fake:
        yield fake


@pytest.fixture
async def jira() -> AsyncIterator[FakeJira]:
    async with FakeJira(bearer="pat-ok") as fake:
        yield fake


async def check(env: dict[str, str], tmp_path: Path) -> tuple[int, list[str]]:
    out = io.StringIO()
    environ = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "HOST": "127.0.0.1", **env}
    status = await run_check(environ, out)
    return status, out.getvalue().splitlines()


def line(lines: list[str], subject: str) -> str:
    (found,) = [each for each in lines if each[2:].startswith(f"{subject}:")]
    return found


async def test_each_tracker_is_told_in_a_line(
    github: FakeGitHub, jira: FakeJira, tmp_path: Path
) -> None:
    status, lines = await check(
        {
            "GITHUB_TOKEN": "ghp_ok",
            "GITHUB_API_URL": github.api_url,
            "GITHUB_WEBHOOK_SECRET": "s",
            "JIRA_URL": jira.base_url,
            "JIRA_BEARER_TOKEN": "pat-ok",
            "TRACKER_POLL_MINUTES": "0",
        },
        tmp_path,
    )
    assert line(lines, "GitHub Enterprise Server") == (
        f"✓ GitHub Enterprise Server: {github.api_url}; signed in as feedbackbot-ci; webhooks "
        "at <PUBLIC_URL>/webhooks/github verified with GITHUB_WEBHOOK_SECRET; no poll "
        "(TRACKER_POLL_MINUTES=0)"
    )
    assert line(lines, "Jira") == (
        f"✓ Jira: {jira.base_url}; signed in as Feedback Bot; no webhooks "
        "(JIRA_WEBHOOK_SECRET is not set), so the poll alone moves items; no poll "
        "(TRACKER_POLL_MINUTES=0)"
    )
    assert github.calls[0].path == "/user" and jira.calls[0].path == "/rest/api/2/myself"
    assert status == 0, lines


async def test_a_refused_token_fails_the_check_with_what_to_do(
    github: FakeGitHub, tmp_path: Path
) -> None:
    status, lines = await check(
        {"GITHUB_TOKEN": "ghp_revoked", "GITHUB_API_URL": github.api_url}, tmp_path
    )
    assert status == 1
    assert line(lines, "GitHub Enterprise Server") == (
        f"✗ GitHub Enterprise Server: {github.api_url}; GitHub refused GITHUB_TOKEN (401 Bad "
        "credentials); make a new token with Issues read and write"
    )


async def test_no_tracker_adds_no_line(tmp_path: Path) -> None:
    _, lines = await check({}, tmp_path)
    assert not [each for each in lines if "GitHub" in each[:12] or "Jira" in each[:8]]
