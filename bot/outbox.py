"""What the bot owes people: messages kept as rows until they are delivered.

Everything the bot owes a person or a channel (the thank-you of an item, the author's
confirmation when the platform's acknowledgement could not carry it, private answers) is an
``Owed`` row, written in the same transaction as the change that owes it and deleted from the
pending set only once delivered (``Settled``). ``bot.delivery`` delivers them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.identity import MessageRef, Person, Platform, Workspace
from bot.items import Item
from bot.messages import Message


class Purpose(StrEnum):
    # The item's thank-you in its channel (or the thread of a captured message), where people
    # vote on it; privately to its author where the channel cannot take it.
    THANKS = "thanks"
    # The author's private confirmation of their item, when the acknowledgement came too late.
    CONFIRM = "confirm"
    # A private word to a person in a channel (a refusal, an answer).
    PRIVATE = "private"
    # A direct message, outside any channel.
    DIRECT = "direct"
    # A reply in a thread, for everyone in the channel.
    THREAD = "thread"
    # A post in a channel.
    POST = "post"


# How long each kind of message is worth delivering: a thank-you is how people vote, so it is
# worth hours; a private confirmation travels by the command's response URL, which Slack
# honours for 30 minutes, and after that as a direct message.
LIFETIME = {
    Purpose.THANKS: timedelta(hours=6),
    Purpose.CONFIRM: timedelta(hours=6),
    Purpose.PRIVATE: timedelta(hours=1),
    Purpose.DIRECT: timedelta(hours=24),
    Purpose.THREAD: timedelta(hours=24),
    Purpose.POST: timedelta(hours=24),
}
RESPONSE_URL_LIFETIME = timedelta(minutes=29)


def new_key() -> str:
    """A marker no other message shares, short enough for Discord's 25-character nonce."""
    return "m" + secrets.token_hex(11)


def thanks_key(workspace: Workspace, number: int) -> str:
    """The marker of an item's thank-you: one per item, known from the item alone, so the
    request that stored it and any later delivery name the same row."""
    return "t" + hashlib.blake2b(f"{workspace}#{number}".encode(), digest_size=11).hexdigest()


@dataclass(slots=True)
class Owed:
    """One message owed. ``message`` is ``None`` when it is composed from the item when it is
    delivered (a thank-you names the item's number, which its transaction gives it). ``person``
    is whom a private message is for; ``sealed`` when ``person.user_id`` is a sealed handle (an
    anonymous author's). ``maybe_sent`` when an earlier attempt may have posted it."""

    workspace: Workspace
    purpose: Purpose
    created_at: datetime
    fixed_key: str | None = field(default_factory=new_key)
    channel_id: str | None = None
    thread: MessageRef | None = None
    person: Person | None = None
    sealed: bool = False
    response_url: str | None = None
    message: Message | None = None
    item_number: int | None = None
    attempts: int = 0
    maybe_sent: bool = False
    # When the attempt that may have posted it began: where to look for it.
    tried_at: datetime | None = None
    due_at: datetime | None = None
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    # In memory only: the new item whose transaction numbers it.
    item: Item | None = None

    @classmethod
    def thanks(cls, item: Item, thread: MessageRef | None = None) -> Owed:
        """The thank-you of ``item``, in its channel or in ``thread`` (a captured message's)."""
        return cls(
            item.workspace,
            Purpose.THANKS,
            item.created_at,
            fixed_key=None,
            channel_id=item.channel_id,
            thread=thread,
            item=item,
        )

    def to_author(self, item: Item, known: Person | None = None) -> Owed:
        """Addressed to the author of ``item`` (``known``: as the request that stored it knows
        them): by name, or through the sealed handle of an anonymous author."""
        author = known or item.author
        if author is not None:
            self.person = author
        elif item.author_handle is not None:
            self.person, self.sealed = Person(item.author_handle, ""), True
        return self

    @property
    def key(self) -> str:
        if self.fixed_key is not None:
            return self.fixed_key
        number = self.number
        assert number is not None, "a thank-you is keyed once its item is numbered"
        self.fixed_key = thanks_key(self.workspace, number)
        return self.fixed_key

    @property
    def platform(self) -> Platform:
        return self.workspace.platform

    @property
    def number(self) -> int | None:
        return self.item.number if self.item is not None else self.item_number

    @property
    def expires_at(self) -> datetime:
        return self.created_at + LIFETIME[self.purpose]


@dataclass(frozen=True, slots=True)
class Settled:
    """An owed message that needs nothing more: delivered (``posted`` is where, when it went to
    a channel), or given up for good with the reason in ``outcome``."""

    key: str
    at: datetime
    outcome: str
    posted: MessageRef | None = None


@dataclass(frozen=True, slots=True)
class Postponed:
    """An owed message to try again at ``due_at``; ``maybe_sent`` when an attempt (the one
    that began at ``tried_at``) may have posted it, so it is looked for first."""

    key: str
    due_at: datetime
    attempts: int
    maybe_sent: bool
    reason: str
    tried_at: datetime | None = None


class OutboxStore(Protocol):
    """The owed messages. A message is claimed by one process at a time, for a lease, so that
    workers and replicas share the delivering and none delivers a message another is
    delivering; a claim whose process died ends with its lease."""

    async def add(self, owed: list[Owed]) -> None:
        """Keep owed messages (claimed, when ``claimed_by`` delivers them at once itself). A
        thank-you owed twice for one item is kept once."""
        ...

    async def claim(
        self, platforms: frozenset[Platform], now: datetime, *, by: str, until: datetime, limit: int
    ) -> list[Owed]:
        """Claim up to ``limit`` messages due by ``now`` on those platforms that nobody holds,
        oldest due first."""
        ...

    async def settle(self, settled: list[Settled]) -> None: ...

    async def postpone(self, postponed: list[Postponed]) -> None:
        """Release the claim and keep the message for ``due_at``."""
        ...

    async def release(self, by: str) -> int:
        """Release every claim of ``by`` (a process that stops), so the next start delivers
        them at once; how many."""
        ...

    async def pending(self) -> int:
        """How many messages are owed still."""
        ...
