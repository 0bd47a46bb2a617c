"""The trackers ``run``, ``link``, ``unlink`` and ``trackers poll`` use, built from the settings
on one shared httpx client (its connections reused across calls), closed when the block ends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from adapters.trackers.github import GitHubTracker
from adapters.trackers.jira import JiraTracker
from adapters.trackers.settings import TrackerSettings
from bot.trackers import Tracker

# A tracker that has not answered in 10 s is not going to: the person linking waits for it.
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def build_trackers(settings: TrackerSettings, client: httpx.AsyncClient) -> dict[str, Tracker]:
    """The configured trackers by name (``IssueRef.tracker``)."""
    trackers: dict[str, Tracker] = {}
    if settings.github is not None:
        github = settings.github
        trackers["github"] = GitHubTracker(client, github.token, github.api_url)
    if settings.jira is not None:
        jira = settings.jira
        trackers["jira"] = JiraTracker(
            client,
            jira.url,
            user=jira.user,
            api_token=jira.api_token,
            bearer=jira.bearer,
            issue_type=jira.issue_type,
        )
    return trackers


@asynccontextmanager
async def open_trackers(settings: TrackerSettings) -> AsyncIterator[dict[str, Tracker]]:
    """The configured trackers (none: no client is opened)."""
    if not settings.configured:
        yield {}
        return
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        yield build_trackers(settings, client)
