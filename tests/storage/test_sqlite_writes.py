"""SQLite's group-commit writer: one transaction on its own thread, the same rules as a unit
of work."""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import StorageError
from bot.identity import MessageRef, Person, Platform, Workspace
from bot.items import Item, ItemKind, Stakeholder
from bot.journal import Journal
from bot.ports import FirstDelivery, ItemQuery, ThanksNote, Writes
from bot.service import FeedbackService, Refused, Submission
from storage import tables
from storage.sqlite_writes import SqliteWriteTogether
from storage.unit_of_work import SqlStorage
from tests.fakes import FixedClock

ACME = Workspace(Platform.SLACK, "T-ACME")
GLOBEX = Workspace(Platform.SLACK, "T-GLOBEX")
ALICE = Person("U-ALICE", "Alice")
AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def new_item(workspace: Workspace, text: str, source: MessageRef | None = None) -> Item:
    return Item(
        workspace=workspace,
        kind=ItemKind.FEEDBACK,
        text=text,
        channel_id="C1",
        author=ALICE,
        stakeholder=Stakeholder.INTERNAL,
        priority=None,
        created_at=AT,
        source=source,
    )


@pytest.fixture
def storage(sqlite_engine: AsyncEngine) -> SqlStorage:
    return SqlStorage(sqlite_engine)


@pytest.fixture
async def writer(
    sqlite_engine: AsyncEngine, storage: SqlStorage
) -> AsyncIterator[SqliteWriteTogether]:
    async with SqliteWriteTogether(sqlite_engine, storage.known) as writing:
        yield writing


async def numbers(storage: SqlStorage, workspace: Workspace) -> list[tuple[int, str]]:
    async with storage.unit_of_work() as uow:
        found = await uow.items.search(workspace, ItemQuery())
    return sorted((item.number or 0, item.text) for item in found)


async def test_new_items_are_numbered_per_workspace_in_the_order_given(
    writer: SqliteWriteTogether, storage: SqlStorage
) -> None:
    batch = [new_item(ACME, "a1"), new_item(GLOBEX, "g1"), new_item(ACME, "a2")]
    await writer(Writes(new=batch))
    assert [item.number for item in batch] == [1, 1, 2]
    assert await numbers(storage, ACME) == [(1, "a1"), (2, "a2")]
    assert await numbers(storage, GLOBEX) == [(1, "g1")]


async def test_workspaces_it_makes_are_remembered_once_committed(
    writer: SqliteWriteTogether, storage: SqlStorage
) -> None:
    assert ACME not in storage.known
    await writer(Writes(new=[new_item(ACME, "first")]))
    assert ACME in storage.known
    await writer(Writes(new=[new_item(ACME, "second")]))
    assert await numbers(storage, ACME) == [(1, "first"), (2, "second")]


async def test_notes_say_when_and_where_each_item_was_thanked(
    writer: SqliteWriteTogether, storage: SqlStorage
) -> None:
    item = new_item(ACME, "thank me")
    await writer(Writes(new=[item]))
    assert item.number is not None
    thanks = MessageRef("C1", "1700000000.000100")
    await writer(Writes(notes=[ThanksNote(ACME, item.number, AT, thanks)]))
    async with storage.unit_of_work() as uow:
        stored = await uow.items.get_by_thanks(ACME, thanks)
    assert stored is not None and stored.number == item.number
    assert stored.acknowledged_at == AT


async def test_a_note_for_a_workspace_never_seen_changes_nothing(
    writer: SqliteWriteTogether, storage: SqlStorage, sqlite_engine: AsyncEngine
) -> None:
    await writer(Writes(notes=[ThanksNote(GLOBEX, 1, AT, MessageRef("C1", "1.0"))]))
    async with sqlite_engine.connect() as conn:
        assert (await conn.execute(select(tables.workspaces.c.id))).all() == []


