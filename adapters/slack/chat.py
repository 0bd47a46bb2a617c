"""The ``Chat`` port on Slack's Web API, for one incoming request."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

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


# The metadata event that carries an owed message's marker, unseen by people, so a post whose
# answer was lost can be found before it is tried again.
MARKER_EVENT = "feedbackbot_owed"
# How many pages of history are read looking for a marker.
LOOK_PAGES = 10


class SlackChat:
    """Posts through the Web API. ``response_url`` (a slash command's) is the private way to
    reach the person when there is one; otherwise an ephemeral message, else a DM."""

    def __init__(self, client: AsyncWebClient, response_url: str | None = None) -> None:
        self._client = client
        self._response_url = response_url

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
        return await self._post(marker, channel=channel_id, text=render(message))

    async def reply_in_thread(
        self, channel_id: str, thread: MessageRef, message: Message, *, marker: str | None = None
    ) -> MessageRef:
        return await self._post(
            marker, channel=channel_id, thread_ts=thread.message_id, text=render(message)
        )

    async def find_posted(
        self, channel_id: str, marker: str, since: datetime, thread: MessageRef | None = None
    ) -> MessageRef | None:
        arguments: dict[str, Any] = {
            "channel": channel_id,
            "oldest": f"{since.timestamp():.6f}",
            "include_all_metadata": True,
            "limit": 200,
        }
        if thread is not None:
            arguments["ts"] = thread.message_id
        reading = (
            self._client.conversations_replies
            if thread is not None
            else self._client.conversations_history
        )
        for _ in range(LOOK_PAGES):
            try:
                page = await reading(**arguments)
            except SlackApiError as error:
                raise _chat_failure(
                    WebApiError("conversations.history", slack_error(error)), channel_id
                ) from None
            except (aiohttp.ClientError, TimeoutError):
                raise TryLater("unreachable") from None
            for found in page.get("messages") or []:
                payload = (found.get("metadata") or {}).get("event_payload") or {}
                if payload.get("key") == marker:
                    return MessageRef(channel_id, str(found["ts"]))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
            arguments["cursor"] = cursor
        return None

    async def direct_message(self, person: Person, message: Message) -> None:
        """A message in the person's DM with the bot (``chat.postMessage`` to a user id opens
        it). Failures carry Slack's error code only: the person may be an anonymous author."""
        try:
            await self._post_message({"channel": person.user_id, "text": render(message)})
        except WebApiError as error:
            raise _chat_failure(error, None) from None

    async def post_private(self, channel_id: str, person: Person, message: Message) -> None:
        """Through the response URL, else as an ephemeral message, else as a DM; raises the
        last failure when none of them took it."""
        text = render(message)
        # A response URL expires (30 minutes, five uses): a form left open outlives it.
        if self._response_url is not None and await respond_privately(
            self._client, self._response_url, text
        ):
            return
        passing: WebApiError | None = None
        if channel_id:
            try:
                await call(
                    self._client,
                    "chat.postEphemeral",
                    {"channel": channel_id, "user": person.user_id, "text": text},
                    rate_limit_retries=0,
                )
                return
            except WebApiError as error:
                log.info("ephemeral message failed (%s); sending a DM", error.code)
                passing = error if error.passing else None
        try:
            await self._post_message({"channel": person.user_id, "text": text})
        except WebApiError as error:
            # A DM that fails for good after an ephemeral message failed for now: try again.
            raise _chat_failure(
                error if error.passing or passing is None else passing, None
            ) from None


class SlackDeliveries:
    """The outbox's way to Slack: a chat per message, through its response URL while live."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    def chat(self, response_url: str | None = None) -> SlackChat:
        return SlackChat(self._client, response_url)


def _chat_failure(error: WebApiError, channel: object) -> ChatFailed:
    """The port's failure for one of Slack's."""
    if error.code in UNAVAILABLE:
        return ChannelUnavailable(error.code)
    if error.passing:
        return TryLater(error.code, error.retry_after, maybe_sent=error.maybe_sent)
    log.error("%s failed in %s: %s", error.method, channel, error.code)
    return ChatFailed(error.code)


async def respond_privately(client: AsyncWebClient, response_url: str, text: str) -> bool:
    """An ephemeral answer through a command's response URL, on the Web API client's HTTP
    session (Bolt's own ``respond`` opens a new connection each time); whether Slack took it."""
    webhook = AsyncWebhookClient(response_url, session=client.session)
    try:
        response = await webhook.send(text=text, response_type="ephemeral", replace_original=False)
    except (aiohttp.ClientError, TimeoutError) as error:
        log.error("response URL failed: %s", error)
        return False
    if response.status_code != 200:
        log.error("response URL answered %s: %s", response.status_code, response.body)
        return False
    return True
