"""Delivering webhook events: claimed with a lease, sent signed, retried with back-off, and an
endpoint that fails for a day turned off, with its workspace's admins told.

A delivery is claimed by one process at a time for a lease (as the chat outbox's messages are,
``bot.delivery``): a process that dies mid-send leaves its claims to run out, and they are sent
again (at least once; receivers dedupe by ``webhook-id``). Only the oldest pending delivery of
each (endpoint, item) can be claimed, so each endpoint hears an item's events in order, and a
failing one holds back the later events of that item alone. Results are written in batches
(``bot.batching``), so a busy dispatcher spends one transaction on many sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.batching import GroupCommit
from bot.errors import StorageError
from bot.folding import Folding
from bot.outbox import Owed, Purpose
from bot.ports import Clock, Seal, UnitOfWorkFactory
from bot.slas import TriageChannels
from bot.webhooks import (
    DeliveryState,
    Endpoint,
    Outcome,
    SendResult,
    WebhookDelivery,
    WebhookSender,
    compose_disabled,
    send_sealed,
)

log = logging.getLogger(__name__)

# Longer than one send can take (the sender times out after 10 s by default) with its result
# written; a dead process's deliveries are sent again once it runs out.
LEASE = timedelta(seconds=60)
# Seconds before the first retry, doubling after each failure up to the longest wait.
FIRST_WAIT_S = 5.0
LONGEST_WAIT_S = 3600.0
# A delivery is retried for this long after its event, then given up (``failed``).
GIVE_UP_AFTER = timedelta(hours=24)
# An endpoint that failed every delivery for this long is turned off.
DISABLE_AFTER = timedelta(hours=24)
# How often failing endpoints are looked for, and old deliveries forgotten.
DISABLE_CHECK_EVERY = timedelta(minutes=1)
# How long settled deliveries (and their attempts) are kept for ``webhooks deliveries``.
KEEP_SETTLED = timedelta(days=7)
FORGET_BATCH = 1000
# Sends under way at once: an endpoint's answer takes tens of milliseconds, nearly all of it
# waiting, so many at once keep one process busy (bench/webhooks.py: 64 gave about 700 events/s
# with 50 ms answers, 128 about 1,000).
CONCURRENCY = 128


def wait_after(attempts: int, jitter: float = 1.0) -> float:
    """Seconds before the next try after ``attempts`` failed ones: 5, 10, 20 ... up to an hour,
    times ``jitter`` (around 1), so that many deliveries failed together do not retry together."""
    doubled: float = FIRST_WAIT_S * 2.0 ** max(attempts - 1, 0)
    return min(doubled, LONGEST_WAIT_S) * jitter


def _jitter() -> float:
    return random.uniform(0.8, 1.2)


@dataclass(frozen=True, slots=True)
class Disabled:
    """An endpoint turned off, and whether its workspace's triage channel is owed the news."""

    endpoint: Endpoint
    told: bool


