"""The real core on a real database (SQLite, and PostgreSQL when its URL is given), with the
adapters on the fake GitHub and the fake Jira, and the webhook routes served on 127.0.0.1 for
the fakes to deliver to."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.trackers.clients import build_trackers
from adapters.trackers.routes import GITHUB_PATH, JIRA_PATH, add_tracker_webhooks
from adapters.trackers.settings import GitHubSettings, JiraSettings, TrackerSettings
from bot.core import Core
from bot.errors import TrackerFailed
from bot.identity import Person, Workspace
from bot.items import Item
from bot.service import Recorded
from bot.state_map import StateMap
from bot.trackers import Tracker
from bot.tracking import TRACKER_ROLES
from tests.core import core_on
from tests.dashboard.conftest import owed
from tests.fakes import ACME, START, FakeChat, FixedClock, request
from tests.trackers.fake_github import FakeGitHub
from tests.trackers.fake_jira import FakeJira

GITHUB_TOKEN = "ghp_e2e"
GITHUB_SECRET = "gh-webhook-secret"
JIRA_USER, JIRA_TOKEN = "bot@acme.test", "atl-e2e"
JIRA_SECRET = "jira-webhook-secret"
STATUS_MAP = "jira:PROJ:In Pilot=in_pilot"
MORGAN = Person("U-MORGAN", "Morgan")  # the admin who links


@dataclass
class Bot:
    core: Core
    engine: AsyncEngine
    chat: FakeChat
    clock: FixedClock
    github: FakeGitHub
    jira: FakeJira
    base_url: str

    @property
    def github_hook(self) -> str:
        return f"{self.base_url}{GITHUB_PATH}"

    @property
    def jira_hook(self) -> str:
        return f"{self.base_url}{JIRA_PATH}"

    async def request(self, text: str, **given: object) -> Item:
        """A request recorded and thanked in its channel, as ``/request`` does."""
        recorded = await self.core.feedback.submit_and_thank(request(text, **given), self.chat)
        assert isinstance(recorded, Recorded)
        return recorded.item

    async def link(self, number: int, text: str, workspace: Workspace = ACME) -> None:
        await self.core.trackers.link(workspace, MORGAN, TRACKER_ROLES, number, text)

    async def item(self, number: int, workspace: Workspace = ACME) -> Item:
        item = await self.core.feedback.find(workspace, number)
        assert item is not None
        return item

    async def owed(self, workspace: Workspace = ACME) -> list[dict[str, object]]:
        """The workspace's messages still owed (not yet delivered), oldest first."""
        return await owed(self.engine, workspace)


def tracker_settings(github: FakeGitHub, jira: FakeJira) -> TrackerSettings:
    return TrackerSettings(
        github=GitHubSettings(GITHUB_TOKEN, github.api_url, GITHUB_SECRET),
        jira=JiraSettings(jira.base_url, JIRA_USER, JIRA_TOKEN, webhook_secret=JIRA_SECRET),
        state_map=StateMap.parse(STATUS_MAP),
    )


@pytest.fixture
async def github() -> AsyncIterator[FakeGitHub]:
    async with FakeGitHub(token=GITHUB_TOKEN) as fake:
        fake.add_issue("acme/widgets", 12, "SSO for the admin console")
        yield fake


@pytest.fixture
async def jira() -> AsyncIterator[FakeJira]:
    async with FakeJira(user=JIRA_USER, api_token=JIRA_TOKEN) as fake:
        fake.add_issue("PROJ-12", "SSO for the admin console", status="In Progress")
        fake.add_issue("OPS-3", "Faster builds", status="In Progress")
        yield fake


@pytest.fixture
async def bot(engine: AsyncEngine, github: FakeGitHub, jira: FakeJira) -> AsyncIterator[Bot]:
    """The webhooks served as ``run`` serves them, on the core as ``open_app`` builds it."""
    settings = tracker_settings(github, jira)
    clock = FixedClock(START)
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
        core = core_on(
            engine,
            clock,
            trackers=build_trackers(settings, client),
            state_map=settings.state_map,
        )
        app = web.Application()
        add_tracker_webhooks(app, core, settings)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        try:
            yield Bot(
                core,
                engine,
                FakeChat(),
                clock,
                github,
                jira,
                f"http://127.0.0.1:{runner.addresses[0][1]}",
            )
        finally:
            await runner.cleanup()


async def state_refused(tracker: Tracker, text: str) -> str:
    """What the tracker says, in its one line, when reading the issue ``text`` names fails."""
    ref = tracker.parse(text)
    assert ref is not None
    with pytest.raises(TrackerFailed) as failed:
        await tracker.state(ref)
    said = str(failed.value)
    assert "\n" not in said
    return said
