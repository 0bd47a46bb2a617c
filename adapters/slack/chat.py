"""The ``Chat`` port on Slack's Web API, for one incoming request."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.formatting import render
from adapters.slack.web_api import WebApiError, call
from bot.identity import MessageRef, Person
from bot.messages import Message
from bot.ports import ChannelUnavailable, ChatFailed

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


class SlackChat:
    """Posts through the Web API. ``response_url`` (a slash command's) is the private way to
    reach the person when there is one; otherwise an ephemeral message, else a DM."""

    def __init__(self, client: AsyncWebClient, response_url: str | None = None) -> None:
        self._client = client
        self._response_url = response_url

    async def _post(self, **arguments: Any) -> MessageRef:
        # No link_names: nothing we post may turn a typed @name into a ping. 429s are waited
        # out and retried; a post is never retried on a network error, since Slack may have
        # posted it already.
        try:
            response = await self._post_message(arguments)
        except WebApiError as error:
            if error.code in UNAVAILABLE:
                raise ChannelUnavailable(error.code) from error
            log.error("chat.postMessage failed in %s: %s", arguments.get("channel"), error.code)
            raise ChatFailed(error.code) from error
        return MessageRef(str(response["channel"]), str(response["ts"]))

    async def _post_message(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return await call(
            self._client,
            "chat.postMessage",
            {"unfurl_links": False, "unfurl_media": False, **arguments},
        )

    async def post(self, channel_id: str, message: Message) -> MessageRef:
        return await self._post(channel=channel_id, text=render(message))

    async def reply_in_thread(
        self, channel_id: str, thread: MessageRef, message: Message
    ) -> MessageRef:
        return await self._post(
            channel=channel_id, thread_ts=thread.message_id, text=render(message)
        )

    async def direct_message(self, person: Person, message: Message) -> None:
        """A message in the person's DM with the bot (``chat.postMessage`` to a user id opens
        it). Failures carry Slack's error code only: the person may be an anonymous author."""
        try:
            await self._post_message({"channel": person.user_id, "text": render(message)})
        except WebApiError as error:
            raise ChatFailed(error.code) from None

    async def post_private(self, channel_id: str, person: Person, message: Message) -> None:
        text = render(message)
        # A response URL expires (30 minutes, five uses): a form left open outlives it.
        if self._response_url is not None and await respond_privately(
            self._client, self._response_url, text
        ):
            return
        try:
            await call(
                self._client,
                "chat.postEphemeral",
                {"channel": channel_id, "user": person.user_id, "text": text},
            )
            return
        except WebApiError as error:
            log.info("ephemeral message failed (%s); sending a DM", error.code)
        try:
            await self._post_message({"channel": person.user_id, "text": text})
        except WebApiError as error:
            log.error("could not reach a person privately: %s", error.code)


async def respond_privately(client: AsyncWebClient, response_url: str, text: str) -> bool:
    """An ephemeral answer through a command's response URL, on the Web API client's HTTP
    session (Bolt's own ``respond`` opens a new connection each time); whether Slack took it."""
    webhook = AsyncWebhookClient(response_url, session=client.session)
    try:
        response = await webhook.send(text=text, response_type="ephemeral", replace_original=False)
    except aiohttp.ClientError as error:
        log.error("response URL failed: %s", error)
        return False
    if response.status_code != 200:
        log.error("response URL answered %s: %s", response.status_code, response.body)
        return False
    return True