class WebhookDispatch:
    """Sends pending webhook deliveries through ``sender``. ``channels`` are the triage
    channels of the platforms this process serves: with them it also turns off the endpoints
    that failed for a day, and owes each one's triage channel a post saying so (delivered by
    the chat outbox); without them it only delivers. ``owner`` names this process in its
    claims."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        seal: Seal | None,
        sender: WebhookSender,
        *,
        channels: TriageChannels | None = None,
        owner: str | None = None,
        lease: timedelta = LEASE,
        concurrency: int = CONCURRENCY,
        jitter: Callable[[], float] = _jitter,
        give_up_after: timedelta = GIVE_UP_AFTER,
        disable_after: timedelta = DISABLE_AFTER,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._seal = seal
        self.sender = sender
        self.channels = channels
        self.owner = owner or "wh-" + secrets.token_hex(6)
        self._lease = lease
        self.concurrency = concurrency
        self._jitter = jitter
        self._give_up_after = give_up_after
        self._disable_after = disable_after
        self._record: GroupCommit[Outcome, None] = GroupCommit(self._record_all)
        self._checked: datetime | None = None
        self._failing = Folding()

    # -- one round (tests, and what ``run`` repeats) -----------------------------------------

    async def run_due(self, limit: int | None = None) -> int:
        """Claim the deliveries due now (up to ``limit``, ``concurrency`` by default), send them
        ``concurrency`` at a time, record how each went; then turn off the endpoints that
        failed for a day, when this process tells triage channels. How many were sent."""
        now = self._clock.now()
        claimed = await self._claim(limit or self.concurrency, now)
        gate = asyncio.Semaphore(self.concurrency)

        async def one(delivery: WebhookDelivery) -> None:
            async with gate:
                await self._deliver(delivery)

        await asyncio.gather(*(one(each) for each in claimed))
        await self._check_failing(now)
        return len(claimed)

    async def run(self, stopping: asyncio.Event, every: float = 1.0) -> None:
        """Deliver until ``stopping`` is set, keeping up to ``concurrency`` sends under way:
        more are claimed as soon as some finish, so one slow endpoint holds up only its own."""
        under_way: set[asyncio.Task[None]] = set()
        # Claims wait for this much room: a claim per finished send would keep SQLite's one
        # writer busy with tiny transactions, and the bot's other writes waiting.
        refill = max(1, self.concurrency // 4)
        try:
            while not stopping.is_set():
                room = self.concurrency - len(under_way)
                claimed: list[WebhookDelivery] = []
                if room >= refill or not under_way:
                    try:
                        now = self._clock.now()
                        claimed = await self._claim(room, now)
                        await self._check_failing(now)
                    except StorageError:
                        pass  # the database is down; storage logs it
                    except Exception:
                        log.exception("a webhook round failed")
                for delivery in claimed:
                    under_way.add(asyncio.create_task(self._deliver(delivery)))
                if claimed and len(claimed) == room:
                    continue  # there may be more due at once
                stop: asyncio.Task[None] = asyncio.create_task(_wait(stopping))
                try:
                    done, _ = await asyncio.wait(
                        {*under_way, stop}, timeout=every, return_when=asyncio.FIRST_COMPLETED
                    )
                finally:
                    stop.cancel()
                under_way -= done
        except asyncio.CancelledError:
            # Stopped for good: what was being sent stays claimed until released.
            for task in under_way:
                task.cancel()
            await asyncio.gather(*under_way, return_exceptions=True)
            raise
        # Sends under way finish (within the sender's timeout) and are recorded; the caller
        # bounds how long it waits for that.
        await asyncio.gather(*under_way, return_exceptions=True)

    async def release(self) -> int:
        """Release this process's claims (it is stopping), so the next start sends them at
        once; how many."""
        async with self._uow() as uow:
            released = await uow.webhooks.release(self.owner)
            await uow.commit()
            return released

    # -- the steps ------------------------------------------------------------------------------

    async def _claim(self, limit: int, now: datetime) -> list[WebhookDelivery]:
        async with self._uow() as uow:
            claimed = await uow.webhooks.claim(
                now, by=self.owner, until=now + self._lease, limit=limit
            )
            await uow.commit()
            return claimed

    async def _deliver(self, delivery: WebhookDelivery) -> None:
        try:
            await self._attempt(delivery)
        except Exception:
            # Never the end of delivering: its claim runs out and it is sent again.
            log.exception("a webhook delivery failed")

    async def _attempt(self, delivery: WebhookDelivery) -> None:
        at = self._clock.now()
        try:
            result = await send_sealed(self.sender, self._seal, delivery, at)
        except Exception as error:  # the sender says what failed; this is a bug's net
            log.exception("sending a webhook failed")
            result = SendResult(None, type(error).__name__, 0.0)
        outcome = self._outcome(delivery, at, result)
        if not result.ok:
            self._say_failing(delivery, outcome)
        try:
            await self._record(outcome)
        except StorageError:
            # Its claim runs out and it is sent again: at least once.
            log.warning("could not record a webhook delivery: the database failed")

    def _outcome(self, delivery: WebhookDelivery, at: datetime, result: SendResult) -> Outcome:
        attempts = delivery.attempts + 1
        if result.ok:
            state, due = DeliveryState.DELIVERED, at
        elif at - delivery.created_at >= self._give_up_after:
            state, due = DeliveryState.FAILED, at
        else:
            state = DeliveryState.PENDING
            due = at + timedelta(seconds=wait_after(attempts, self._jitter()))
        return Outcome(delivery.id, delivery.endpoint_id, at, result, attempts, state, due)

    def _say_failing(self, delivery: WebhookDelivery, outcome: Outcome) -> None:
        reason = outcome.result.error or f"HTTP {outcome.result.status}"
        folded = self._failing.say(f"{delivery.endpoint_id}:{reason}", outcome.at.timestamp())
        if folded is None:
            return
        more = self._failing.more(folded)
        if outcome.state is DeliveryState.FAILED:
            log.warning(
                "gave up a webhook to endpoint %s after %d attempts: %s%s",
                delivery.endpoint_id,
                outcome.attempts,
                reason,
                more,
            )
        else:
            log.warning(
                "a webhook to endpoint %s failed (%s), tried again at %s%s",
                delivery.endpoint_id,
                reason,
                f"{outcome.due_at:%H:%M:%S}",
                more,
            )

    async def _record_all(self, outcomes: list[Outcome]) -> list[None]:
        async with self._uow() as uow:
            await uow.webhooks.record(outcomes)
            await uow.commit()
        return [None] * len(outcomes)

    async def _check_failing(self, now: datetime) -> None:
        """Once a minute: forget what was settled a week ago, and (with triage channels) turn
        off the endpoints that failed for a day."""
        if self._checked is not None and now - self._checked < DISABLE_CHECK_EVERY:
            return
        self._checked = now
        async with self._uow() as uow:
            await uow.webhooks.forget(now - KEEP_SETTLED, FORGET_BATCH)
            await uow.commit()
        if self.channels is not None:
            await self.disable_failing(now)

    async def disable_failing(self, now: datetime | None = None) -> list[Disabled]:
        """Turn off the endpoints that failed every delivery for a day, and owe each one's
        triage channel a post saying so, in the transaction that turns it off (so the news is
        neither lost nor told twice, whichever process does it)."""
        now = now or self._clock.now()
        disabled: list[Disabled] = []
        async with self._uow() as uow:
            for endpoint in await uow.webhooks.failing(now - self._disable_after):
                if not await uow.webhooks.disable(endpoint.id, now):
                    continue
                owed = self._news(endpoint, now)
                if owed is not None:
                    await uow.outbox.add([owed])
                disabled.append(Disabled(endpoint, owed is not None))
            await uow.commit()
        for each in disabled:
            log.warning(
                "disabled webhook endpoint %s of %s: every delivery failed since %s%s",
                each.endpoint.id,
                each.endpoint.workspace,
                each.endpoint.failing_since,
                "" if each.told else " (no triage channel to tell)",
            )
        return disabled

    def _news(self, endpoint: Endpoint, now: datetime) -> Owed | None:
        outlet = None if self.channels is None else self.channels.outlet(endpoint.workspace)
        if outlet is None:
            return None
        since = endpoint.failing_since or now
        return Owed(
            endpoint.workspace,
            Purpose.POST,
            now,
            channel_id=outlet.channel_id,
            message=compose_disabled(endpoint, since),
        )


async def _wait(event: asyncio.Event) -> None:
    await event.wait()


async def stop_dispatch(dispatch: WebhookDispatch, task: asyncio.Task[None], wait: float) -> int:
    """Stop ``task`` (running ``dispatch.run``) within ``wait`` seconds and release the claims
    it leaves; how many were released."""
    with contextlib.suppress(TimeoutError, asyncio.CancelledError):
        await asyncio.wait_for(task, wait)
    try:
        return await dispatch.release()
    except StorageError:
        return 0  # the claims run out by themselves
