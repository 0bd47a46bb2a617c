"""The trackers' part of the pre-flight: one line per configured tracker, with whom its token
signs in as (``GET /user`` on GitHub, ``GET /rest/api/2/myself`` on Jira), whether its webhook
is verified, and the poll."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import httpx

from adapters.app import preflight_words as words
from adapters.app.preflight_words import Outcome
from adapters.trackers.github import GitHubTracker
from adapters.trackers.jira import JiraTracker
from adapters.trackers.routes import GITHUB_PATH, JIRA_PATH
from adapters.trackers.settings import TrackerSettings
from bot.errors import TrackerFailed

TIMEOUT_S = 5.0


async def check_trackers(settings: TrackerSettings, timeout_s: float = TIMEOUT_S) -> list[Outcome]:
    poll = words.tracker_poll(settings.poll_minutes)
    async with httpx.AsyncClient(timeout=timeout_s) as client:
        checks = []
        if settings.github is not None:
            github = settings.github
            tracker = GitHubTracker(client, github.token, github.api_url)
            label = "GitHub Enterprise Server" if github.enterprise else "GitHub"
            webhook = words.tracker_webhook(
                GITHUB_PATH, "GITHUB_WEBHOOK_SECRET", github.webhook_secret is not None
            )
            checks.append(_ask(label, github.api_url, tracker.whoami(), webhook, poll))
        if settings.jira is not None:
            jira = settings.jira
            jira_tracker = JiraTracker(
                client, jira.url, jira.user, jira.api_token, jira.bearer, jira.issue_type
            )
            webhook = words.tracker_webhook(
                JIRA_PATH, "JIRA_WEBHOOK_SECRET", jira.webhook_secret is not None
            )
            checks.append(_ask("Jira", jira.url, jira_tracker.whoami(), webhook, poll))
        return list(await asyncio.gather(*checks))


async def _ask(label: str, where: str, whoami: Awaitable[str], webhook: str, poll: str) -> Outcome:
    try:
        who = await whoami
    except TrackerFailed as error:
        return words.tracker_refused(label, where, str(error))
    return words.tracker_accepted(label, where, who, webhook, poll)
