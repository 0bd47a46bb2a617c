"""Linking items to tracker issues, creating issues from items, and unlinking them: on the real
core and database (SQLite and PostgreSQL), with in-test trackers."""

from __future__ import annotations

import pytest

from bot.errors import NotAllowed, TrackerFailed
from bot.identity import Person
from bot.issue_links import IssueRef
from bot.items import Priority, Stakeholder, Status
from bot.presenting import describe
from bot.trackers import TrackerNotConfigured, UnknownIssue
from storage.unit_of_work import SqlStorage
from tests.fakes import ACME, ADA, BOB
from tests.trackers_core.conftest import ADMIN, DASHBOARD, MEMBER, Admins, World

ISSUE = "acme/infra#12"


def _open_issue(world: World, key: str = ISSUE) -> IssueRef:
    ref = world.github.ref(key)
    world.github.set(ref, open=True, state="open")
    return ref


async def test_linking_an_open_github_issue_plans_the_item_and_tells_the_requester(
    world: World,
) -> None:
    await world.item()
    ref = _open_issue(world)
    linked = await world.core.trackers.link(ACME, ADMIN, Admins(), 1, ref.url)
    assert linked.ref == ref and not linked.created
    assert linked.moved is not None and linked.moved.told.thread and linked.moved.told.direct
    stored = await world.stored(1)
    assert stored.status is Status.PLANNED
    assert [link.ref for link in stored.links] == [ref]
    assert stored.links[0].state == "open"
    change = stored.history[-1]
    assert change.by == Person("github:acme/infra#12", "GitHub acme/infra#12")
    (_, _, thread) = world.chat.threads[-1]
    assert "Ada, an update" in thread and "is planned" in thread
    assert "Note from GitHub acme/infra#12: “the issue is open”" in thread
    ((user, direct),) = world.chat.direct
    assert user == ADA.user_id and "is planned" in direct


async def test_an_issue_may_be_named_with_its_tracker(world: World) -> None:
    await world.item()
    ref = _open_issue(world)
    linked = await world.core.trackers.link(ACME, ADMIN, Admins(), 1, f"github {ISSUE}")
    assert linked.ref == ref and not linked.created and world.github.created == []


async def test_the_item_shows_its_linked_issues(world: World) -> None:
    await world.item()
    ref = _open_issue(world)
    await world.core.trackers.link(ACME, ADMIN, Admins(), 1, ISSUE)
    shown = describe(await world.stored(1)).plain
    assert f"Linked issues:\n- GitHub acme/infra#12 ({ref.url})" in shown


async def test_linking_the_same_issue_twice_links_it_once_and_moves_nothing(
    world: World,
) -> None:
    await world.item()
    _open_issue(world)
    await world.core.trackers.link(ACME, ADMIN, Admins(), 1, ISSUE)
    await world.core.triage.change_status(ACME, ADMIN, Admins(), None, 1, Status.IN_PILOT)
    again = await world.core.trackers.link(ACME, ADMIN, Admins(), 1, ISSUE)
    assert again.moved is None
    stored = await world.stored(1)
    assert stored.status is Status.IN_PILOT and len(stored.links) == 1


async def test_an_issue_that_cannot_be_read_is_not_linked(world: World) -> None:
    await world.item()
    with pytest.raises(TrackerFailed, match="no issue acme/infra#404"):
        await world.core.trackers.link(ACME, ADMIN, Admins(), 1, "acme/infra#404")
    stored = await world.stored(1)
    assert stored.links == [] and stored.status is Status.NEW


async def test_only_admins_link_and_unlink(world: World) -> None:
    await world.item()
    _open_issue(world)
    with pytest.raises(NotAllowed):
        await world.core.trackers.link(ACME, MEMBER, Admins(), 1, ISSUE)
    assert world.github.reads == []
    await world.core.trackers.link(ACME, ADMIN, Admins(), 1, ISSUE)
    with pytest.raises(NotAllowed):
        await world.core.trackers.unlink(ACME, MEMBER, Admins(), 1)
    assert len((await world.stored(1)).links) == 1


async def test_a_tracker_that_is_not_configured_is_named(world: World) -> None:
    await world.item()
    del world.core.trackers.trackers["jira"]
    for text in ("jira OPS", "OPS-12", "https://acme.atlassian.net/browse/OPS-12"):
        with pytest.raises(TrackerNotConfigured) as refused:
            await world.core.trackers.link(ACME, ADMIN, Admins(), 1, text)
        assert refused.value.tracker == "jira"


async def test_text_that_names_no_issue_is_refused(world: World) -> None:
    await world.item()
    with pytest.raises(UnknownIssue):
        await world.core.trackers.link(ACME, ADMIN, Admins(), 1, "the big one")
    with pytest.raises(UnknownIssue):
        await world.core.trackers.link(ACME, ADMIN, Admins(), 1, "github not a repo")


