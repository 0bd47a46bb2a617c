"""``feedbackbot link`` and ``feedbackbot trackers poll`` reaching the fake GitHub and the fake
Jira, as an operator runs them: the commands open the trackers (the others never do)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.cli import Result, run_cli
from tests.trackers.fake_github import FakeGitHub
from tests.trackers.fake_jira import FakeJira

TOKEN = "ghp_cli"


@pytest.fixture
async def github() -> AsyncIterator[FakeGitHub]:
    async with FakeGitHub(token=TOKEN) as fake:
        fake.add_issue("acme/widgets", 12, "SSO for Grafana")
        yield fake


@pytest.fixture
async def jira() -> AsyncIterator[FakeJira]:
    async with FakeJira(bearer="pat-cli") as fake:
        yield fake


def _env(
    clean_env: dict[str, str], tmp_path: Path, github: FakeGitHub, jira: FakeJira
) -> dict[str, str]:
    return {
        **clean_env,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fb.db'}",
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_API_URL": github.api_url,
        "JIRA_URL": jira.base_url,
        "JIRA_BEARER_TOKEN": "pat-cli",
    }


async def cli(*argv: str, env: dict[str, str], cwd: Path, typed: str = "") -> Result:
    # In a thread: the command runs its own event loop, and the fakes serve on this one.
    return await asyncio.to_thread(run_cli, *argv, env=env, cwd=cwd, typed=typed)


async def test_link_reads_the_issue_and_the_poll_ships_the_item(
    clean_env: dict[str, str], tmp_path: Path, github: FakeGitHub, jira: FakeJira
) -> None:
    env = _env(clean_env, tmp_path, github, jira)
    await cli("console", env=env, cwd=tmp_path, typed="/request SSO for Grafana\n")
    linked = await cli(
        "link", "--workspace", "console:local", "1", "acme/widgets#12", env=env, cwd=tmp_path
    )
    assert linked.status == 0, linked.stderr
    assert "acme/widgets#12" in linked.stdout
    assert github.calls_to("GET", "/repos/acme/widgets/issues/12")
    github.close("acme/widgets", 12, "completed")
    polled = await cli("trackers", "poll", env=env, cwd=tmp_path)
    assert polled.status == 0, polled.stderr
    assert "shipped" in polled.stdout
    shown = await cli("console", env=env, cwd=tmp_path, typed="/show 1\n")
    assert "shipped" in shown.stdout


async def test_link_creates_a_jira_issue_from_the_item(
    clean_env: dict[str, str], tmp_path: Path, github: FakeGitHub, jira: FakeJira
) -> None:
    env = _env(clean_env, tmp_path, github, jira)
    await cli("console", env=env, cwd=tmp_path, typed="/request SSO for Grafana\n")
    made = await cli(
        "link", "--workspace", "console:local", "1", "jira", "PROJ", env=env, cwd=tmp_path
    )
    assert made.status == 0, made.stderr
    assert "PROJ-1" in made.stdout
    assert jira.issues["PROJ-1"].summary == "#1 SSO for Grafana"


async def test_a_refused_token_is_one_line_and_nothing_is_linked(
    clean_env: dict[str, str], tmp_path: Path, github: FakeGitHub, jira: FakeJira
) -> None:
    env = {**_env(clean_env, tmp_path, github, jira), "GITHUB_TOKEN": "ghp_revoked"}
    await cli("console", env=env, cwd=tmp_path, typed="/request SSO for Grafana\n")
    refused = await cli(
        "link", "--workspace", "console:local", "1", "acme/widgets#12", env=env, cwd=tmp_path
    )
    assert refused.status == 1
    assert "GitHub refused GITHUB_TOKEN (401 Bad credentials)" in refused.stderr
    assert "Traceback" not in refused.stderr
