"""``/roadmap link`` and ``/roadmap unlink`` as people type them, answered by the conversation on
the real core and database (SQLite and PostgreSQL), with in-test trackers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.conversation import Speaker, Surface
from bot.identity import Person
from bot.items import Status
from bot.replies import NOT_ALLOWED
from tests.core import core_on
from tests.fakes import ACME, GENERAL, FakeChat, FixedClock
from tests.trackers_core.conftest import ADMIN, MEMBER, Admins, World

SURFACE = Surface(max_length=4000, vote_with="/vote {number}")
ISSUE = "https://github.com/acme/infra/issues/12"


async def say(world: World, text: str, person: Person = ADMIN) -> str:
    """``/roadmap <text>``; the private answer."""
    conversation = world.core.conversation(SURFACE)
    answer = await conversation.roadmap(Speaker(ACME, GENERAL, person), text, world.chat, Admins())
    return answer.plain


def _open_issue(world: World) -> None:
    world.github.set(world.github.ref("acme/infra#12"), open=True, state="open")


async def test_an_admin_links_an_issue_and_hears_who_was_told(world: World) -> None:
    await world.item()
    _open_issue(world)
    answer = await say(world, f"link #1 {ISSUE}")
    assert answer.startswith(f"#1 is linked to GitHub acme/infra#12 ({ISSUE}).")
    assert "#1 is now planned. The requester was told in the thread of its thank-you" in answer
    assert (await world.stored(1)).status is Status.PLANNED


async def test_a_non_admin_is_refused_and_nothing_is_linked(world: World) -> None:
    await world.item()
    _open_issue(world)
    assert await say(world, "link #1 acme/infra#12", MEMBER) == NOT_ALLOWED.plain
    assert await say(world, "unlink #1", MEMBER) == NOT_ALLOWED.plain
    assert (await world.stored(1)).links == []


async def test_creating_an_issue_is_answered_with_the_new_issue(world: World) -> None:
    await world.item()
    answer = await say(world, "link 1 github acme/infra")
    assert answer.startswith(
        "Created and linked GitHub acme/infra#100 "
        "(https://github.com/acme/infra/issues/100) for #1."
    )


async def test_a_tracker_s_refusal_is_answered_with_its_one_line(world: World) -> None:
    await world.item()
    world.github.failing = "GitHub refused: Resource not accessible by integration (403)"
    answer = await say(world, "link #1 github acme/infra")
    assert answer == (
        "Nothing was linked: GitHub refused: Resource not accessible by integration (403)."
    )


async def test_a_tracker_that_is_not_set_up_is_answered_with_what_to_set(world: World) -> None:
    await world.item()
    del world.core.trackers.trackers["jira"]
    answer = await say(world, "link #1 OPS-12")
    assert answer.startswith("Jira is not set up for feedbackbot, so nothing was linked.")
    assert "JIRA_URL" in answer and "JIRA_API_TOKEN" in answer and "JIRA_BEARER_TOKEN" in answer


async def test_without_any_tracker_the_answer_says_what_to_set(engine: AsyncEngine) -> None:
    core = core_on(engine, FixedClock())
    answer = await core.conversation(SURFACE).roadmap(
        Speaker(ACME, GENERAL, ADMIN), "link #1 acme/infra#12", FakeChat(), Admins()
    )
    assert "No issue tracker is set up" in answer.plain
    assert "GITHUB_TOKEN" in answer.plain and "JIRA_URL" in answer.plain


async def test_an_unknown_issue_or_item_is_answered(world: World) -> None:
    await world.item()
    assert (await say(world, "link #1 the big one")).startswith(
        "Nothing was linked: the big one names no issue I know."
    )
    assert await say(world, "link #9 acme/infra#12") == (
        "Nothing was changed: there is no item #9 here."
    )
    assert "Which item?" in await say(world, "link acme/infra#12")
    assert "Which issue?" in await say(world, "link #1")


async def test_unlinking_is_answered(world: World) -> None:
    await world.item()
    _open_issue(world)
    await say(world, "link #1 acme/infra#12")
    assert await say(world, "unlink #1 OPS-1") == "#1 is not linked to OPS-1; nothing changed."
    assert await say(world, "unlink #1") == (
        "#1 is no longer linked to GitHub acme/infra#12; its status stays as it is."
    )
    assert await say(world, "unlink #1") == "#1 is not linked to any issue; nothing changed."


async def test_show_and_the_digest_name_the_linked_issues(world: World) -> None:
    await world.item()
    _open_issue(world)
    await say(world, "link #1 acme/infra#12")
    shown = await say(world, "show #1")
    assert f"Linked issues:\n- GitHub acme/infra#12 ({ISSUE})" in shown
    world.clock.advance(timedelta(hours=1))
    digest = await say(world, "")
    assert f"#1 “SSO for Grafana” (good-to-have, internal) · GitHub acme/infra#12 ({ISSUE})" in (
        digest
    )
    assert f"is now planned · GitHub acme/infra#12 ({ISSUE})" in digest


async def test_the_usage_names_link_and_unlink(world: World) -> None:
    usage = await say(world, "what")
    assert "/roadmap link <#n>" in usage and "/roadmap unlink <#n> [issue]" in usage