async def test_creating_a_github_issue_from_an_item(world: World) -> None:
    await world.item(
        "SSO for Grafana\nWe log in five times a day.",
        priority=Priority.MUST_HAVE,
        stakeholder=Stakeholder.EXTERNAL,
    )
    await world.core.feedback.vote(ACME, 1, BOB)
    linked = await world.core.trackers.link(ACME, ADMIN, Admins(), 1, "github acme/infra")
    ((project, draft),) = world.github.created
    assert project == "acme/infra"
    assert draft.title == "#1 SSO for Grafana"
    assert "> SSO for Grafana\n> We log in five times a day." in draft.body
    assert "Requested by Ada" in draft.body
    assert "Stakeholder: external" in draft.body and "Priority: must-have" in draft.body
    assert "Votes: 1" in draft.body
    assert f"{DASHBOARD}/items/1" in draft.body
    assert linked.created and linked.ref.key == "acme/infra#100"
    assert linked.moved is not None and linked.moved.item.status is Status.PLANNED
    assert [link.ref for link in (await world.stored(1)).links] == [linked.ref]


async def test_an_issue_created_from_an_anonymous_item_names_nobody(world: World) -> None:
    await world.item("Our deploys are scary", anonymous=True, author=Person("U-SAM", "Secret Sam"))
    await world.core.trackers.link(ACME, ADMIN, Admins(), 1, "jira OPS")
    ((project, draft),) = world.jira.created
    assert project == "OPS"
    assert "Secret Sam" not in draft.body and "U-SAM" not in draft.body
    assert "Requested by" not in draft.body
    assert "> Our deploys are scary" in draft.body


async def test_a_long_first_line_is_cut_for_the_title(world: World) -> None:
    await world.item("x" * 200)
    await world.core.trackers.link(ACME, ADMIN, Admins(), 1, "github acme/infra")
    ((_, draft),) = world.github.created
    assert draft.title.startswith("#1 xxx") and len(draft.title) <= len("#1 ") + 80


async def test_a_created_issue_whose_state_cannot_be_read_stays_linked(world: World) -> None:
    await world.item()

    async def unreadable(ref: IssueRef) -> object:
        raise TrackerFailed("GitHub is down")

    world.github.state = unreadable  # type: ignore[method-assign,assignment]
    linked = await world.core.trackers.link(ACME, ADMIN, Admins(), 1, "github acme/infra")
    assert linked.created and linked.moved is None
    stored = await world.stored(1)
    assert stored.status is Status.NEW and [link.ref for link in stored.links] == [linked.ref]


async def test_unlinking_one_issue_or_every_issue(world: World) -> None:
    await world.item()
    first = _open_issue(world)
    second = world.jira.ref("OPS-7")
    world.jira.set(second, open=True, state="To Do", category="new")
    await world.core.trackers.link(ACME, ADMIN, Admins(), 1, ISSUE)
    await world.core.trackers.link(ACME, ADMIN, Admins(), 1, "OPS-7")
    trackers = world.core.trackers
    assert await trackers.unlink(ACME, ADMIN, Admins(), 1, "OPS-7") == [second]
    assert await trackers.unlink(ACME, ADMIN, Admins(), 1, "OPS-7") == []
    assert await trackers.unlink(ACME, ADMIN, Admins(), 1, "nothing of the kind") == []
    assert await trackers.unlink(ACME, ADMIN, Admins(), 1) == [first]
    stored = await world.stored(1)
    assert stored.links == [] and stored.status is Status.PLANNED


async def test_an_issue_unlinks_by_its_url_even_when_its_tracker_is_gone(world: World) -> None:
    await world.item()
    ref = _open_issue(world)
    await world.core.trackers.link(ACME, ADMIN, Admins(), 1, ISSUE)
    world.core.trackers.trackers.clear()
    assert await world.core.trackers.unlink(ACME, ADMIN, Admins(), 1, ref.url) == [ref]


async def test_links_belong_to_their_workspace(world: World) -> None:
    await world.item()
    _open_issue(world)
    await world.core.trackers.link(ACME, ADMIN, Admins(), 1, ISSUE)
    async with SqlStorage(world.engine).unit_of_work() as uow:
        assert await uow.links.linked(world.github.ref(ISSUE)) == [(ACME, 1)]


async def test_an_issue_created_from_an_item_mentions_nobody_on_the_tracker(world: World) -> None:
    await world.item("@platform-team please add [~admin] to the SSO group")
    await world.core.trackers.link(ACME, ADMIN, Admins(), 1, "github acme/infra")
    ((_, draft),) = world.github.created
    assert "@platform" not in draft.title and "@platform" not in draft.body
    assert "[~admin]" not in draft.body
    assert "platform-team please add" in draft.title
