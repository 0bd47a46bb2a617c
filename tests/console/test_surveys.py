"""Surveys in the console: buttons are numbered, and typing a number presses one."""

from __future__ import annotations

import io

from adapters.console.session import CONSOLE, ConsoleSession, Seat, person_named
from bot.core import Core, assemble
from bot.identity import Platform, Workspace
from bot.items import Stakeholder
from bot.surveys import ShipAnswer
from tests.fakes import FakeUnitOfWorkFactory, FixedClock

LOCAL = Workspace(Platform.CONSOLE, "local")
SHIP = "/request SSO\n/roadmap status #1 planned\n/roadmap status #1 shipped\n"


def console_core() -> tuple[Core, FakeUnitOfWorkFactory]:
    uow = FakeUnitOfWorkFactory()
    return assemble(uow, FixedClock()), uow


async def chat(core: Core, typed: str) -> str:
    seat = Seat(LOCAL, "general", person_named("alice"), Stakeholder.INTERNAL)
    out = io.StringIO()
    session = ConsoleSession(
        core.conversation(CONSOLE), seat, io.StringIO(typed), out, interactive=False
    )
    await session.run()
    return out.getvalue()


async def test_the_shipped_items_direct_message_numbers_its_buttons() -> None:
    core, _ = console_core()
    text = await chat(core, SHIP)
    assert (
        "Did this solve it? One click tells the team.\n"
        "[1] Solved it  [2] Partly  [3] No  [4] Add a comment  (type a number to press)"
    ) in text


async def test_typing_a_number_presses_that_button_as_the_person_typing() -> None:
    core, uow = console_core()
    text = await chat(core, SHIP + "2\n")
    assert (
        "feedbackbot (only you can see this): Thanks! Your answer about #1 is kept: Partly."
    ) in text
    (kept,) = uow.state.shipped_answers.values()
    assert kept.answer is ShipAnswer.PARTLY and kept.user_id == "console:alice"


async def test_add_a_comment_asks_for_one_line() -> None:
    core, uow = console_core()
    text = await chat(core, SHIP + "3\n4\nStill no SCIM\n")
    assert "Did this solve it? Your comment for the team (one line" in text
    assert "Your comment about #1 is kept with your answer No" in text
    (kept,) = uow.state.shipped_answers.values()
    assert kept.comment == "Still no SCIM"


async def test_someone_else_pressing_is_told_the_question_was_not_theirs() -> None:
    core, uow = console_core()
    text = await chat(core, SHIP + "/as bob\n1\n")
    assert "This question about #1 is for the people who asked for it or voted for it" in text
    assert uow.state.shipped_answers == {}


async def test_a_number_with_nothing_to_press_is_explained() -> None:
    core, _ = console_core()
    text = await chat(core, "1\n")
    assert "There is nothing to press: no message with buttons was shown yet." in text
    text = await chat(core, SHIP + "9\n")
    assert "Press a number from 1 to 4." in text
