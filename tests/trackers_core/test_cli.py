"""``feedbackbot link|unlink|trackers poll`` run in this process, on SQLite. With no tracker
configured here (the trackers' settings come with their adapters), linking is refused with what
to set; links stored already are unlinked and shown."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from bot.identity import Platform, Workspace
from bot.issue_links import IssueRef
from storage.engine import create_engine
from storage.unit_of_work import SqlStorage
from tests.cli import run_cli

LOCAL = Workspace(Platform.CONSOLE, "local")
ISSUE = IssueRef("github", "acme/infra#12", "https://github.com/acme/infra/issues/12")


def _env(clean_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**clean_env, "DATABASE_URL": f"sqlite:///{tmp_path / 'fb.db'}"}


def _item_linked(env: dict[str, str], tmp_path: Path) -> None:
    """Item #1 of console:local, linked to ``ISSUE``."""
    said = run_cli("console", env=env, cwd=tmp_path, typed="/request SSO for Grafana\n")
    assert said.status == 0, said.stderr

    async def link() -> None:
        engine = create_engine(env["DATABASE_URL"].replace("sqlite://", "sqlite+aiosqlite://"))
        try:
            async with SqlStorage(engine).unit_of_work() as uow:
                assert await uow.links.add(LOCAL, 1, ISSUE, datetime.now(UTC))
                await uow.commit()
        finally:
            await engine.dispose()

    asyncio.run(link())


def test_link_without_a_tracker_says_what_to_set(clean_env: dict[str, str], tmp_path: Path) -> None:
    env = _env(clean_env, tmp_path)
    run_cli("console", env=env, cwd=tmp_path, typed="/request SSO\n")
    result = run_cli(
        "link", "--workspace", "console:local", "1", "github", "acme/infra", env=env, cwd=tmp_path
    )
    assert result.status == 1 and result.stdout == ""
    assert result.stderr.startswith("feedbackbot: No issue tracker is set up")
    assert "GITHUB_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_unlink_removes_a_stored_link_and_says_so(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    env = _env(clean_env, tmp_path)
    _item_linked(env, tmp_path)
    shown = run_cli("console", env=env, cwd=tmp_path, typed="/show 1\n")
    assert f"- GitHub acme/infra#12 ({ISSUE.url})" in shown.stdout
    result = run_cli(
        "unlink", "--workspace", "console:local", "1", ISSUE.url, env=env, cwd=tmp_path
    )
    assert result.status == 0, result.stderr
    assert result.stdout == (
        "#1 is no longer linked to GitHub acme/infra#12; its status stays as it is.\n"
    )
    again = run_cli("unlink", "--workspace", "console:local", "1", env=env, cwd=tmp_path)
    assert again.stdout == "#1 is not linked to any issue; nothing changed.\n"


def test_unlink_of_an_item_that_does_not_exist_is_refused(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    env = _env(clean_env, tmp_path)
    result = run_cli("unlink", "--workspace", "console:local", "7", env=env, cwd=tmp_path)
    assert result.status == 1
    assert result.stderr == "feedbackbot: there is no item #7 here\n"


def test_trackers_poll_without_a_tracker_says_what_to_set(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    result = run_cli("trackers", "poll", env=_env(clean_env, tmp_path), cwd=tmp_path)
    assert result.status == 1 and "No issue tracker is set up" in result.stderr


def test_link_needs_a_workspace_an_item_and_an_issue(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    env = _env(clean_env, tmp_path)
    for argv in (("link", "1", "OPS-1"), ("link", "--workspace", "console:local", "1")):
        result = run_cli(*argv, env=env, cwd=tmp_path)
        assert result.status == 2 and "usage: feedbackbot link" in result.stderr
