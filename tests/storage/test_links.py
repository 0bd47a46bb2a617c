"""Items' links to tracker issues on real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import Platform, Workspace
from bot.issue_links import IssueLink, IssueRef
from bot.items import Item, Status
from storage.unit_of_work import SqlStorage
from tests.core import core_on
from tests.fakes import ACME, START, FixedClock, submission

GLOBEX = Workspace(Platform.DISCORD, "G-GLOBEX")
ISSUE = IssueRef("github", "acme/infra#12", "https://github.com/acme/infra/issues/12")
OTHER = IssueRef("jira", "OPS-7", "https://acme.atlassian.net/browse/OPS-7")


async def _items(engine: AsyncEngine, workspace: Workspace, count: int) -> None:
    feedback = core_on(engine, FixedClock()).feedback
    for n in range(count):
        outcome = await feedback.submit(submission(f"item {n}", workspace=workspace))
        assert isinstance(outcome, Item)


async def test_a_link_is_kept_once_and_read_back_with_its_item(engine: AsyncEngine) -> None:
    await _items(engine, ACME, 1)
    storage = SqlStorage(engine)
    async with storage.unit_of_work() as uow:
        assert await uow.links.add(ACME, 1, ISSUE, START)
        assert not await uow.links.add(ACME, 1, ISSUE, START + timedelta(hours=1))
        assert await uow.links.add(ACME, 1, OTHER, START + timedelta(hours=2))
        await uow.commit()
    async with storage.unit_of_work() as uow:
        item = await uow.items.get(ACME, 1)
        links = await uow.links.for_item(ACME, 1)
    assert links == [IssueLink(ISSUE, START), IssueLink(OTHER, START + timedelta(hours=2))]
    assert item is not None and item.links == links


async def test_a_link_to_an_item_that_does_not_exist_is_refused(engine: AsyncEngine) -> None:
    await _items(engine, ACME, 1)
    async with SqlStorage(engine).unit_of_work() as uow:
        assert not await uow.links.add(ACME, 2, ISSUE, START)
        assert not await uow.links.add(GLOBEX, 1, ISSUE, START)


async def test_an_issue_finds_every_item_linked_to_it_in_every_workspace(
    engine: AsyncEngine,
) -> None:
    await _items(engine, ACME, 2)
    await _items(engine, GLOBEX, 1)
    storage = SqlStorage(engine)
    async with storage.unit_of_work() as uow:
        for workspace, number in ((ACME, 2), (GLOBEX, 1), (ACME, 1)):
            await uow.links.add(workspace, number, ISSUE, START)
        await uow.links.add(ACME, 1, OTHER, START)
        await uow.commit()
    async with storage.unit_of_work() as uow:
        assert sorted(await uow.links.linked(ISSUE), key=str) == sorted(
            [(ACME, 1), (ACME, 2), (GLOBEX, 1)], key=str
        )
        assert await uow.links.linked(OTHER) == [(ACME, 1)]
        # Links are scoped by workspace: Globex's #1 holds only the one it was given.
        assert [link.ref for link in await uow.links.for_item(GLOBEX, 1)] == [ISSUE]


async def test_unlinking_removes_one_issue_or_all_of_them(engine: AsyncEngine) -> None:
    await _items(engine, ACME, 2)
    storage = SqlStorage(engine)
    async with storage.unit_of_work() as uow:
        for ref in (ISSUE, OTHER):
            await uow.links.add(ACME, 1, ref, START)
        await uow.links.add(ACME, 2, ISSUE, START)
        await uow.commit()
    async with storage.unit_of_work() as uow:
        assert await uow.links.remove(ACME, 1, OTHER) == [OTHER]
        assert await uow.links.remove(ACME, 1, OTHER) == []
        assert await uow.links.remove(ACME, 2, None) == [ISSUE]
        await uow.commit()
    async with storage.unit_of_work() as uow:
        assert [link.ref for link in await uow.links.for_item(ACME, 1)] == [ISSUE]
        assert await uow.links.for_item(ACME, 2) == []


async def test_the_state_seen_is_kept_on_every_link_of_the_issue(engine: AsyncEngine) -> None:
    await _items(engine, ACME, 2)
    storage = SqlStorage(engine)
    async with storage.unit_of_work() as uow:
        for number in (1, 2):
            await uow.links.add(ACME, number, ISSUE, START)
        await uow.links.seen(ISSUE, "closed:completed", START + timedelta(minutes=5))
        await uow.commit()
    async with storage.unit_of_work() as uow:
        for number in (1, 2):
            (link,) = await uow.links.for_item(ACME, number)
            assert link.state == "closed:completed"


async def test_polls_read_links_of_open_items_least_recently_read_first(
    engine: AsyncEngine,
) -> None:
    await _items(engine, ACME, 3)
    core = core_on(engine, FixedClock())
    storage = SqlStorage(engine)
    third = IssueRef("github", "acme/infra#3", "https://github.com/acme/infra/issues/3")
    async with storage.unit_of_work() as uow:
        await uow.links.add(ACME, 1, ISSUE, START)
        await uow.links.add(ACME, 2, OTHER, START)
        await uow.links.add(ACME, 3, third, START)
        await uow.links.seen(ISSUE, "open", START + timedelta(minutes=1))
        await uow.commit()

    class Anyone:
        async def may_triage(self, workspace: Workspace, person: object) -> bool:
            return True

    # A declined item is no longer followed.
    await core.triage.change_status(ACME, ACME_ADMIN, Anyone(), None, 3, Status.DECLINED)
    async with storage.unit_of_work() as uow:
        due = await uow.links.to_poll(10)
        assert [(number, link.ref) for _, number, link in due] == [(2, OTHER), (1, ISSUE)]
        assert [link.state for _, _, link in due] == [None, "open"]
        assert all(workspace == ACME for workspace, _, _ in due)
        assert len(await uow.links.to_poll(1)) == 1


async def test_the_tracker_history_of_an_item_is_read_with_it(engine: AsyncEngine) -> None:
    await _items(engine, ACME, 1)
    await _items(engine, GLOBEX, 1)
    storage = SqlStorage(engine)
    async with storage.unit_of_work() as uow:
        await uow.links.note(ACME, 1, START + timedelta(hours=1), "second")
        await uow.links.note(ACME, 1, START, "first")
        await uow.commit()
    async with storage.unit_of_work() as uow:
        assert await uow.links.notes(ACME, 1) == [
            (START, "first"),
            (START + timedelta(hours=1), "second"),
        ]
        assert await uow.links.notes(GLOBEX, 1) == []
        item = await uow.items.get(ACME, 1)
    assert item is not None and [text for _, text in item.tracker_notes] == ["first", "second"]


ACME_ADMIN = submission("x").author
