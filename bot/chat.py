"""Where the core's messages reach people: the port every platform adapter implements.

Apart from ``bot.ports`` (which re-exports it) so that the modules whose repositories
``bot.ports.UnitOfWork`` declares can name ``Chat`` without importing ``bot.ports`` back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.identity import MessageRef, Person
from bot.messages import Message


class ChatFailed(Exception):
    """The platform refused or failed a post; ``reason`` is its own error code, for the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ChannelUnavailable(ChatFailed):
    """The bot may not post in that channel (not invited, a DM, archived): for good."""


class TryLater(ChatFailed):
    """A passing failure (rate limited, the platform's 5xx, a timeout, the network): the same
    message may be tried again, after ``retry_after`` seconds when the platform said so.
    ``maybe_sent`` when it may have been posted all the same (a timeout or a dropped
    connection after the request went out), so it must be looked for before trying again."""

    def __init__(
        self, reason: str, retry_after: float | None = None, *, maybe_sent: bool = False
    ) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.maybe_sent = maybe_sent


class Chat(Protocol):
    """Where the core's messages reach people on one platform."""

    async def post(
        self, channel_id: str, message: Message, *, marker: str | None = None
    ) -> MessageRef:
        """Post for everyone in the channel; raise ``ChannelUnavailable`` if the bot may not,
        ``TryLater`` for a passing failure, ``ChatFailed`` for any other. ``marker`` is carried
        with the post, unseen, so that ``find_posted`` can tell whether it was posted."""
        ...

    async def find_posted(
        self,
        channel_id: str,
        marker: str,
        since: datetime,
        thread: MessageRef | None = None,
        until: datetime | None = None,
    ) -> MessageRef | None:
        """The message posted with ``marker`` in that channel (or thread) between ``since``
        and ``until`` (now, when not given); ``None`` if there is none. Raises like ``post``
        when the platform cannot say."""
        ...

    async def post_private(self, channel_id: str, person: Person, message: Message) -> None:
        """Show the message to that person alone, in that channel (an ephemeral message), or
        by direct message where that is the only private way."""
        ...

    async def reply_in_thread(
        self, channel_id: str, thread: MessageRef, message: Message, *, marker: str | None = None
    ) -> MessageRef:
        """Reply in the thread of that message, for everyone in the channel to see."""
        ...


@runtime_checkable
class DirectChat(Chat, Protocol):
    """A ``Chat`` that can also write to one person directly, outside any channel."""

    async def direct_message(self, person: Person, message: Message) -> None:
        """Send the message to that person alone, as a direct message; raise ``ChatFailed``
        when it cannot be delivered (closed DMs, the person left). Never logs who it was for,
        since the person may be the author of an anonymous item."""
        ...
