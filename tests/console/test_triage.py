"""Triage in the console: everyone may, and the notices show on the one screen."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.console.session import ConsoleSession, Seat, person_named
from bot.identity import Platform, Workspace
from bot.items import Stakeholder, Status
from bot.roadmap import RoadmapService
from bot.service import FeedbackService
from bot.triage import TriageService
from storage.unit_of_work import SqlUnitOfWork
from tests.fakes import START, FixedClock

LOCAL = Workspace(Platform.CONSOLE, "local")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def service(engine: AsyncEngine, clock: FixedClock) -> FeedbackService:
    return FeedbackService(lambda: SqlUnitOfWork(engine), clock)


@pytest.fixture
def triage(engine: AsyncEngine, service: FeedbackService, clock: FixedClock) -> TriageService:
    return TriageService(service, lambda: SqlUnitOfWork(engine), clock)


@pytest.fixture
def roadmap(engine: AsyncEngine, triage: TriageService, clock: FixedClock) -> RoadmapService:
    return RoadmapService(lambda: SqlUnitOfWork(engine), clock, breaches=triage.open_breaches)


async def chat(
    service: FeedbackService, triage: TriageService, roadmap: RoadmapService, typed: str
) -> list[str]:
    seat = Seat(LOCAL, "general", person_named("alice"), Stakeholder.INTERNAL)
    out = io.StringIO()
    session = ConsoleSession(
        service, seat, io.StringIO(typed), out, interactive=False, roadmap=roadmap, triage=triage
    )
    await session.run()
    return out.getvalue().splitlines()


async def test_anyone_triages_and_the_requester_is_told_in_thread_and_directly(
    service: FeedbackService, triage: TriageService, roadmap: RoadmapService
) -> None:
    lines = await chat(
        service,
        triage,
        roadmap,
        "/request must-have: SSO\n/as bob\n/roadmap status #1 planned Q3, after the audit\n",
    )
    text = "\n".join(lines)
    thread = text.index("feedbackbot (in thread): @alice, an update: Must-have request #1 “SSO”")
    direct = text.index("feedbackbot (direct message): An update on what you asked")
    private = text.index(
        "feedbackbot (only you can see this): #1 is now planned. The requester was told in the "
        "thread of its thank-you and by direct message."
    )
    assert thread < direct < private
    assert text.count("Note from bob: “Q3, after the audit”") == 2  # in the thread and the DM
    item = await service.find(LOCAL, 1)
    assert item is not None and item.status is Status.PLANNED


async def test_show_list_priority_stats_and_the_digest(
    service: FeedbackService,
    triage: TriageService,
    roadmap: RoadmapService,
    clock: FixedClock,
) -> None:
    await chat(service, triage, roadmap, "/request must-have: SSO\n/feedback nice dashboards\n")
    clock.advance(timedelta(minutes=1))
    lines = await chat(
        service,
        triage,
        roadmap,
        "/roadmap status 1 duplicate\n"
        "/roadmap priority 1 good-to-have\n"
        "/roadmap list must-have\n"
        "/roadmap show 1\n"
        "/roadmap stats\n"
        "/roadmap\n",
    )
    text = "\n".join(lines)
    assert "A duplicate of which item?" in lines[0]
    assert lines[1] == "feedbackbot (only you can see this): #1 is now good-to-have."
    assert lines[2] == "feedbackbot (only you can see this): Nothing to list (must-have)."
    assert "#1 request, good-to-have, internal · new" in lines[3]
    assert "items: 2" in text and "by status: new 2" in text
    assert "Roadmap update" in text
