"""The poll job of ``feedbackbot run``: on the shared scheduler every ``TRACKER_POLL_MINUTES``
when a tracker is configured, not at all otherwise or with 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.app.composition import open_app
from adapters.app.scheduling import scheduling
from adapters.app.settings import load_settings
from adapters.scheduler.trackers import POLL_JOB_ID


@pytest.mark.parametrize(
    ("environ", "every_s"),
    [
        ({"GITHUB_TOKEN": "ghp_x", "TRACKER_POLL_MINUTES": "3"}, 180.0),
        ({"JIRA_URL": "https://acme.atlassian.net", "JIRA_BEARER_TOKEN": "p"}, 300.0),
        ({"GITHUB_TOKEN": "ghp_x", "TRACKER_POLL_MINUTES": "0"}, None),
        ({}, None),
    ],
    ids=["github-3-minutes", "jira-default", "turned-off", "no-tracker"],
)
async def test_the_poll_is_scheduled_when_a_tracker_is_configured(
    tmp_path: Path, environ: dict[str, str], every_s: float | None
) -> None:
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", **environ})
    async with (
        open_app(settings, trackers=True) as app,
        scheduling(app, []) as scheduler,
    ):
        assert scheduler.every_s(POLL_JOB_ID) == every_s
        assert set(app.core.trackers.trackers) == (
            {"github"} if "GITHUB_TOKEN" in environ else {"jira"} if environ else set()
        )
