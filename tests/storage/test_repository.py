"""The SQL storage keeps exactly what the core hands it, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import MessageRef, Person, Platform, Workspace
from bot.items import ItemKind, Priority, Stakeholder, Status
from bot.ports import ItemQuery
from bot.service import FeedbackService, Refusal, Refused, Submission
from storage import tables
from storage.engine import create_engine
from storage.repository import EXPORT_PAGE
from storage.unit_of_work import SqlUnitOfWork
from tests.fakes import FakeChat, FixedClock

ACME = Workspace(Platform.SLACK, "T-ACME")
GLOBEX = Workspace(Platform.DISCORD, "1234567890")
ALICE = Person("U-ALICE", "Alice")
BOB = Person("U-BOB", "Bob")


def submission(text: str = "More dashboards", **changes: object) -> Submission:
    fields: dict[str, object] = {
        "workspace": ACME,
        "channel_id": "C-GENERAL",
        "author": ALICE,
        "kind": ItemKind.REQUEST,
        "text": text,
    }
    fields.update(changes)
    return Submission(**fields)  # type: ignore[arg-type]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def service(engine: AsyncEngine, clock: FixedClock) -> FeedbackService:
    return FeedbackService(lambda: SqlUnitOfWork(engine), clock)


async def record(service: FeedbackService, sub: Submission) -> int:
    item = await service.submit(sub)
    assert not isinstance(item, Refused), item
    assert item.number is not None
    return item.number


async def test_numbers_count_up_per_workspace(service: FeedbackService) -> None:
    numbers = [await record(service, submission(workspace=ws)) for ws in (ACME, ACME, GLOBEX)]
    assert numbers == [1, 2, 1]


async def test_concurrent_submissions_get_distinct_consecutive_numbers(
    service: FeedbackService,
) -> None:
    numbers = await asyncio.gather(*(record(service, submission(f"idea {n}")) for n in range(20)))
    assert sorted(numbers) == list(range(1, 21))


async def test_an_item_reads_back_exactly_as_recorded(
    service: FeedbackService, clock: FixedClock
) -> None:
    words = "Zürich 🚀 👩‍💻\nsecond line\twith a tab — “quotes” <!channel> & 日本語"
    number = await record(
        service,
        submission(words, priority=Priority.MUST_HAVE, stakeholder=Stakeholder.EXTERNAL),
    )
    item = await service.find(ACME, number)
    assert item is not None
    assert item.text == words
    assert (item.kind, item.priority, item.stakeholder, item.status) == (
        ItemKind.REQUEST,
        Priority.MUST_HAVE,
        Stakeholder.EXTERNAL,
        Status.NEW,
    )
    assert item.author == ALICE
    assert item.channel_id == "C-GENERAL"
    assert item.created_at == clock.now()


async def test_an_anonymous_item_leaves_no_trace_of_its_author(
    service: FeedbackService, engine: AsyncEngine
) -> None:
    await record(service, submission("the on-call rota is exhausting", anonymous=True))
    async with engine.connect() as connection:
        for table in tables.metadata.sorted_tables:
            for row in await connection.execute(select(table)):
                stored = " ".join(str(value) for value in row)
                assert ALICE.user_id not in stored and ALICE.display_name not in stored


async def test_a_thank_you_is_remembered_with_its_message(service: FeedbackService) -> None:
    number = await record(service, submission())
    item = await service.find(ACME, number)
    assert item is not None
    thanked = await service.thank(item, ALICE, FakeChat())
    assert thanked.posted is not None
    found = await service.item_for_thanks(ACME, thanked.posted)
    assert found is not None and found.number == number and found.acknowledged_at is not None


async def test_a_thank_you_message_finds_nothing_in_another_workspace(
    service: FeedbackService,
) -> None:
    number = await record(service, submission())
    item = await service.find(ACME, number)
    assert item is not None
    thanked = await service.thank(item, ALICE, FakeChat())
    assert thanked.posted is not None
    assert await service.item_for_thanks(GLOBEX, thanked.posted) is None


async def test_one_vote_per_person_is_stored(service: FeedbackService) -> None:
    number = await record(service, submission())
    first = await service.vote(ACME, number, BOB)
    again = await service.vote(ACME, number, BOB)
    await service.vote(ACME, number, ALICE)
    item = await service.find(ACME, number)
    assert (first.counted, again.counted) == (True, False)
    assert item is not None and item.votes == 2


async def test_withdrawing_all_votes_of_an_item_leaves_the_others(
    service: FeedbackService,
) -> None:
    first = await record(service, submission("Dark mode"))
    second = await record(service, submission("Night theme"))
    for voter in (BOB, ALICE):
        await service.vote(ACME, first, voter)
    await service.vote(ACME, second, BOB)
    withdrawn = await service.withdraw_all_votes(ACME, first, delivery_id="clear-1")
    again = await service.withdraw_all_votes(ACME, first, delivery_id="clear-1")
    assert (withdrawn, again) == (2, 0)
    votes = {item.number: item.votes async for item in service.export(ACME)}
    assert votes == {first: 0, second: 1}
    assert (await service.vote(ACME, first, BOB)).counted  # may vote again


async def test_a_withdrawn_vote_is_no_longer_counted(service: FeedbackService) -> None:
    number = await record(service, submission())
    await service.vote(ACME, number, BOB)
    withdrawn = await service.withdraw_vote(ACME, number, BOB)
    again = await service.withdraw_vote(ACME, number, BOB)
    item = await service.find(ACME, number)
    assert (withdrawn.counted, again.counted) == (True, False)
    assert item is not None and item.votes == 0


async def test_status_changes_are_stored_with_their_history(
    service: FeedbackService, clock: FixedClock
) -> None:
    number = await record(service, submission())
    clock.advance(timedelta(hours=2))
    await service.change_status(ACME, number, Status.PLANNED, by=BOB, note="Q3")
    clock.advance(timedelta(days=30))
    await service.change_status(ACME, number, Status.SHIPPED, by=BOB)
    item = await service.find(ACME, number)
    assert item is not None
    assert item.status is Status.SHIPPED
    assert item.status_changed_at == clock.now()
    assert [(c.from_status, c.to_status, c.note, c.by) for c in item.history] == [
        (Status.NEW, Status.PLANNED, "Q3", BOB),
        (Status.PLANNED, Status.SHIPPED, "", BOB),
    ]


async def test_lists_filter_within_one_workspace(service: FeedbackService) -> None:
    await record(service, submission("must", priority=Priority.MUST_HAVE))
    await record(service, submission("nice"))
    await record(service, submission("theirs", workspace=GLOBEX, priority=Priority.MUST_HAVE))
    must = await service.list_items(ACME, ItemQuery(priority=Priority.MUST_HAVE))
    everything = await service.list_items(ACME)
    assert [i.text for i in must] == ["must"]
    assert [i.text for i in everything] == ["nice", "must"]


async def test_export_reads_every_item_of_a_workspace_in_order(
    service: FeedbackService,
) -> None:
    count = EXPORT_PAGE + 3
    for n in range(count):
        await record(service, submission(f"idea {n}"))
    await record(service, submission("elsewhere", workspace=GLOBEX))
    exported = [item async for item in service.export(ACME)]
    assert [item.number for item in exported] == list(range(1, count + 1))
    assert all(item.workspace == ACME for item in exported)


async def test_export_of_every_workspace_keeps_them_apart(service: FeedbackService) -> None:
    await record(service, submission("ours"))
    await record(service, submission("theirs", workspace=GLOBEX))
    exported = [(str(i.workspace), i.number, i.text) async for i in service.export()]
    assert exported == [("slack:T-ACME", 1, "ours"), ("discord:1234567890", 1, "theirs")]


async def test_sqlite_runs_with_wal_and_foreign_keys(engine: AsyncEngine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    async with engine.connect() as connection:
        journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
        foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one()
    assert (journal, foreign_keys) == ("wal", 1)


async def test_an_unreachable_database_refuses_and_gives_the_text_back(
    clock: FixedClock,
) -> None:
    engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:9/nowhere")
    try:
        service = FeedbackService(lambda: SqlUnitOfWork(engine), clock)
        outcome = await service.submit(submission("please keep this"))
    finally:
        await engine.dispose()
    assert isinstance(outcome, Refused)
    assert outcome.reason is Refusal.NOT_STORED
    assert "please keep this" in outcome.message.plain


async def test_a_captured_message_keeps_its_source(service: FeedbackService) -> None:
    source = MessageRef("C-GENERAL", "1600000000.000200")
    number = await record(service, submission("from a thread", source=source))
    found = await service.find(ACME, number)
    captured = [item async for item in service.export(GLOBEX)]
    assert found is not None and found.source == source
    assert captured == []


async def test_a_delivery_is_claimed_once_per_workspace(
    engine: AsyncEngine, clock: FixedClock
) -> None:
    async with SqlUnitOfWork(engine) as uow:
        first = await uow.deliveries.first_delivery(ACME, "Ev-1", clock.now())
        again = await uow.deliveries.first_delivery(ACME, "Ev-1", clock.now())
        other = await uow.deliveries.first_delivery(GLOBEX, "Ev-1", clock.now())
        await uow.commit()
    assert (first, again, other) == (True, False, True)


async def test_an_uncommitted_delivery_can_be_claimed_again(
    engine: AsyncEngine, clock: FixedClock
) -> None:
    async with SqlUnitOfWork(engine) as uow:
        await uow.deliveries.first_delivery(ACME, "Ev-lost", clock.now())
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.deliveries.first_delivery(ACME, "Ev-lost", clock.now())


async def test_the_same_message_cannot_be_captured_twice(engine: AsyncEngine) -> None:
    source = MessageRef("C-GENERAL", "1600000000.000300")
    service = FeedbackService(lambda: SqlUnitOfWork(engine), FixedClock())
    await record(service, submission("once", source=source))
    again = await service.submit(submission("once", source=source))
    assert isinstance(again, Refused) and again.reason is Refusal.ALREADY_RECORDED
    async with SqlUnitOfWork(engine) as uow:
        found = await uow.items.get_by_source(ACME, source)
    assert found is not None and found.number == 1


async def test_items_submitted_together_from_two_workspaces_keep_their_own_numbers(
    service: FeedbackService,
) -> None:
    spaces = [ACME, GLOBEX] * 30
    await asyncio.gather(
        *(service.submit(submission(f"idea {n}", workspace=ws)) for n, ws in enumerate(spaces))
    )
    for workspace in (ACME, GLOBEX):
        stored = [item async for item in service.export(workspace)]
        assert [item.number for item in stored] == list(range(1, 31))
        assert {item.workspace for item in stored} == {workspace}


async def test_thank_yous_noted_together_land_on_their_own_items(
    service: FeedbackService,
) -> None:
    items = await asyncio.gather(*(service.submit(submission(f"idea {n}")) for n in range(10)))
    chat = FakeChat()
    thanked = await asyncio.gather(
        *(service.thank(item, ALICE, chat) for item in items if not isinstance(item, Refused))
    )
    stored = [item async for item in service.export(ACME)]
    assert [item.thanks for item in stored] == [each.posted for each in thanked]
    assert len({item.thanks for item in stored}) == 10
