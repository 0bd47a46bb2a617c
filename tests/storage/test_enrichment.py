"""Late details about an author correct the stored item, within the enrichment rule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.enrichment import Enrichment
from bot.identity import MessageRef, Person, Platform, Workspace
from bot.items import Item, ItemKind, Stakeholder, Status
from bot.ports import ThanksNote
from bot.service import FeedbackService, Refused, Submission
from storage.unit_of_work import SqlUnitOfWork
from tests.fakes import FixedClock

ACME = Workspace(Platform.SLACK, "T-ACME")
FROM_PAYLOAD = Person("U-ALICE", "alice")
KNOWN = Person("U-ALICE", "Alice Liddell")
AT = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


@pytest.fixture
def service(engine: AsyncEngine) -> FeedbackService:
    return FeedbackService(lambda: SqlUnitOfWork(engine), FixedClock())


@pytest.fixture
def enrichment(engine: AsyncEngine) -> Enrichment:
    return Enrichment(lambda: SqlUnitOfWork(engine))


async def record(service: FeedbackService, *, anonymous: bool = False) -> Item:
    item = await service.submit(
        Submission(
            workspace=ACME,
            channel_id="C1",
            author=FROM_PAYLOAD,
            kind=ItemKind.FEEDBACK,
            text="The deploys are slow",
            anonymous=anonymous,
        )
    )
    assert not isinstance(item, Refused) and item.number is not None
    return item


async def stored(service: FeedbackService, number: int) -> Item:
    item = await service.find(ACME, number)
    assert item is not None
    return item


async def test_the_authors_display_name_and_stakeholder_are_corrected(
    service: FeedbackService, enrichment: Enrichment
) -> None:
    item = await record(service)
    assert item.number is not None
    await enrichment.correct_author(ACME, item.number, KNOWN, Stakeholder.EXTERNAL)
    after = await stored(service, item.number)
    assert (after.author, after.stakeholder) == (KNOWN, Stakeholder.EXTERNAL)


async def test_an_anonymous_item_is_never_given_an_author(
    service: FeedbackService, enrichment: Enrichment
) -> None:
    item = await record(service, anonymous=True)
    assert item.number is not None
    await enrichment.correct_author(ACME, item.number, KNOWN, Stakeholder.INTERNAL)
    assert (await stored(service, item.number)).author is None


async def test_a_triaged_items_stakeholder_is_left_as_the_admin_set_it(
    service: FeedbackService, enrichment: Enrichment, engine: AsyncEngine
) -> None:
    item = await record(service)
    assert item.number is not None
    async with SqlUnitOfWork(engine) as uow:
        triaged = await uow.items.get(ACME, item.number)
        assert triaged is not None
        triaged.change_status(Status.PLANNED, FixedClock().now())
        await uow.items.update(triaged)
        await uow.commit()
    await enrichment.correct_author(ACME, item.number, KNOWN, Stakeholder.EXTERNAL)
    after = await stored(service, item.number)
    assert (after.author, after.stakeholder) == (KNOWN, Stakeholder.INTERNAL)


async def test_nothing_is_written_when_nothing_differs(
    service: FeedbackService, enrichment: Enrichment
) -> None:
    item = await record(service)
    assert item.number is not None
    changed = await enrichment.correct_author(ACME, item.number, FROM_PAYLOAD, Stakeholder.INTERNAL)
    assert changed is None


async def test_details_of_someone_else_are_not_applied(
    service: FeedbackService, enrichment: Enrichment
) -> None:
    item = await record(service)
    assert item.number is not None
    await enrichment.correct_author(ACME, item.number, Person("U-BOB", "Bob"), Stakeholder.EXTERNAL)
    after = await stored(service, item.number)
    assert (after.author, after.stakeholder) == (FROM_PAYLOAD, Stakeholder.INTERNAL)


async def test_a_thank_you_noted_after_the_item_was_read_survives_the_items_update(
    service: FeedbackService, engine: AsyncEngine
) -> None:
    # Another process notes the thank-you between this one's read and its write (an author
    # corrected, a status changed): the write must not take the thank-you back, or nobody
    # could vote on it.
    item = await record(service)
    assert item.number is not None
    async with SqlUnitOfWork(engine) as uow:
        read_before = await uow.items.get(ACME, item.number)
    assert read_before is not None
    thanks = MessageRef("C1", "1700000000.000101")
    async with SqlUnitOfWork(engine) as uow:
        await uow.items.record_thanks([ThanksNote(ACME, item.number, AT, thanks)])
        await uow.commit()
    read_before.author = KNOWN
    async with SqlUnitOfWork(engine) as uow:
        await uow.items.update(read_before)
        await uow.commit()
    after = await stored(service, item.number)
    assert (after.author, after.thanks, after.acknowledged_at) == (KNOWN, thanks, AT)
