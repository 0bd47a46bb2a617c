"""Signed outgoing webhooks: what happened to items, told to the endpoints admins register.

An ``Event`` is written in the transaction of the change it reports, as one delivery row per
enabled endpoint of its workspace subscribed to its type (``WebhookStore.emit``): a change
that is rolled back owes nobody anything, and one that is committed is delivered at least once
(``bot.webhook_dispatch``), however the process ends. Receivers dedupe by ``webhook-id``, which
is the event's id on every attempt. Anonymous items never carry their author.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from bot.errors import ConfigError, FeedbackBotError
from bot.identity import Workspace
from bot.messages import Message, Quote
from bot.webhook_events import ITEM_EVENTS, Event, EventType, webhook_test

if TYPE_CHECKING:
    # Only named in annotations: ``bot.ports`` names this module's store on the unit of work.
    from bot.ports import Clock, Seal, UnitOfWorkFactory

SECRET_PREFIX = "whsec_"
SEAL_KEY_VARIABLE = "FEEDBACKBOT_SEAL_KEY"
# How long a test send may keep its delivery claimed; the sender times out well within it.
TEST_LEASE = timedelta(minutes=1)


class WebhookNotFound(FeedbackBotError):
    """No webhook endpoint with that id (in that workspace)."""


class BadEndpoint(FeedbackBotError):
    """An endpoint URL or event list that cannot be used."""


def new_secret() -> str:
    """An endpoint's signing secret in the Standard Webhooks form: ``whsec_`` + base64 of
    24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def parse_events(text: str | None) -> frozenset[EventType] | None:
    """``item.created,item.voted`` as event types; ``None`` (every item event) for nothing or
    ``*``."""
    if text is None or not text.strip() or text.strip() == "*":
        return None
    chosen = set()
    for word in text.replace(" ", ",").split(","):
        if not word:
            continue
        try:
            chosen.add(EventType(word.strip()))
        except ValueError:
            known = ", ".join(sorted(ITEM_EVENTS))
            raise BadEndpoint(f"unknown event {word!r}; known: {known}") from None
    return frozenset(chosen)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where one workspace's events are sent. ``failing_since``: since when its deliveries
    fail with no success between; ``disabled_at`` once a day of that turned it off."""

    id: int
    workspace: Workspace
    url: str
    events: frozenset[EventType]
    enabled: bool
    created_at: datetime
    last_success_at: datetime | None = None
    failing_since: datetime | None = None
    disabled_at: datetime | None = None

    def wants(self, type: EventType) -> bool:
        return type in self.events


@dataclass(slots=True)
class WebhookDelivery:
    """One event owed to one endpoint, as claimed for sending."""

    id: int
    endpoint_id: int
    workspace: Workspace
    event_id: str
    type: EventType
    item_number: int | None
    body: str
    created_at: datetime
    due_at: datetime
    attempts: int
    url: str
    sealed_secret: str


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SendResult:
    """What an endpoint answered: ``status`` is the HTTP status (``None`` when none came:
    ``error`` says why), ``seconds`` how long it took."""

    status: int | None
    error: str | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True, slots=True)
class Outcome:
    """One attempt of a delivery and what it leaves: delivered, failed for good, or pending
    again at ``due_at``."""

    delivery_id: int
    endpoint_id: int
    at: datetime
    result: SendResult
    attempts: int
    state: DeliveryState
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt as ``feedbackbot webhooks deliveries`` lists it."""

    delivery_id: int
    endpoint_id: int
    workspace: Workspace
    event_id: str
    type: EventType
    item_number: int | None
    at: datetime
    status: int | None
    error: str | None
    seconds: float
    state: DeliveryState
    url: str = ""


class WebhookSender(Protocol):
    """Sends one signed request (Standard Webhooks: ``webhook-id``, ``webhook-timestamp``,
    ``webhook-signature``). Never raises for what the endpoint or the network did: that is in
    the result."""

    async def send(
        self, url: str, secret: str, message_id: str, timestamp: datetime, body: bytes
    ) -> SendResult: ...


