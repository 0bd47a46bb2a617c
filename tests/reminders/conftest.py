"""The roadmap core on a real database (SQLite, and PostgreSQL when configured), a fixed clock
and fake chats implementing the ``Chat`` port."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.conversation import Conversation, Speaker, Surface
from bot.identity import Person, Platform, Workspace
from bot.messages import Message
from bot.reminders import Outlet
from bot.roadmap import RoadmapService
from bot.service import FeedbackService
from tests.core import core_on
from tests.fakes import ADA, FakeChat, FixedClock

ACME = Workspace(Platform.SLACK, "T-ACME")
GLOBEX = Workspace(Platform.SLACK, "T-GLOBEX")
# Monday 3 March 2025, 08:00 UTC (09:00 in Berlin, winter time).
MONDAY = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


class Directory:
    """``ChatDirectory`` serving chosen workspaces with one fake chat."""

    def __init__(self, chat: FakeChat, *workspaces: Workspace, max_length: int = 4000) -> None:
        self.chat = chat
        self.workspaces = set(workspaces)
        self.max_length = max_length

    def outlet_for(self, workspace: Workspace) -> Outlet | None:
        return Outlet(self.chat, self.max_length) if workspace in self.workspaces else None


@dataclass
class Sleeps:
    """Records the pauses between retries instead of sleeping."""

    taken: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)


@dataclass
class Roadmap:
    service: RoadmapService
    feedback: FeedbackService
    clock: FixedClock
    chat: FakeChat
    chats: Directory
    sleeps: Sleeps
    engine: AsyncEngine
    conversation: Conversation

    async def say(self, text: str, channel: str = "C-ROADMAP") -> Message:
        """``/roadmap <text>`` from an admin of ACME in ``channel``; the private answer."""
        speaker = Speaker(ACME, channel, ADA)
        return await self.conversation.roadmap(speaker, text, self.chat, Everyone())

    def at(self, moment: datetime) -> None:
        self.clock.set(moment)

    def advance(self, **delta: float) -> datetime:
        return self.clock.advance(timedelta(**delta))


def build_roadmap(engine: AsyncEngine, clock: FixedClock | None = None, **options: Any) -> Roadmap:
    """``options`` are ``bot.core.assemble``'s (``grace``, say)."""
    clock = clock or FixedClock(MONDAY - timedelta(days=7))
    sleeps = Sleeps()
    chat = FakeChat()
    core = core_on(engine, clock, sleep=sleeps, **options)
    return Roadmap(
        core.roadmap,
        core.feedback,
        clock,
        chat,
        Directory(chat, ACME, GLOBEX),
        sleeps,
        engine,
        core.conversation(Surface(max_length=4000, vote_with="{number}")),
    )


class Everyone:
    async def may_triage(self, workspace: Workspace, person: Person) -> bool:
        return True


@pytest.fixture
def roadmap(engine: AsyncEngine) -> Roadmap:
    return build_roadmap(engine)
