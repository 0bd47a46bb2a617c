"""The ``Chat`` port on Slack's Web API, for one incoming request."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.blocks import message_blocks
from adapters.slack.formatting import render
from adapters.slack.web_api import WebApiError, call
from bot.identity import MessageRef, Person
from bot.messages import Message
from bot.ports import ChannelUnavailable, ChatFailed, TryLater

log = logging.getLogger(__name__)

# Errors that mean "the bot may not post here", as opposed to Slack failing.
UNAVAILABLE = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_non_threadable_channel",
        "team_access_not_granted",
        "cannot_reply_to_message",
    }
)


def slack_error(error: SlackApiError) -> str:
    return str(error.response.get("error", "unknown_error"))


def content(message: Message) -> dict[str, Any]:
    """The arguments that show ``message``: its text, and blocks when it has buttons (its
    text then stays as the notification's fallback)."""
    text = render(message)
    blocks = message_blocks(message, text)
    return {"text": text} if blocks is None else {"text": text, "blocks": blocks}


# The metadata event that carries an owed message's marker, unseen by people, so a post whose
# answer was lost can be found before it is tried again.
MARKER_EVENT = "feedbackbot_owed"
# How many pages (of 200) of history one look reads at most.
LOOK_PAGES = 50
# How much wider than asked a look reads, so that the looks of messages posted around the same
# time (after an outage, hundreds) are answered by one read.
LOOK_WIDER_S = 30.0
# How long a read answers later looks.
READ_KEPT_S = 120.0


class SlackChat:
    """Posts through the Web API. ``response_url`` (a slash command's) is the private way to
    reach the person when there is one; otherwise an ephemeral message, else a DM."""

    def __init__(
        self,
        client: AsyncWebClient,
        response_url: str | None = None,
        history: HistoryReads | None = None,
    ) -> None:
        self._client = client
        self._response_url = response_url
        self._history = history

    async def _post(self, marker: str | None, **arguments: Any) -> MessageRef:
        # No link_names: nothing we post may turn a typed @name into a ping. A rate limit is
        # not waited out here: the outbox holds the channel and tries again when Slack says.
        if marker is not None:
            arguments["metadata"] = {"event_type": MARKER_EVENT, "event_payload": {"key": marker}}
        try:
            response = await self._post_message(arguments)
        except WebApiError as error:
            raise _chat_failure(error, arguments.get("channel")) from None
        return MessageRef(str(response["channel"]), str(response["ts"]))

    async def _post_message(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return await call(
            self._client,
            "chat.postMessage",
            {"unfurl_links": False, "unfurl_media": False, **arguments},
            rate_limit_retries=0,
        )

    async def post(
        self, channel_id: str, message: Message, *, marker: str | None = None
    ) -> MessageRef:
        return await self._post(marker, channel=channel_id, **content(message))

    async def reply_in_thread(
        self, channel_id: str, thread: MessageRef, message: Message, *, marker: str | None = None
    ) -> MessageRef:
        return await self._post(
            marker, channel=channel_id, thread_ts=thread.message_id, **content(message)
        )

    async def find_posted(
        self,
        channel_id: str,
        marker: str,
        since: datetime,
        thread: MessageRef | None = None,
        until: datetime | None = None,
    ) -> MessageRef | None:
        reads = self._history or HistoryReads()
        oldest, latest = since.timestamp(), (until or datetime.now(UTC)).timestamp()
        found = reads.find(channel_id, thread, marker, oldest, latest)
        if found is None:
            markers = await reads.read(
                channel_id, thread, oldest, lambda **page: self._read_page(thread, **page)
            )
            found = markers.get(marker)
        return None if not found else MessageRef(channel_id, found)

    async def _read_page(self, thread: MessageRef | None, **arguments: Any) -> dict[str, Any]:
        if thread is not None:
            arguments["ts"] = thread.message_id
        read = (
            self._client.conversations_replies
            if thread is not None
            else self._client.conversations_history
        )
        try:
            page = await read(include_all_metadata=True, limit=200, **arguments)
            return page.data if isinstance(page.data, dict) else {}
        except SlackApiError as error:
            raise _chat_failure(
                WebApiError("conversations.history", slack_error(error)), arguments.get("channel")
            ) from None
        except (aiohttp.ClientError, TimeoutError):
            raise TryLater("unreachable") from None

    async def direct_message(self, person: Person, message: Message) -> None:
        """A message in the person's DM with the bot (``chat.postMessage`` to a user id opens
        it). Failures carry Slack's error code only: the person may be an anonymous author."""
        try:
            await self._post_message({"channel": person.user_id, **content(message)})
        except WebApiError as error:
            raise _chat_failure(error, None) from None

    async def post_private(self, channel_id: str, person: Person, message: Message) -> None:
        """Through the response URL, else as an ephemeral message, else as a DM; raises the
        last failure when none of them took it."""
        shown = content(message)
        # A response URL expires (30 minutes, five uses): a form left open outlives it.
        if self._response_url is not None and await respond_privately(
            self._client, self._response_url, shown["text"], shown.get("blocks")
        ):
            return
        passing: WebApiError | None = None
        if channel_id:
            try:
                await call(
                    self._client,
                    "chat.postEphemeral",
                    {"channel": channel_id, "user": person.user_id, **shown},
                    rate_limit_retries=0,
                )
                return
            except WebApiError as error:
                log.info("ephemeral message failed (%s); sending a DM", error.code)
                passing = error if error.passing else None
        try:
            await self._post_message({"channel": person.user_id, **shown})
        except WebApiError as error:
            # A DM that fails for good after an ephemeral message failed for now: try again.
            raise _chat_failure(
                error if error.passing or passing is None else passing, None
            ) from None


class SlackDeliveries:
    """The outbox's way to Slack: a chat per message, through its response URL while live,
    all sharing what they read of channels' history looking for posts."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._history = HistoryReads()

    def chat(self, response_url: str | None = None) -> SlackChat:
        return SlackChat(self._client, response_url, self._history)


@dataclass(slots=True)
class _Read:
    oldest: float
    latest: float
    markers: dict[str, str]  # marker -> ts
    at: float


ReadPage = Callable[..., Awaitable[dict[str, Any]]]


class HistoryReads:
    """Channel history read for markers, kept a little while: after an outage many messages are
    looked for in one channel at once, and one read serves them all. A read answers a look
    only if it covers the look's whole window: everything posted in it was there to be seen."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._reads: dict[tuple[str, str | None], list[_Read]] = {}

    def find(
        self, channel: str, thread: MessageRef | None, marker: str, oldest: float, latest: float
    ) -> str | None:
        """The ts of the post with ``marker``; ``""`` when a kept read shows there is none;
        ``None`` when no kept read covers the window."""
        now = self._monotonic()
        kept = [
            read
            for read in self._reads.get(_where(channel, thread), [])
            if now - read.at < READ_KEPT_S
        ]
        self._reads[_where(channel, thread)] = kept
        for read in kept:
            if read.oldest <= oldest and read.latest >= latest:
                return read.markers.get(marker, "")
        return None

    async def read(
        self, channel: str, thread: MessageRef | None, oldest: float, read_page: ReadPage
    ) -> dict[str, str]:
        """Read the history from a little before ``oldest`` until now; the markers found."""
        latest = time.time()
        arguments: dict[str, Any] = {"channel": channel, "oldest": f"{oldest - LOOK_WIDER_S:.6f}"}
        markers: dict[str, str] = {}
        for _ in range(LOOK_PAGES):
            page = await read_page(**arguments)
            for message in page.get("messages") or []:
                payload = (message.get("metadata") or {}).get("event_payload") or {}
                if payload.get("key"):
                    markers[str(payload["key"])] = str(message.get("ts"))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
            arguments["cursor"] = cursor
        else:
            latest = oldest  # not read to the end: it answers no later look
        self._reads.setdefault(_where(channel, thread), []).append(
            _Read(oldest - LOOK_WIDER_S, latest, markers, self._monotonic())
        )
        return markers


def _where(channel: str, thread: MessageRef | None) -> tuple[str, str | None]:
    return channel, None if thread is None else thread.message_id


def _chat_failure(error: WebApiError, channel: object) -> ChatFailed:
    """The port's failure for one of Slack's."""
    if error.code in UNAVAILABLE:
        return ChannelUnavailable(error.code)
    if error.passing:
        return TryLater(error.code, error.retry_after, maybe_sent=error.maybe_sent)
    log.error("%s failed in %s: %s", error.method, channel, error.code)
    return ChatFailed(error.code)


async def respond_privately(
    client: AsyncWebClient,
    response_url: str,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
) -> bool:
    """An ephemeral answer through a command's (or a pressed button's) response URL, on the
    Web API client's HTTP session (Bolt's own ``respond`` opens a new connection each time),
    never replacing the message the button was on; whether Slack took it."""
    webhook = AsyncWebhookClient(response_url, session=client.session)
    try:
        response = await webhook.send(
            text=text, blocks=blocks, response_type="ephemeral", replace_original=False
        )
    except (aiohttp.ClientError, TimeoutError) as error:
        log.error("response URL failed: %s", error)
        return False
    if response.status_code != 200:
        log.error("response URL answered %s: %s", response.status_code, response.body)
        return False
    return True