async def send_sealed(
    sender: WebhookSender, seal: Seal | None, delivery: WebhookDelivery, at: datetime
) -> SendResult:
    """Send ``delivery`` at ``at``, signed with its endpoint's secret opened by ``seal``; a
    secret no key here opens is a failed send, said as such."""
    secret = None if seal is None else seal.open(delivery.sealed_secret)
    if secret is None:
        return SendResult(None, "no seal key here opens this endpoint's secret", 0.0)
    return await sender.send(delivery.url, secret, delivery.event_id, at, delivery.body.encode())


class WebhookStore(Protocol):
    """Endpoints and the deliveries owed to them, in the unit of work's transaction."""

    async def emit(self, events: Sequence[Event]) -> int:
        """One delivery per enabled endpoint of the event's workspace subscribed to its type,
        written in this unit of work's transaction; nothing when none subscribes (a workspace
        without endpoints costs one index probe). How many."""
        ...

    async def add_endpoint(
        self,
        workspace: Workspace,
        url: str,
        events: frozenset[EventType],
        sealed_secret: str,
        at: datetime,
    ) -> Endpoint: ...

    async def endpoints(self, workspace: Workspace | None = None) -> list[Endpoint]:
        """Every endpoint (of that workspace), oldest first."""
        ...

    async def endpoint(self, endpoint_id: int) -> Endpoint | None: ...

    async def sealed_secret(self, endpoint_id: int) -> str | None: ...

    async def remove_endpoint(self, endpoint_id: int) -> bool:
        """Remove it, with its deliveries and their attempts; ``False`` if there was none."""
        ...

    async def deliver_now(
        self, endpoint: Endpoint, event: Event, *, by: str, until: datetime
    ) -> WebhookDelivery:
        """A delivery of ``event`` to ``endpoint`` alone, claimed by ``by`` (a test send)."""
        ...

    async def claim(
        self, now: datetime, *, by: str, until: datetime, limit: int
    ) -> list[WebhookDelivery]:
        """Claim up to ``limit`` pending deliveries due by ``now`` of enabled endpoints that
        nobody holds, oldest due first. Only the oldest pending delivery of each (endpoint,
        item) may be claimed, so an item's events reach each endpoint in order."""
        ...

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        """Note the attempts: each delivery's new state, the attempt itself, and on its
        endpoint the last success (which ends its failing) or since when it fails."""
        ...

    async def release(self, by: str) -> int:
        """Release every claim of ``by`` (a process that stops); how many."""
        ...

    async def failing(self, since: datetime) -> list[Endpoint]:
        """Enabled endpoints failing, with no success, since ``since`` or earlier."""
        ...

    async def disable(self, endpoint_id: int, at: datetime) -> bool:
        """Turn the endpoint off and give up its pending deliveries; ``False`` if it was off
        already (another process did it)."""
        ...

    async def attempts(
        self, workspace: Workspace | None, endpoint_id: int | None, limit: int
    ) -> list[Attempt]:
        """The latest attempts, newest first."""
        ...

    async def forget(self, before: datetime, limit: int) -> int:
        """Forget up to ``limit`` deliveries settled (delivered or given up) before ``before``,
        with their attempts; how many."""
        ...


def compose_disabled(endpoint: Endpoint, since: datetime) -> Message:
    """What the triage channel hears when an endpoint is turned off."""
    return Message.of(
        f"Webhook endpoint {endpoint.id} (",
        Quote(endpoint.url),
        f") has failed every delivery since {since:%Y-%m-%d %H:%M} UTC, so it is now disabled "
        "and its events are no longer sent. Once it answers again, add it anew with "
        "`feedbackbot webhooks add` (and remove this one with "
        f"`feedbackbot webhooks remove {endpoint.id}`).",
    )


def check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadEndpoint(f"{url!r} is not an http(s) URL")
    return url


