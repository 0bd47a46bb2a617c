"""``ChatDirectory``: the chats of the platforms this process runs, by workspace."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import aiohttp

from bot.identity import MessageRef, Person, Platform, Workspace
from bot.messages import Message
from bot.ports import Chat, TryLater
from bot.reminders import Outlet

log = logging.getLogger(__name__)

OutletFactory = Callable[[Workspace], Outlet | None]


class PlatformDirectory:
    """Filled by the composition root with one outlet factory per running platform."""

    def __init__(self) -> None:
        self._platforms: dict[Platform, OutletFactory] = {}

    def register(self, platform: Platform, outlet_for: OutletFactory) -> None:
        self._platforms[platform] = outlet_for

    def outlet_for(self, workspace: Workspace) -> Outlet | None:
        factory = self._platforms.get(workspace.platform)
        return None if factory is None else factory(workspace)

    @property
    def platforms(self) -> list[Platform]:
        return list(self._platforms)


class NetworkFailuresAsChatFailed:
    """A ``Chat`` whose network errors surface as ``TryLater`` (a ``ChatFailed``), so that a
    reminder's post is retried with backoff like a 429 or a 5xx, for a platform adapter that
    lets them through. (An interactive thank-you is not retried after a network error; a
    scheduled post that never appears is the worse failure.)"""

    def __init__(self, chat: Chat) -> None:
        self._chat = chat

    async def post(
        self, channel_id: str, message: Message, *, marker: str | None = None
    ) -> MessageRef:
        try:
            return await self._chat.post(channel_id, message, marker=marker)
        except aiohttp.ClientConnectorError as error:
            # No connection was made, so nothing was sent.
            raise TryLater(f"network: {type(error).__name__}: {error}") from error
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            # The request may have gone out before the error.
            raise TryLater(f"network: {type(error).__name__}: {error}", maybe_sent=True) from error

    async def find_posted(
        self,
        channel_id: str,
        marker: str,
        since: datetime,
        thread: MessageRef | None = None,
        until: datetime | None = None,
    ) -> MessageRef | None:
        return await self._chat.find_posted(channel_id, marker, since, thread, until)

    async def post_private(self, channel_id: str, person: Person, message: Message) -> None:
        await self._chat.post_private(channel_id, person, message)

    async def reply_in_thread(
        self, channel_id: str, thread: MessageRef, message: Message, *, marker: str | None = None
    ) -> MessageRef:
        return await self._chat.reply_in_thread(channel_id, thread, message, marker=marker)
