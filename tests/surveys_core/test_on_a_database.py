"""The surveys end to end on a real database (SQLite, and PostgreSQL when configured): a
shipped item's answers kept once, the No line owed with them; a survey reminder fired by two
processes at once posting one poll, answered by several people.

Runs once storage keeps survey answers (``storage.surveys``, built beside the core)."""

from __future__ import annotations

import asyncio
import importlib.util
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.conversation import Speaker
from bot.core import Core
from bot.identity import Person
from bot.items import Stakeholder
from bot.messages import Message
from bot.roadmap import FireOutcome
from bot.service import Recorded
from bot.slas import TriageChannels
from bot.surveys import ShipAnswer, ship_action
from storage.tables import survey_answers, survey_poll_answers, survey_polls
from tests.core import core_on
from tests.fakes import ACME, ADA, BOB, CY, GENERAL, FakeChat, FixedClock, request
from tests.surveys_core.harness import SURFACE, TRIAGE, Admins, Directory

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("storage.surveys") is None,
    reason="storage keeps no survey answers yet (storage/surveys.py)",
)
FIRST = datetime(2025, 4, 1, 10, 0, tzinfo=UTC)


def served(engine: AsyncEngine, clock: FixedClock, chat: FakeChat) -> Core:
    core = core_on(engine, clock)
    channels = TriageChannels()
    channels.serve(ACME.platform, chat, TRIAGE)
    core.surveys.channels = channels
    return core


async def count(engine: AsyncEngine, table: object) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(table))).scalar_one()  # type: ignore[arg-type]


async def press(core: Core, person: Person, action: str, kind: Stakeholder) -> str:
    answer = await core.conversation(SURFACE).press(Speaker(ACME, "D-DM", person, kind), action)
    assert isinstance(answer, Message)
    return answer.plain


async def test_shipped_answers_are_kept_once_and_a_no_reaches_the_triage_channel(
    engine: AsyncEngine,
) -> None:
    clock, chat = FixedClock(), FakeChat()
    core = served(engine, clock, chat)
    recorded = await core.feedback.submit_and_thank(request("Faster CI runners"), chat)
    assert isinstance(recorded, Recorded)
    await core.feedback.vote(ACME, 1, BOB)
    conversation = core.conversation(SURFACE)
    admin = Speaker(ACME, GENERAL, Person("U-ADMIN", "Morgan"))
    await conversation.roadmap(admin, "status #1 planned", chat, Admins())
    await conversation.roadmap(admin, "status #1 shipped", chat, Admins())
    ((_, dm),) = [(u, m) for u, m in chat.direct_messages if u == BOB.user_id and m.buttons]
    no = next(b.action for b in dm.buttons if b.label == "No")
    assert "The team will hear" in await press(core, BOB, no, Stakeholder.INTERNAL)
    assert "already No" in await press(core, BOB, no, Stakeholder.INTERNAL)
    solved = ship_action(ACME, 1, ShipAnswer.SOLVED)
    await press(core, ADA, solved, Stakeholder.INTERNAL)
    assert "kept: Partly (it was Solved it)" in await press(
        core, ADA, ship_action(ACME, 1, ShipAnswer.PARTLY), Stakeholder.INTERNAL
    )
    assert await count(engine, survey_answers) == 2
    lines = [text for channel, text in chat.posted if channel == TRIAGE]
    assert len(lines) == 1 and lines[0].startswith("Did not solve it: ")


async def test_a_survey_fired_by_two_processes_posts_one_poll_answered_by_several(
    engine: AsyncEngine,
) -> None:
    clock, chat, other_chat = FixedClock(), FakeChat(), FakeChat()
    core, other = served(engine, clock, chat), served(engine, clock, other_chat)
    conversation = core.conversation(SURFACE)
    said = await conversation.roadmap(
        Speaker(ACME, GENERAL, ADA),
        "remind survey yes/no every month on the 1st at 10:00 Did the migration go well?",
        chat,
        Admins(),
    )
    assert said.plain.startswith("Added: #1 survey (yes/no)")
    clock.set(FIRST)
    outcomes = await asyncio.gather(
        core.roadmap.fire(1, Directory(chat)), other.roadmap.fire(1, Directory(other_chat))
    )
    # The second sees the claim, or the occurrence already claimed when it reads the reminder.
    assert outcomes.count(FireOutcome.POSTED) == 1
    assert {*outcomes} - {FireOutcome.POSTED} <= {
        FireOutcome.CLAIMED_ELSEWHERE,
        FireOutcome.NOT_DUE,
    }
    ((_, post),) = chat.posted_messages + other_chat.posted_messages
    assert [b.label for b in post.buttons] == ["Yes", "No"]
    assert await count(engine, survey_polls) == 1
    yes, no = (b.action for b in post.buttons)
    await press(core, ADA, yes, Stakeholder.INTERNAL)
    await press(other, BOB, no, Stakeholder.EXTERNAL)
    await press(core, CY, yes, Stakeholder.EXTERNAL)
    assert "now Yes (it was No)" in await press(core, BOB, yes, Stakeholder.EXTERNAL)
    assert await count(engine, survey_poll_answers) == 3
    listed = await conversation.roadmap(Speaker(ACME, GENERAL, ADA), "reminders", chat, Admins())
    assert "#1 survey (yes/no) “Did the migration go well?”" in listed.plain
