"""Where the core's messages reach people: the port every platform adapter implements.

Apart from ``bot.ports`` (which re-exports it) so that the modules whose repositories
``bot.ports.UnitOfWork`` declares can name ``Chat`` without importing ``bot.ports`` back.
"""

from __future__ import annotations

from typing import Protocol

from bot.identity import MessageRef, Person
from bot.messages import Message


class ChatFailed(Exception):
    """The platform refused or failed a post; ``reason`` is its own error code, for the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ChannelUnavailable(ChatFailed):
    """The bot may not post in that channel (not invited, a DM, archived)."""


class Chat(Protocol):
    """Where the core's messages reach people on one platform."""

    async def post(self, channel_id: str, message: Message) -> MessageRef:
        """Post for everyone in the channel; raise ``ChannelUnavailable`` if the bot may not,
        ``ChatFailed`` if the platform failed otherwise (after its own retries)."""
        ...

    async def post_private(self, channel_id: str, person: Person, message: Message) -> None:
        """Show the message to that person alone, in that channel (an ephemeral message), or
        by direct message where that is the only private way."""
        ...

    async def reply_in_thread(
        self, channel_id: str, thread: MessageRef, message: Message
    ) -> MessageRef:
        """Reply in the thread of that message, for everyone in the channel to see."""
        ...


class DirectChat(Chat, Protocol):
    """A ``Chat`` that can also write to one person directly, outside any channel."""

    async def direct_message(self, person: Person, message: Message) -> None:
        """Send the message to that person alone, as a direct message; raise ``ChatFailed``
        when it cannot be delivered (closed DMs, the person left). Never logs who it was for,
        since the person may be the author of an anonymous item."""
        ...