class WebhookService:
    """Admins' endpoints: add (with a signing secret shown once and kept sealed), list, remove,
    test, and the deliveries' recent attempts. Secrets need the seal key: without one, adding
    is refused with a clear error rather than keeping a secret in the clear."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        seal: Seal | None = None,
        sender: WebhookSender | None = None,
        *,
        owner: str | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._seal = seal
        self.sender = sender
        self._owner = owner or "test-" + secrets.token_hex(6)

    def _sealing(self) -> Seal:
        if self._seal is None:
            raise ConfigError(
                SEAL_KEY_VARIABLE,
                "webhook secrets are kept sealed, so a seal key is needed; make one with "
                "`feedbackbot seal-key`",
            )
        return self._seal

    async def add(
        self, workspace: Workspace, url: str, events: frozenset[EventType] | None = None
    ) -> tuple[Endpoint, str]:
        """Register an endpoint for ``events`` (every item event when ``None``); the secret
        is given back once, here, and kept sealed."""
        seal = self._sealing()
        url = check_url(url)
        chosen = ITEM_EVENTS if not events else frozenset(events)
        if EventType.TEST in chosen:
            chosen -= {EventType.TEST}  # every endpoint can be tested
        if not chosen:
            raise BadEndpoint("subscribe to at least one item event")
        secret = new_secret()
        async with self._uow() as uow:
            endpoint = await uow.webhooks.add_endpoint(
                workspace, url, chosen, seal.seal(secret), self._clock.now()
            )
            await uow.commit()
        return endpoint, secret

    async def endpoints(self, workspace: Workspace | None = None) -> list[Endpoint]:
        async with self._uow() as uow:
            return await uow.webhooks.endpoints(workspace)

    async def remove(self, workspace: Workspace | None, endpoint_id: int) -> bool:
        """Remove an endpoint (of ``workspace``, when given) and whatever it was still owed."""
        async with self._uow() as uow:
            endpoint = await uow.webhooks.endpoint(endpoint_id)
            if endpoint is None or (workspace is not None and endpoint.workspace != workspace):
                return False
            removed = await uow.webhooks.remove_endpoint(endpoint_id)
            await uow.commit()
            return removed

    async def test(self, workspace: Workspace | None, endpoint_id: int) -> Attempt:
        """Send a ``webhook.test`` event to the endpoint at once, signed like every other, and
        record the attempt (enabled or not: testing is how an admin checks it answers)."""
        if self.sender is None:
            raise ConfigError("WEBHOOK", "no webhook sender in this process")
        seal = self._sealing()
        now = self._clock.now()
        async with self._uow() as uow:
            endpoint = await uow.webhooks.endpoint(endpoint_id)
            if endpoint is None or (workspace is not None and endpoint.workspace != workspace):
                raise WebhookNotFound(f"there is no webhook endpoint {endpoint_id} here")
            event = webhook_test(endpoint.workspace, endpoint.id, now)
            delivery = await uow.webhooks.deliver_now(
                endpoint, event, by=self._owner, until=now + TEST_LEASE
            )
            await uow.commit()
        result = await send_sealed(self.sender, seal, delivery, now)
        state = DeliveryState.DELIVERED if result.ok else DeliveryState.FAILED
        outcome = Outcome(delivery.id, endpoint.id, now, result, 1, state, now)
        async with self._uow() as uow:
            await uow.webhooks.record([outcome])
            await uow.commit()
        return Attempt(
            delivery.id,
            endpoint.id,
            endpoint.workspace,
            delivery.event_id,
            EventType.TEST,
            None,
            now,
            result.status,
            result.error,
            result.seconds,
            state,
            endpoint.url,
        )

    async def deliveries(
        self,
        workspace: Workspace | None = None,
        endpoint_id: int | None = None,
        limit: int = 50,
    ) -> list[Attempt]:
        """The latest attempts (of a workspace's endpoints, or of one), newest first."""
        async with self._uow() as uow:
            return await uow.webhooks.attempts(workspace, endpoint_id, limit)
