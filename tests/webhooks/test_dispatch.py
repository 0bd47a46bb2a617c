"""The dispatcher against the receiver fake, on SQLite and PostgreSQL, on an injected clock:
signed deliveries the receiver verifies, retries with back-off until it answers, each item's
events in order, given up after a day, and an endpoint failing for a day turned off with its
admins told in the triage channel."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import ConfigError
from bot.identity import Platform
from bot.items import Status
from bot.outbox import Purpose
from bot.slas import TriageChannels
from bot.webhooks import DeliveryState, EventType, WebhookService
from tests.fakes import ACME, BOB, START, FakeChat, request
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import Bot, bot_on, delivery_rows

TRIAGE = "C-TRIAGE"


async def hooked(bot: Bot, receiver: Receiver) -> int:
    endpoint, secret = await bot.core.webhooks.add(ACME, receiver.url())
    receiver.trust(secret)
    return endpoint.id


async def until_settled(bot: Bot, *, step: timedelta = timedelta(hours=1), rounds: int = 60) -> int:
    """Run rounds, moving the clock on by ``step`` between them, until nothing is pending."""
    for round_ in range(rounds):
        await bot.dispatch.run_due(limit=100)
        if all(r["state"] != "pending" for r in await delivery_rows(bot.engine)):
            return round_
        bot.clock.advance(step)
    raise AssertionError("deliveries still pending")


async def test_a_delivery_arrives_signed_and_the_receiver_verifies_it(engine: AsyncEngine) -> None:
    async with bot_on(engine) as bot, Receiver(now=bot.clock.now) as receiver:
        endpoint_id = await hooked(bot, receiver)
        await bot.core.feedback.submit(request("Dark mode"))
        assert await bot.dispatch.run_due() == 1
        (sent,) = receiver.requests
        assert sent.verified and sent.status == 204
        assert sent.headers["content-type"] == "application/json"
        assert sent.headers["user-agent"].startswith("feedbackbot")
        assert sent.headers["webhook-timestamp"] == str(int(START.timestamp()))
        (payload,) = receiver.payloads
        assert payload["type"] == "item.created" and payload["item"]["number"] == 1
        assert sent.webhook_id == payload["id"]
        (attempt,) = await bot.core.webhooks.deliveries(ACME)
        assert (attempt.endpoint_id, attempt.status, attempt.state) == (
            endpoint_id,
            204,
            DeliveryState.DELIVERED,
        )
        assert await bot.dispatch.run_due() == 0  # delivered once


async def test_a_failing_receiver_is_retried_with_back_off_until_it_answers(
    engine: AsyncEngine,
) -> None:
    async with bot_on(engine) as bot, Receiver(now=bot.clock.now) as receiver:
        await hooked(bot, receiver)
        receiver.status = 503
        await bot.core.feedback.submit(request("Dark mode"))
        assert await bot.dispatch.run_due() == 1
        for wait in (5, 10, 20):
            bot.clock.advance(timedelta(seconds=wait - 1))
            assert await bot.dispatch.run_due() == 0  # not due yet
            bot.clock.advance(timedelta(seconds=1))
            assert await bot.dispatch.run_due() == 1
        receiver.status = None
        bot.clock.advance(timedelta(seconds=40))
        assert await bot.dispatch.run_due() == 1
        assert len(receiver.payloads) == 1
        # The same webhook-id on every attempt: receivers drop repeats by it.
        assert len({request.webhook_id for request in receiver.requests}) == 1
        attempts = await bot.core.webhooks.deliveries(ACME)
        assert [a.status for a in attempts] == [204, 503, 503, 503, 503]
        assert attempts[0].state is DeliveryState.DELIVERED


async def test_a_receiver_down_then_up_gets_every_event_once_in_order_per_item(
    engine: AsyncEngine,
) -> None:
    async with bot_on(engine) as bot, Receiver(now=bot.clock.now) as receiver:
        await hooked(bot, receiver)
        await receiver.go_down()
        feedback = bot.core.feedback
        await feedback.submit(request("Dark mode"))
        await feedback.submit(request("Offline mode"))
        await feedback.vote(ACME, 1, BOB)
        await feedback.change_status(ACME, 1, Status.PLANNED)
        await feedback.vote(ACME, 2, BOB)
        for _ in range(4):
            # Only each item's oldest event is tried while it fails.
            assert await bot.dispatch.run_due() in (0, 2)
            bot.clock.advance(timedelta(minutes=1))
        attempts = await bot.core.webhooks.deliveries(ACME)
        assert {a.type for a in attempts} == {EventType.CREATED}
        assert all(a.status is None and a.error for a in attempts)
        await receiver.come_up()
        await until_settled(bot, step=timedelta(minutes=10))
        assert [p["type"] for p in receiver.of_item(1)] == [
            "item.created",
            "item.voted",
            "item.status_changed",
        ]
        assert [p["type"] for p in receiver.of_item(2)] == ["item.created", "item.voted"]
        assert len(receiver.ids) == len(set(receiver.ids)) == 5


async def test_a_delivery_failing_for_a_day_is_given_up_and_listed_as_failed(
    engine: AsyncEngine,
) -> None:
    async with bot_on(engine) as bot, Receiver(now=bot.clock.now) as receiver:
        await hooked(bot, receiver)
        receiver.status = 500
        await bot.core.feedback.submit(request("Dark mode"))
        await until_settled(bot)
        assert bot.clock.now() - START >= timedelta(hours=24)
        (row,) = await delivery_rows(engine)
        assert row["state"] == "failed" and row["last_status"] == 500
        latest, *earlier = await bot.core.webhooks.deliveries(ACME, limit=100)
        assert latest.state is DeliveryState.FAILED and latest.status == 500
        # Waits grew to the hour: a day of retries takes a few dozen attempts, not thousands.
        assert 20 <= len(earlier) + 1 <= 40


async def test_an_endpoint_failing_for_a_day_is_disabled_and_its_triage_channel_told(
    engine: AsyncEngine,
) -> None:
    async with bot_on(engine) as bot, Receiver(now=bot.clock.now) as receiver:
        channels = TriageChannels()
        channels.serve(Platform.SLACK, FakeChat(), TRIAGE)
        bot.dispatch.channels = channels
        endpoint_id = await hooked(bot, receiver)
        await receiver.go_down()
        await bot.core.feedback.submit(request("Dark mode"))
        await until_settled(bot)
        (endpoint,) = await bot.core.webhooks.endpoints(ACME)
        assert not endpoint.enabled and endpoint.disabled_at is not None
        assert endpoint.failing_since == START
        async with bot.storage.unit_of_work() as uow:
            now = bot.clock.now()
            claimed = await uow.outbox.claim(
                frozenset({Platform.SLACK}), now, by="t", until=now + timedelta(minutes=1), limit=9
            )
        # Beside the item's own thank-you, one post for the triage channel.
        (owed,) = [each for each in claimed if each.purpose is Purpose.POST]
        assert owed.channel_id == TRIAGE and owed.workspace == ACME
        assert owed.message is not None
        told = owed.message.plain
        assert f"Webhook endpoint {endpoint_id}" in told and receiver.url() in told
        assert "disabled" in told
        # Turned off: nothing more is owed to it, and it is told once.
        await bot.core.feedback.submit(request("Offline mode"))
        assert len(await delivery_rows(engine)) == 1
        assert await bot.dispatch.disable_failing() == []


async def test_run_delivers_as_events_come_until_stopped(engine: AsyncEngine) -> None:
    async with bot_on(engine) as bot, Receiver(now=bot.clock.now) as receiver:
        await hooked(bot, receiver)
        stopping = asyncio.Event()
        running = asyncio.create_task(bot.dispatch.run(stopping, every=0.01))
        for n in range(3):
            await bot.core.feedback.submit(request(f"idea {n}"))
        await receiver.wait_for(lambda r: len(r.payloads) == 3)
        stopping.set()
        await asyncio.wait_for(running, 5)
        assert await bot.dispatch.release() == 0
        assert sorted(p["item"]["number"] for p in receiver.payloads) == [1, 2, 3]


async def test_testing_an_endpoint_sends_a_signed_test_event_and_records_it(
    engine: AsyncEngine,
) -> None:
    async with bot_on(engine) as bot, Receiver(now=bot.clock.now) as receiver:
        endpoint_id = await hooked(bot, receiver)
        attempt = await bot.core.webhooks.test(ACME, endpoint_id)
        assert attempt.status == 204 and attempt.state is DeliveryState.DELIVERED
        (payload,) = receiver.payloads
        assert payload["type"] == "webhook.test" and payload["data"] == {"endpoint": endpoint_id}
        await receiver.go_down()
        failed = await bot.core.webhooks.test(ACME, endpoint_id)
        assert failed.status is None and failed.error and failed.state is DeliveryState.FAILED
        listed = await bot.core.webhooks.deliveries(endpoint_id=endpoint_id)
        assert [a.state for a in listed] == [DeliveryState.FAILED, DeliveryState.DELIVERED]


async def test_without_a_seal_key_an_endpoint_is_refused(engine: AsyncEngine) -> None:
    async with bot_on(engine) as bot:
        unsealed = WebhookService(bot.storage.unit_of_work, bot.clock, seal=None)
        with pytest.raises(ConfigError, match="FEEDBACKBOT_SEAL_KEY"):
            await unsealed.add(ACME, "https://hooks.example.com/x")
        assert await bot.core.webhooks.endpoints() == []


async def test_settled_deliveries_are_forgotten_after_a_week(engine: AsyncEngine) -> None:
    async with bot_on(engine) as bot, Receiver(now=bot.clock.now) as receiver:
        await hooked(bot, receiver)
        await bot.core.feedback.submit(request("Dark mode"))
        await bot.dispatch.run_due()
        bot.clock.advance(timedelta(days=6))
        await bot.core.feedback.submit(request("Offline mode"))
        await bot.dispatch.run_due()
        assert len(await bot.core.webhooks.deliveries(ACME)) == 2
        bot.clock.advance(timedelta(days=1, minutes=1))
        await bot.dispatch.run_due()
        (kept,) = await bot.core.webhooks.deliveries(ACME)
        assert kept.item_number == 2
        assert [r["item_number"] for r in await delivery_rows(engine)] == [2]
