"""Triage in the console: everyone may, and the notices show on the one screen."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.console.session import CONSOLE, ConsoleSession, Seat, person_named
from bot.core import Core
from bot.identity import Platform, Workspace
from bot.items import Stakeholder, Status
from tests.core import core_on
from tests.fakes import START, FixedClock

LOCAL = Workspace(Platform.CONSOLE, "local")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def core(engine: AsyncEngine, clock: FixedClock) -> Core:
    return core_on(engine, clock)


async def chat(core: Core, typed: str) -> list[str]:
    seat = Seat(LOCAL, "general", person_named("alice"), Stakeholder.INTERNAL)
    out = io.StringIO()
    session = ConsoleSession(
        core.conversation(CONSOLE), seat, io.StringIO(typed), out, interactive=False
    )
    await session.run()
    return out.getvalue().splitlines()


async def test_anyone_triages_and_the_requester_is_told_in_thread_and_directly(core: Core) -> None:
    lines = await chat(
        core,
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
    item = await core.feedback.find(LOCAL, 1)
    assert item is not None and item.status is Status.PLANNED


async def test_show_list_priority_stats_and_the_digest(
    core: Core,
    clock: FixedClock,
) -> None:
    await chat(core, "/request must-have: SSO\n/feedback nice dashboards\n")
    clock.advance(timedelta(minutes=1))
    lines = await chat(
        core,
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
