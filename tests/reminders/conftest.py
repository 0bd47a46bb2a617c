"""The roadmap core on a real database (SQLite, and PostgreSQL when configured), a fixed clock
and fake chats implementing the ``Chat`` port."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import Platform, Workspace
from bot.reminders import Outlet
from bot.roadmap import RoadmapService
from bot.service import FeedbackService
from storage.unit_of_work import SqlStorage
from tests.fakes import FakeChat, FixedClock

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

    def at(self, moment: datetime) -> None:
        self.clock.set(moment)

    def advance(self, **delta: float) -> datetime:
        return self.clock.advance(timedelta(**delta))


def build_roadmap(engine: AsyncEngine, clock: FixedClock | None = None) -> Roadmap:
    clock = clock or FixedClock(MONDAY - timedelta(days=7))
    sleeps = Sleeps()
    chat = FakeChat()
    storage = SqlStorage(engine)
    return Roadmap(
        RoadmapService(storage.unit_of_work, clock, sleep=sleeps),
        FeedbackService(storage.unit_of_work, clock),
        clock,
        chat,
        Directory(chat, ACME, GLOBEX),
        sleeps,
        engine,
    )


@pytest.fixture
def roadmap(engine: AsyncEngine) -> Roadmap:
    return build_roadmap(engine)
