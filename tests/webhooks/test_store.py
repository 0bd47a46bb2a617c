"""The webhooks' outbox on SQLite and PostgreSQL: an event becomes one delivery row per
subscribed endpoint in the transaction of its change, none without endpoints, and claims keep
each item's deliveries in order."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import MessageRef
from bot.items import Status
from bot.service import Submission
from bot.webhooks import DeliveryState, EventType, Outcome, SendResult, WebhookDelivery
from tests.fakes import ACME, ADA, BOB, CY, GLOBEX, START, request, submission
from tests.scan import every_row
from tests.webhooks.support import Bot, bot_on, count_deliveries, delivery_rows

HOOK = "https://hooks.example.com/feedback"
LEASE = timedelta(seconds=60)


async def test_a_workspace_without_endpoints_gets_no_delivery_rows(engine: AsyncEngine) -> None:
    async with bot_on(engine) as bot:
        feedback = bot.core.feedback
        await feedback.submit(request("Dark mode"))
        await feedback.vote(ACME, 1, BOB)
        await feedback.change_status(ACME, 1, Status.PLANNED)
        # Another workspace's endpoint changes nothing here.
        await bot.core.webhooks.add(GLOBEX, HOOK)
        await feedback.submit(request("Offline mode"))
        assert await count_deliveries(engine) == 0


async def test_each_event_is_owed_once_to_every_enabled_endpoint_subscribed_to_it(
    engine: AsyncEngine,
) -> None:
    async with bot_on(engine) as bot:
        webhooks = bot.core.webhooks
        everything, _ = await webhooks.add(ACME, HOOK)
        votes_only, _ = await webhooks.add(ACME, HOOK + "/votes", frozenset({EventType.VOTED}))
        off, _ = await webhooks.add(ACME, HOOK + "/off")
        async with bot.storage.unit_of_work() as uow:
            assert await uow.webhooks.disable(off.id, START)
            await uow.commit()
        await bot.core.feedback.submit(request("Dark mode"))
        await bot.core.feedback.vote(ACME, 1, BOB)
        rows = await delivery_rows(engine)
        assert [(r["endpoint_id"], r["type"], r["item_number"]) for r in rows] == [
            (everything.id, "item.created", 1),
            (everything.id, "item.voted", 1),
            (votes_only.id, "item.voted", 1),
        ]
        assert all(r["state"] == "pending" for r in rows)


@pytest.mark.parametrize("path", ["journal", "repeatable delivery", "captured message"])
async def test_every_write_path_of_a_new_item_owes_its_created_event(
    engine: AsyncEngine, path: str
) -> None:
    async with bot_on(engine) as bot:
        endpoint, _ = await bot.core.webhooks.add(ACME, HOOK)
        await bot.core.feedback.submit(_submission(path))
        (row,) = await delivery_rows(engine)
        assert (row["endpoint_id"], row["type"], row["item_number"]) == (
            endpoint.id,
            "item.created",
            1,
        )
        assert '"number":1' in str(row["payload"])


async def test_sqlites_group_commit_owes_the_created_events_of_the_items_it_writes(
    sqlite_engine: AsyncEngine,
) -> None:
    async with bot_on(sqlite_engine, group_commit=True) as bot:
        await bot.core.webhooks.add(ACME, HOOK)
        for n in range(3):
            await bot.core.feedback.submit(_submission("journal", f"idea {n}"))
        await bot.core.feedback.submit(_submission("repeatable delivery"))
        await bot.core.feedback.submit(_submission("repeatable delivery"))  # repeated: once
        await bot.core.feedback.submit(submission("elsewhere", workspace=GLOBEX))
        rows = await delivery_rows(sqlite_engine)
        assert [(r["type"], r["item_number"]) for r in rows] == [
            ("item.created", 1),
            ("item.created", 2),
            ("item.created", 3),
            ("item.created", 4),
        ]


async def test_a_rolled_back_change_leaves_no_event(engine: AsyncEngine) -> None:
    async with bot_on(engine) as bot:
        await bot.core.webhooks.add(ACME, HOOK)
        await bot.core.feedback.submit(request("Dark mode"))

        async def failing_news(*_: object) -> list[object]:
            raise RuntimeError("the news could not be composed")

        with pytest.raises(RuntimeError):
            await bot.core.feedback.change_status(
                ACME,
                1,
                Status.PLANNED,
                news=failing_news,  # type: ignore[arg-type]
            )
        assert [r["type"] for r in await delivery_rows(engine)] == ["item.created"]
        item = await bot.core.feedback.find(ACME, 1)
        assert item is not None and item.status is Status.NEW


async def test_only_the_oldest_pending_delivery_of_an_item_can_be_claimed(
    engine: AsyncEngine,
) -> None:
    async with bot_on(engine) as bot:
        await bot.core.webhooks.add(ACME, HOOK)
        await bot.core.feedback.submit(request("Dark mode"))
        await bot.core.feedback.submit(request("Offline mode"))
        await bot.core.feedback.vote(ACME, 1, BOB)
        first = await _claim(bot, "p1")
        assert [(d.item_number, d.type) for d in first] == [
            (1, EventType.CREATED),
            (2, EventType.CREATED),
        ]
        # Held by p1, and the vote waits for the item's creation to be delivered.
        assert await _claim(bot, "p2") == []
        await _record(bot, first[0].id, first[0].endpoint_id, ok=True)
        (vote,) = await _claim(bot, "p2")
        assert (vote.item_number, vote.type) == (1, EventType.VOTED)


async def test_a_claim_keeps_others_off_until_its_lease_ends_or_it_is_released(
    engine: AsyncEngine,
) -> None:
    async with bot_on(engine) as bot:
        await bot.core.webhooks.add(ACME, HOOK)
        await bot.core.feedback.submit(request("Dark mode"))
        assert len(await _claim(bot, "p1")) == 1
        assert await _claim(bot, "p2") == []
        assert len(await _claim(bot, "p2", later=LEASE)) == 1
        async with bot.storage.unit_of_work() as uow:
            assert await uow.webhooks.release("p2") == 1
            await uow.commit()
        assert len(await _claim(bot, "p3")) == 1


async def test_removing_an_endpoint_removes_what_it_was_owed(engine: AsyncEngine) -> None:
    async with bot_on(engine) as bot:
        endpoint, _ = await bot.core.webhooks.add(ACME, HOOK)
        kept, _ = await bot.core.webhooks.add(ACME, HOOK + "/kept")
        await bot.core.feedback.submit(request("Dark mode"))
        assert not await bot.core.webhooks.remove(GLOBEX, endpoint.id)  # not that workspace's
        assert await bot.core.webhooks.remove(ACME, endpoint.id)
        assert not await bot.core.webhooks.remove(ACME, endpoint.id)
        assert [r["endpoint_id"] for r in await delivery_rows(engine)] == [kept.id]
        assert [e.id for e in await bot.core.webhooks.endpoints(ACME)] == [kept.id]


async def test_endpoints_are_listed_with_their_events_and_secrets_are_kept_sealed(
    engine: AsyncEngine,
) -> None:
    async with bot_on(engine) as bot:
        endpoint, secret = await bot.core.webhooks.add(
            ACME, HOOK, frozenset({EventType.CREATED, EventType.MERGED})
        )
        assert secret.startswith("whsec_") and len(secret) == len("whsec_") + 32
        (listed,) = await bot.core.webhooks.endpoints()
        assert listed == endpoint
        assert listed.events == {EventType.CREATED, EventType.MERGED} and listed.enabled
        async with bot.storage.unit_of_work() as uow:
            sealed = await uow.webhooks.sealed_secret(endpoint.id)
        assert sealed is not None and secret not in sealed


def _submission(path: str, text: str = "Dark mode") -> Submission:
    made = request(text)
    if path == "repeatable delivery":
        return replace(made, delivery_id="ev-1")
    if path == "captured message":
        return replace(made, source=MessageRef("C-GENERAL", "1700000000.000100"))
    return made


async def _claim(bot: Bot, by: str, later: timedelta = timedelta()) -> list[WebhookDelivery]:
    now = START + later
    async with bot.storage.unit_of_work() as uow:
        claimed = await uow.webhooks.claim(now, by=by, until=now + LEASE, limit=10)
        await uow.commit()
        return claimed


async def _record(bot: Bot, delivery_id: int, endpoint_id: int, *, ok: bool) -> None:
    result = SendResult(204 if ok else 500, None, 0.01)
    state = DeliveryState.DELIVERED if ok else DeliveryState.PENDING
    async with bot.storage.unit_of_work() as uow:
        await uow.webhooks.record(
            [Outcome(delivery_id, endpoint_id, START, result, 1, state, START)]
        )
        await uow.commit()


async def test_no_row_owed_to_an_endpoint_names_an_anonymous_author(engine: AsyncEngine) -> None:
    async with bot_on(engine) as bot:
        await bot.core.webhooks.add(ACME, HOOK)
        feedback = bot.core.feedback
        await feedback.submit(request("Dark mode", anonymous=True))
        await feedback.submit(request("A dark theme", anonymous=True))
        await feedback.vote(ACME, 1, BOB)
        await feedback.change_status(ACME, 1, Status.PLANNED, by=CY)
        await feedback.change_status(ACME, 2, Status.DUPLICATE, by=CY, duplicate_of=1)
        rows = await delivery_rows(engine)
        assert len(rows) == 6
        everything = await every_row(engine)
        assert ADA.user_id not in everything and ADA.display_name not in everything