async def test_a_failed_transaction_keeps_nothing_and_says_so(
    writer: SqliteWriteTogether, storage: SqlStorage
) -> None:
    await writer(Writes(new=[new_item(ACME, "kept")]))
    same_message = MessageRef("C1", "1.0")
    clash = [new_item(ACME, "one", same_message), new_item(ACME, "two", same_message)]
    with pytest.raises(StorageError):
        await writer(Writes(new=clash))
    await writer(Writes(new=[new_item(ACME, "next")]))
    assert await numbers(storage, ACME) == [(1, "kept"), (2, "next")]


async def test_concurrent_submissions_through_the_writer_get_distinct_consecutive_numbers(
    writer: SqliteWriteTogether, storage: SqlStorage
) -> None:
    service = FeedbackService(storage.unit_of_work, FixedClock(), write_together=writer)

    async def submit(n: int) -> int:
        outcome = await service.submit(
            Submission(ACME, "C1", ALICE, ItemKind.FEEDBACK, f"idea {n}")
        )
        assert not isinstance(outcome, Refused) and outcome.number is not None
        return outcome.number

    got = await asyncio.gather(*(submit(n) for n in range(50)))
    assert sorted(got) == list(range(1, 51))


def once(workspace: Workspace, text: str, delivery_id: str) -> FirstDelivery:
    return FirstDelivery(new_item(workspace, text), [], delivery_id, AT)


async def test_a_repeated_delivery_is_stored_once_even_within_one_transaction(
    writer: SqliteWriteTogether, storage: SqlStorage
) -> None:
    first, again, other = (
        once(ACME, "a", "cmd:1"),
        once(ACME, "a", "cmd:1"),
        once(ACME, "b", "cmd:2"),
    )
    await writer(Writes(once=[first, again, other]))
    assert (first.first, again.first, other.first) == (True, False, True)
    assert await numbers(storage, ACME) == [(1, "a"), (2, "b")]


async def test_a_delivery_seen_in_an_earlier_transaction_is_not_stored_again(
    writer: SqliteWriteTogether, storage: SqlStorage
) -> None:
    await writer(Writes(once=[once(ACME, "a", "cmd:1")]))
    replay, elsewhere = once(ACME, "a", "cmd:1"), once(GLOBEX, "a", "cmd:1")
    await writer(Writes(once=[replay, elsewhere]))
    assert (replay.first, elsewhere.first) == (False, True)
    assert await numbers(storage, ACME) == [(1, "a")]
    assert await numbers(storage, GLOBEX) == [(1, "a")]


async def test_a_unit_of_work_stores_a_repeated_delivery_once_as_the_writer_does(
    storage: SqlStorage,
) -> None:
    journal = Journal(storage.unit_of_work)
    first, again = once(ACME, "a", "cmd:1"), once(ACME, "a", "cmd:1")
    await asyncio.gather(journal(first), journal(again))
    replay = once(ACME, "a", "cmd:1")
    await journal(replay)
    assert (first.first, again.first, replay.first) == (True, False, False)
    assert await numbers(storage, ACME) == [(1, "a")]


async def test_a_group_commit_holds_the_lock_file_beside_the_database_while_it_writes(
    sqlite_engine: AsyncEngine, storage: SqlStorage, sqlite_path: Path
) -> None:
    # Another process (here another open file) that tries the lock during the transaction
    # finds it taken: the workers' group commits take turns on it, woken by the kernel.
    tried: list[bool] = []

    def try_the_lock(_: object) -> None:
        other = os.open(f"{sqlite_path}.lock", os.O_RDWR)
        try:
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            tried.append(False)
        else:
            tried.append(True)
        finally:
            os.close(other)

    async with SqliteWriteTogether(sqlite_engine, storage.known) as writer:
        event.listen(writer._engine, "begin", try_the_lock)
        await writer(Writes(new=[new_item(ACME, "first")]))
    assert tried == [False]
    assert await numbers(storage, ACME) == [(1, "first")]
