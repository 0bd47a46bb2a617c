"""Signed outgoing webhooks: what happened to items, told to the endpoints admins register.

An ``Event`` is written in the transaction of the change it reports, as one delivery row per
enabled endpoint of its workspace subscribed to its type (``WebhookStore.emit``): a change
that is rolled back owes nobody anything, and one that is committed is delivered at least once
(``bot.webhook_dispatch``), however the process ends. Receivers dedupe by ``webhook-id``, which
is the event's id on every attempt. Anonymous items never carry their author.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from bot.errors import ConfigError, FeedbackBotError
from bot.identity import Person, Workspace
from bot.issue_links import IssueLink
from bot.items import Item, StatusChange
from bot.messages import Message, Quote

if TYPE_CHECKING:
    # Only named in annotations: ``bot.ports`` names this module's store on the unit of work.
    from bot.ports import Clock, Seal, UnitOfWorkFactory

# The payload's shape; a change that could break a receiver comes with a new version.
PAYLOAD_VERSION = 1
SECRET_PREFIX = "whsec_"
SEAL_KEY_VARIABLE = "FEEDBACKBOT_SEAL_KEY"
# How long a test send may keep its delivery claimed; the sender times out well within it.
TEST_LEASE = timedelta(minutes=1)


class EventType(StrEnum):
    CREATED = "item.created"
    STATUS_CHANGED = "item.status_changed"
    VOTED = "item.voted"
    MERGED = "item.merged"
    LINKED = "item.linked"
    TEST = "webhook.test"


# What an endpoint that names no events is subscribed to: everything that happens to items.
ITEM_EVENTS = frozenset(
    {
        EventType.CREATED,
        EventType.STATUS_CHANGED,
        EventType.VOTED,
        EventType.MERGED,
        EventType.LINKED,
    }
)


class WebhookNotFound(FeedbackBotError):
    """No webhook endpoint with that id (in that workspace)."""


class BadEndpoint(FeedbackBotError):
    """An endpoint URL or event list that cannot be used."""


def new_event_id() -> str:
    """The event's id, also the ``webhook-id`` of each of its deliveries: unique, and the same
    on every retry so receivers can drop repeats."""
    return "evt_" + secrets.token_hex(12)


def new_secret() -> str:
    """An endpoint's signing secret in the Standard Webhooks form: ``whsec_`` + base64 of
    24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def _moment(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _person(person: Person | None) -> dict[str, str] | None:
    return None if person is None else {"id": person.user_id, "name": person.display_name}


def item_payload(item: Item) -> dict[str, object]:
    """The item as webhooks show it; ``author`` is ``None`` for an anonymous item, and nothing
    else of it names its author."""
    shown: dict[str, object] = {
        "number": item.number,
        "kind": item.kind.value,
        "text": item.text,
        "status": item.status.value,
        "priority": None if item.priority is None else item.priority.value,
        "stakeholder": item.stakeholder.value,
        "votes": item.votes,
        "channel": item.channel_id,
        "created_at": _moment(item.created_at),
        "anonymous": item.anonymous,
        "author": None if item.anonymous else _person(item.author),
        "duplicate_of": item.duplicate_of,
    }
    # Items gain their tracker links with issue 16's links part; shown once they have them.
    links: Sequence[IssueLink] | None = getattr(item, "links", None)
    if links is not None:
        shown["links"] = [_link(link) for link in links]
    return shown


def _link(link: IssueLink) -> dict[str, object]:
    return {
        "tracker": link.ref.tracker,
        "key": link.ref.key,
        "url": link.ref.url,
        "linked_at": _moment(link.linked_at),
    }


@dataclass(slots=True)
class Event:
    """One thing that happened to an item, for the endpoints subscribed to its type. Written in
    the transaction of the change it reports; its payload is composed once the item has its
    number (a new item's transaction gives it, as for ``Owed.thanks``). ``item`` is ``None``
    only for a test event."""

    type: EventType
    workspace: Workspace
    at: datetime
    item: Item | None
    data: dict[str, object] = field(default_factory=dict)
    id: str = field(default_factory=new_event_id)

    @property
    def number(self) -> int | None:
        return None if self.item is None else self.item.number

    def payload(self) -> dict[str, object]:
        return {
            "version": PAYLOAD_VERSION,
            "id": self.id,
            "type": self.type.value,
            "timestamp": _moment(self.at),
            "workspace": {"platform": self.workspace.platform.value, "id": self.workspace.id},
            "item": None if self.item is None else item_payload(self.item),
            "data": self.data,
        }

    def body(self) -> str:
        """The payload as the JSON text every delivery of the event sends."""
        return json.dumps(self.payload(), ensure_ascii=False, separators=(",", ":"))


def created(item: Item) -> Event:
    return Event(EventType.CREATED, item.workspace, item.created_at, item)


def status_changed(item: Item, change: StatusChange) -> Event:
    # Who moved it is told, except on an anonymous item: an author who triages their own item
    # would be named by it.
    by = None if item.anonymous else _person(change.by)
    return Event(
        EventType.STATUS_CHANGED,
        item.workspace,
        change.at,
        item,
        {
            "from": change.from_status.value,
            "to": change.to_status.value,
            "by": by,
            "note": change.note,
            "duplicate_of": change.duplicate_of,
        },
    )


def voted(item: Item, votes: int, cast: bool, at: datetime | None = None) -> Event:
    """A vote cast (``cast``) or withdrawn; ``votes`` is the count after it. Voters are never
    named."""
    return Event(
        EventType.VOTED,
        item.workspace,
        at or datetime.now(UTC),
        item,
        {"votes": votes, "cast": cast},
    )


def merged(item: Item, kept: int, at: datetime | None = None) -> Event:
    """``item`` became a duplicate of ``kept``, which gained its votes."""
    return Event(
        EventType.MERGED,
        item.workspace,
        at or item.status_changed_at or datetime.now(UTC),
        item,
        {"into": kept},
    )


def linked(item: Item, link: IssueLink) -> Event:
    return Event(EventType.LINKED, item.workspace, link.linked_at, item, {"link": _link(link)})


def webhook_test(workspace: Workspace, endpoint_id: int, at: datetime) -> Event:
    return Event(EventType.TEST, workspace, at, None, {"endpoint": endpoint_id})


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
        secret = seal.open(delivery.sealed_secret)
        if secret is None:
            result = SendResult(None, "the seal key does not open this endpoint's secret", 0.0)
        else:
            result = await self.sender.send(
                endpoint.url, secret, delivery.event_id, now, delivery.body.encode()
            )
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
