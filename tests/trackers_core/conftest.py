"""The tracker core on a real database, with small in-test trackers implementing our own
``Tracker`` port (the real GitHub and Jira adapters are tested against fake servers elsewhere)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.errors import TrackerFailed
from bot.identity import Person, Platform
from bot.issue_links import IssueRef
from bot.items import Item, ItemKind, Priority
from bot.service import Recorded
from bot.state_map import StateMap
from bot.trackers import IssueDraft, IssueState
from tests.core import core_on
from tests.fakes import ACME, ADA, FakeChat, FixedClock, submission

ADMIN = Person("U-ADMIN", "Morgan")
MEMBER = Person("U-MEMBER", "Max")
DASHBOARD = "https://feedback.example.com"


class Admins:
    """Morgan may triage; nobody else."""

    async def may_triage(self, workspace: object, person: Person) -> bool:
        return person == ADMIN


@dataclass
class PretendTracker:
    """A tracker held in memory: issues by key, issues created with their drafts, and a switch
    that makes every call fail as an unreachable tracker does."""

    name: str
    label: str
    issues: dict[str, IssueState] = field(default_factory=dict)
    created: list[tuple[str, IssueDraft]] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)
    failing: str | None = None

    def parse(self, text: str) -> IssueRef | None:
        text = text.strip()
        if self.name == "github":
            found = re.fullmatch(
                r"(?:https://github\.com/)?([\w.-]+/[\w.-]+)(?:#|/issues/)(\d+)", text
            )
            return None if found is None else self.ref(f"{found[1]}#{found[2]}")
        found = re.fullmatch(r"(?:https://acme\.atlassian\.net/browse/)?([A-Z][A-Z0-9]+-\d+)", text)
        return None if found is None else self.ref(found[1])

    def project(self, text: str) -> str | None:
        pattern = r"[\w.-]+/[\w.-]+" if self.name == "github" else r"[A-Z][A-Z0-9]+"
        return text.strip() if re.fullmatch(pattern, text.strip()) else None

    def ref(self, key: str) -> IssueRef:
        if self.name == "github":
            repo, _, number = key.partition("#")
            return IssueRef("github", key, f"https://github.com/{repo}/issues/{number}")
        return IssueRef("jira", key, f"https://acme.atlassian.net/browse/{key}")

    async def create(self, project: str, draft: IssueDraft) -> IssueRef:
        self._fail_if_asked()
        self.created.append((project, draft))
        number = len(self.issues) + 100
        key = f"{project}#{number}" if self.name == "github" else f"{project}-{number}"
        ref = self.ref(key)
        self.set(
            ref,
            open=True,
            state="open" if self.name == "github" else "To Do",
            category=None if self.name == "github" else "new",
        )
        return ref

    async def state(self, ref: IssueRef) -> IssueState:
        self._fail_if_asked()
        self.reads.append(ref.key)
        if ref.key not in self.issues:
            raise TrackerFailed(f"{self.label} has no issue {ref.key}")
        return self.issues[ref.key]

    def set(
        self,
        ref: IssueRef,
        *,
        open: bool,
        state: str,
        reason: str | None = None,
        category: str | None = None,
    ) -> IssueState:
        issue = IssueState(ref, open, state, reason, category, title="an issue")
        self.issues[ref.key] = issue
        return issue

    def _fail_if_asked(self) -> None:
        if self.failing is not None:
            raise TrackerFailed(self.failing)


class Outlet:
    """The platform's outlet, as ``feedbackbot run`` serves it: how news reaches people."""

    def __init__(self, chat: FakeChat) -> None:
        self._chat = chat

    def chat(self, response_url: str | None = None) -> FakeChat:
        return self._chat


@dataclass
class World:
    core: Core
    chat: FakeChat
    clock: FixedClock
    github: PretendTracker
    jira: PretendTracker
    engine: AsyncEngine

    async def item(self, text: str = "SSO for Grafana", **kwargs: object) -> Item:
        """A request recorded and thanked in the channel, as from chat."""
        kind = kwargs.pop("kind", ItemKind.REQUEST)
        outcome = await self.core.feedback.submit(submission(text, kind=kind, **kwargs))  # type: ignore[arg-type]
        assert isinstance(outcome, Item)
        thanked = await self.core.feedback.thank(outcome, outcome.author or ADA, self.chat)
        assert isinstance(thanked, Recorded)
        return outcome

    async def stored(self, number: int) -> Item:
        found = await self.core.feedback.find(ACME, number)
        assert found is not None
        return found


def world_on(engine: AsyncEngine, state_map: StateMap | None = None) -> World:
    clock = FixedClock()
    github = PretendTracker("github", "GitHub")
    jira = PretendTracker("jira", "Jira")
    core = core_on(
        engine,
        clock,
        trackers={"github": github, "jira": jira},
        state_map=state_map,
        dashboard_url=DASHBOARD,
    )
    chat = FakeChat()
    core.delivery.serve(Platform.SLACK, Outlet(chat))
    return World(core, chat, clock, github, jira, engine)


@pytest.fixture
async def world(engine: AsyncEngine) -> AsyncIterator[World]:
    yield world_on(engine)


__all__ = ["ACME", "ADA", "ADMIN", "DASHBOARD", "MEMBER", "Admins", "Priority", "World"]
