"""Names shown in a terminal cannot drive it: escape sequences and control characters in a
name (``--name``, ``/as``, or one stored from a chat platform) are dropped, the rest shown."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.cli.output import terminal_text
from adapters.console.session import CONSOLE, ConsoleSession, Seat, person_named
from bot.identity import Platform, Workspace
from bot.items import Stakeholder
from tests.cli import run_cli
from tests.core import core_on

# Clears the screen, retitles the window (OSC 0, ended by BEL), and names itself Eve.
EVIL = "\x1b[2J\x1b]0;pwned\x07Eve"
# What no line the terminal is given may hold: ESC, BEL, CR, backspace, DEL, C1 (8-bit CSI).
LIVE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


@pytest.mark.parametrize(
    ("shown", "seen"),
    [
        (EVIL, "Eve"),
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b]52;c;cHduZWQ=\x1b\\Eve", "Eve"),  # OSC 52 writes the clipboard; ended by ST
        ("\x1bPq#0;2;0;0;0\x1b\\Eve", "Eve"),  # DCS (sixel)
        ("Eve\x1b]0;never ended", "Eve"),
        ("\x9b2JEve", "Eve"),  # the 8-bit CSI
        ("Ev\x08\x08Mallory\re", "EvMallorye"),
        ("Eve\x1b", "Eve"),
        ("\u202eevE", "evE"),  # a right-to-left override
        ("Zoë 🦊\tand\nline", "Zoë 🦊\tand\nline"),
    ],
)
def test_terminal_text_keeps_what_was_written_and_drops_what_drives_the_terminal(
    shown: str, seen: str
) -> None:
    assert terminal_text(shown) == seen


def test_names_from_name_and_as_are_shown_without_their_escape_sequences(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    typed = f"/feedback hi\n/as {EVIL}\n/feedback again\n/vote 1\n/show 1\n/list\n"
    result = run_cli("console", "--name", EVIL, env=clean_env, cwd=tmp_path, typed=typed)
    assert result.status == 0, result.stderr
    assert LIVE.search(result.stdout.replace("\n", "")) is None
    assert "@Eve" in result.stdout and "You are now Eve." in result.stdout
    assert "from Eve," in result.stdout


async def test_the_greeting_and_the_prompt_show_the_name_inert(engine: AsyncEngine) -> None:
    seat = Seat(
        Workspace(Platform.CONSOLE, "local"), "general", person_named(EVIL), Stakeholder.INTERNAL
    )
    out = io.StringIO()
    session = ConsoleSession(
        core_on(engine).conversation(CONSOLE), seat, io.StringIO("/quit\n"), out, interactive=True
    )
    await session.run()
    assert out.getvalue() == (
        "feedbackbot: Hi Eve, this is #general. Type /help for what I understand.\nEve> "
    )
