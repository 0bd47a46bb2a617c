"""The console shows what a channel would show, on the real core and a real SQLite database."""

from __future__ import annotations

import io

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.console.session import CONSOLE, ConsoleSession, Seat, person_named
from bot.core import Core
from bot.identity import Platform, Workspace
from bot.items import Priority, Stakeholder
from tests.core import core_on

LOCAL = Workspace(Platform.CONSOLE, "local")


@pytest.fixture
def core(engine: AsyncEngine) -> Core:
    return core_on(engine)


async def chat(core: Core, typed: str, *, external: bool = False) -> list[str]:
    """Type ``typed`` into a console session and return the lines it printed."""
    seat = Seat(
        LOCAL,
        "general",
        person_named("alice"),
        Stakeholder.EXTERNAL if external else Stakeholder.INTERNAL,
    )
    out = io.StringIO()
    session = ConsoleSession(
        core.conversation(CONSOLE), seat, io.StringIO(typed), out, interactive=False
    )
    await session.run()
    return out.getvalue().splitlines()


async def test_feedback_is_thanked_in_the_channel_with_its_number(
    core: Core,
) -> None:
    lines = await chat(core, "/feedback The deploy dashboard is great\n")
    assert len(lines) == 1
    assert lines[0].startswith("feedbackbot: ")
    assert "@alice" in lines[0] and "#1" in lines[0] and "The deploy dashboard is great" in lines[0]


async def test_a_must_have_request_is_recorded_with_its_priority(
    core: Core,
) -> None:
    lines = await chat(core, "/request must-have: audit log export\n")
    item = await core.feedback.find(LOCAL, 1)
    assert "Must-have request #1" in lines[0]
    assert item is not None and item.priority is Priority.MUST_HAVE
    assert item.text == "audit log export"


async def test_an_anonymous_submission_names_nobody(core: Core) -> None:
    lines = await chat(core, "/feedback anonymous: standups run long\n")
    item = await core.feedback.find(LOCAL, 1)
    assert "alice" not in lines[0] and "#1" in lines[0]
    assert item is not None and item.author is None


async def test_an_external_stakeholder_is_recorded_as_external(core: Core) -> None:
    await chat(core, "/request SAML login\n", external=True)
    item = await core.feedback.find(LOCAL, 1)
    assert item is not None and item.stakeholder is Stakeholder.EXTERNAL


async def test_empty_feedback_shows_the_usage_and_records_nothing(
    core: Core,
) -> None:
    lines = await chat(core, "/feedback   \n")
    assert "only you" in lines[0] and "/feedback [anonymous:] <what you think>" in lines[0]
    assert await core.feedback.list_items(LOCAL) == []


async def test_text_over_the_limit_is_refused_with_its_beginning(core: Core) -> None:
    long_text = "x" * 4001
    output = "\n".join(await chat(core, f"/feedback {long_text}\n"))
    assert "4,001 characters" in output and "nothing was stored" in output
    assert "It began: “xxxx" in output and long_text not in output
    assert await core.feedback.list_items(LOCAL) == []


async def test_a_backslash_continues_the_text_on_the_next_line(core: Core) -> None:
    await chat(core, "/feedback first line\\\nsecond line 🎉\n")
    item = await core.feedback.find(LOCAL, 1)
    assert item is not None and item.text == "first line\nsecond line 🎉"


async def test_votes_count_once_per_person_and_can_be_withdrawn(
    core: Core,
) -> None:
    lines = await chat(
        core, "/feedback faster CI\n/vote 1\n/vote #1\n/as bob\n/vote 1\n/unvote 1\n"
    )
    assert lines[1:] == [
        "feedbackbot: Your vote for #1 is counted; it has 1 vote now.",
        "feedbackbot: You have already voted for #1 (1 vote).",
        "feedbackbot: You are now bob.",
        "feedbackbot: Your vote for #1 is counted; it has 2 votes now.",
        "feedbackbot: Your vote for #1 is withdrawn; it has 1 vote now.",
    ]


async def test_voting_for_a_missing_item_says_so(core: Core) -> None:
    lines = await chat(core, "/vote 42\n")
    assert lines == ["feedbackbot: Sorry, there is no item #42 here."]


@pytest.mark.parametrize("typed", ["/vote 99999999999999999999", "/show ²", "/unvote #x"])
async def test_a_number_that_names_nothing_asks_which_item(core: Core, typed: str) -> None:
    lines = await chat(core, typed + "\n")
    assert lines == ["feedbackbot: Which item? Give its number, e.g. 3 or #3."]


async def test_list_and_show_describe_the_items(core: Core) -> None:
    lines = await chat(
        core, "/request must-have: SSO\n/feedback nice docs\n/list must-have\n/show 1\n"
    )
    assert "feedbackbot: #1 request, must-have, internal · new · 0 votes · “SSO”" in lines
    assert "from alice" in "\n".join(lines)


async def test_an_unknown_command_points_to_help(core: Core) -> None:
    lines = await chat(core, "/feedbak typo\n/help\n")
    assert "I don't know /feedbak" in lines[0]
    assert any("/request [must-have|good-to-have] [anonymous]" in line for line in lines)


async def test_quit_ends_the_session_before_later_lines(core: Core) -> None:
    await chat(core, "/quit\n/feedback never recorded\n")
    assert await core.feedback.list_items(LOCAL) == []
