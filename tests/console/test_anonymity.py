"""An anonymous /feedback in the console leaves no readable trace of its author in any table or
log line; with a seal key, the author is still told what became of it."""

from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.console.chat import ConsoleChat
from adapters.console.session import CONSOLE, ConsoleSession, Seat, person_named
from adapters.sealing import FernetSeal, new_key
from bot.identity import Person, Platform, Workspace
from bot.items import Stakeholder, Status
from tests.core import core_on
from tests.scan import every_row

LOCAL = Workspace(Platform.CONSOLE, "local")


class Everyone:
    async def may_triage(self, workspace: Workspace, person: Person) -> bool:
        return True


async def test_an_anonymous_console_item_leaves_no_trace_of_its_author_and_still_reaches_them(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    core = core_on(engine, seal=FernetSeal(new_key()))
    author = person_named("zelda-quiet")
    out = io.StringIO()
    typed = (
        "/feedback anonymous: the wiki is unfindable\n/request anonymous must-have: docs search\n"
    )
    seat = Seat(LOCAL, "general", author, Stakeholder.INTERNAL)
    conversation = core.conversation(CONSOLE)
    await ConsoleSession(conversation, seat, io.StringIO(typed), out, interactive=False).run()

    dump = await every_row(engine)
    assert "the wiki is unfindable" in dump and "docs search" in dump
    assert "zelda-quiet" not in dump
    assert "zelda-quiet" not in "\n".join(record.getMessage() for record in caplog.records)
    assert "zelda-quiet" not in out.getvalue()

    told = io.StringIO()
    await core.triage.change_status(
        LOCAL, person_named("admin"), Everyone(), ConsoleChat(told), 2, Status.PLANNED
    )
    lines = told.getvalue().splitlines()
    assert any(line.startswith("feedbackbot (direct message): ") for line in lines)
    assert "zelda-quiet" not in told.getvalue()
