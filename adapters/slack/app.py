"""The Bolt app: Slack's slash commands, modal and reactions, translated into core calls.

Every listener acknowledges first (Slack allows 3 s) and then does the work; Bolt runs the rest
after the HTTP response has gone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.chat import SlackChat, slack_error
from adapters.slack.formatting import emoji_name, unescape
from adapters.slack.modal import CALLBACK_ID, build_view, read_submission
from adapters.slack.people import SlackPeople
from adapters.slack.settings import SlackSettings
from bot.identity import MessageRef, Person, Platform, Workspace
from bot.items import ItemKind, Priority, Stakeholder
from bot.messages import Message
from bot.service import FeedbackService, Recorded, Submission
from bot.syntax import parse_qualifiers

log = logging.getLogger(__name__)

COMMANDS = {"/feedback": ItemKind.FEEDBACK, "/request": ItemKind.REQUEST}
DEFAULT_API_URL = "https://slack.com/api/"


@dataclass(frozen=True, slots=True)
class Asker:
    """Who used a command or a modal, and where."""

    workspace: Workspace
    enterprise_id: str | None
    channel_id: str
    user_id: str
    user_name: str | None


def web_client(settings: SlackSettings) -> AsyncWebClient:
    # Only 429s are retried (after Retry-After): retrying a post after a network error could
    # post it twice.
    return AsyncWebClient(
        token=settings.bot_token,
        base_url=settings.api_url or DEFAULT_API_URL,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=3)],
    )


class SlackAdapter:
    def __init__(self, service: FeedbackService, settings: SlackSettings) -> None:
        self._service = service
        self._settings = settings
        self.client = web_client(settings)
        self._people = SlackPeople(self.client)

    def build(self) -> AsyncApp:
        # Slack wants an answer within 3 s. Commands and the modal are answered at once and
        # worked on afterwards ("lazy"); a reaction's vote is a single quick transaction, done
        # before answering so that a failure makes Slack retry; reading a message to capture
        # it calls Slack's API, so it runs afterwards too.
        app = AsyncApp(
            signing_secret=self._settings.signing_secret,
            request_verification_enabled=self._settings.signing_secret is not None,
            client=self.client,
            process_before_response=True,
        )
        for command in COMMANDS:
            app.command(command)(ack=self.acknowledge, lazy=[self.on_command])
        app.view(CALLBACK_ID)(ack=self.acknowledge, lazy=[self.on_modal])
        app.event("reaction_added")(ack=self.on_vote, lazy=[self.on_capture])
        app.event("reaction_removed")(self.on_vote)
        return app

    async def acknowledge(self, ack: AsyncAck) -> None:
        await ack()

    # -- /feedback and /request ---------------------------------------------------------------

    async def on_command(
        self, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        kind = COMMANDS[command["command"]]
        asker = Asker(
            Workspace(Platform.SLACK, command["team_id"]),
            command.get("enterprise_id"),
            command["channel_id"],
            command["user_id"],
            command.get("user_name"),
        )
        text = unescape(command.get("text") or "")
        if not text.strip():
            await self._open_modal(kind, command, respond, client)
            return
        qualified = parse_qualifiers(kind, text)
        await self._record(
            asker, kind, qualified.text, qualified.priority, qualified.anonymous, respond
        )

    async def _open_modal(
        self,
        kind: ItemKind,
        command: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        view = build_view(kind, command["channel_id"], command.get("response_url"))
        try:
            await client.views_open(trigger_id=command["trigger_id"], view=view)
        except SlackApiError as error:
            log.error("views.open failed: %s", slack_error(error))
            example = (
                "/feedback <what you think>"
                if kind is ItemKind.FEEDBACK
                else ("/request must-have: <what you need>")
            )
            await respond(
                text=f"I could not open the form ({slack_error(error)}). "
                f"You can also type it in one go: `{example}`",
                response_type="ephemeral",
            )

    async def on_modal(self, body: dict[str, Any], view: dict[str, Any]) -> None:
        answer = read_submission(view)
        user = body.get("user", {})
        asker = Asker(
            Workspace(Platform.SLACK, body.get("team", {}).get("id") or view["team_id"]),
            (body.get("enterprise") or {}).get("id"),
            answer.channel_id,
            user["id"],
            user.get("name") or user.get("username"),
        )
        respond = AsyncRespond(response_url=answer.response_url) if answer.response_url else None
        await self._record(
            asker, answer.kind, unescape(answer.text), answer.priority, answer.anonymous, respond
        )

    async def _record(
        self,
        asker: Asker,
        kind: ItemKind,
        text: str,
        priority: Priority | None,
        anonymous: bool,
        respond: AsyncRespond | None,
    ) -> None:
        member = await self._people.member(asker.user_id, asker.user_name)
        submission = Submission(
            workspace=asker.workspace,
            channel_id=asker.channel_id,
            author=member.person,
            kind=kind,
            text=text,
            stakeholder=self._stakeholder(
                asker.channel_id, member.stakeholder_in(asker.workspace.id, asker.enterprise_id)
            ),
            priority=priority,
            anonymous=anonymous,
        )
        chat = SlackChat(self.client, respond)
        outcome = await self._service.submit_and_thank(submission, chat)
        if isinstance(outcome, Recorded) and outcome.posted is not None:
            await chat.post_private(
                asker.channel_id,
                member.person,
                Message.of(
                    f"Recorded as #{outcome.item.number}. The thank-you is in the channel; "
                    f"others can vote for it with :{self._settings.vote_emoji}:."
                ),
            )

    def _stakeholder(self, channel_id: str, by_membership: Stakeholder) -> Stakeholder:
        if channel_id in self._settings.external_channels:
            return Stakeholder.EXTERNAL
        return by_membership

    # -- reactions ----------------------------------------------------------------------------

    def _reaction(
        self, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> tuple[Workspace, MessageRef, Person, str] | None:
        """Where, on what and by whom a reaction was made; ``None`` for what is not ours."""
        item = event.get("item") or {}
        if item.get("type") != "message" or event.get("user") == context.bot_user_id:
            return None
        return (
            Workspace(Platform.SLACK, body["team_id"]),
            MessageRef(item["channel"], item["ts"]),
            Person(event["user"], event["user"]),
            emoji_name(event.get("reaction", "")),
        )

    async def on_vote(
        self, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        reaction = self._reaction(event, body, context)
        if reaction is None or reaction[3] != self._settings.vote_emoji:
            return
        workspace, message, voter, _ = reaction
        voted = await self._service.item_for_thanks(workspace, message)
        if voted is None or voted.number is None:
            return
        delivery = body.get("event_id")
        if event.get("type") == "reaction_added":
            await self._service.vote(workspace, voted.number, voter, delivery)
        else:
            await self._service.withdraw_vote(workspace, voted.number, voter, delivery)

    async def on_capture(
        self, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        reaction = self._reaction(event, body, context)
        if reaction is None or reaction[3] != self._settings.capture_emoji:
            return
        if event.get("item_user") == context.bot_user_id:
            return
        workspace, message, reactor, _ = reaction
        await self._capture(workspace, body, message, reactor, context)

    async def _capture(
        self,
        workspace: Workspace,
        body: dict[str, Any],
        message: MessageRef,
        reactor: Person,
        context: AsyncBoltContext,
    ) -> None:
        chat = SlackChat(self.client)
        found = await self._read_message(message)
        if found is None:
            await chat.post_private(
                message.channel_id,
                reactor,
                Message.of(
                    "I could not read that message, so nothing was recorded. "
                    "Is feedbackbot invited to this channel?"
                ),
            )
            return
        author_id = found.get("user")
        if not author_id or found.get("bot_id") or author_id == context.bot_user_id:
            return  # a bot's message is nobody's feedback
        member = await self._people.member(author_id)
        enterprise = body.get("enterprise_id") or None
        submission = Submission(
            workspace=workspace,
            channel_id=message.channel_id,
            author=member.person,
            kind=ItemKind.FEEDBACK,
            text=unescape(str(found.get("text") or "")),
            stakeholder=self._stakeholder(
                message.channel_id, member.stakeholder_in(workspace.id, enterprise)
            ),
            source=message,
            delivery_id=body.get("event_id"),
        )
        thread = MessageRef(message.channel_id, str(found.get("thread_ts") or message.message_id))
        await self._service.capture(submission, reactor, chat, thread)

    async def _read_message(self, message: MessageRef) -> dict[str, Any] | None:
        """The message itself, whether it is in the channel or a reply in a thread."""
        channel, ts = message.channel_id, message.message_id
        try:
            history = await self.client.conversations_history(
                channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1
            )
            found = _message_at(history.get("messages"), ts)
            if found is not None:
                return found
            # Asked for a reply, Slack answers with its thread's parent first, then the reply.
            thread = await self.client.conversations_replies(
                channel=channel, ts=ts, latest=ts, oldest=ts, inclusive=True
            )
            return _message_at(thread.get("messages"), ts)
        except SlackApiError as error:
            log.warning("could not read a message to capture: %s", slack_error(error))
        return None


def _message_at(messages: list[dict[str, Any]] | None, ts: str) -> dict[str, Any] | None:
    return next((dict(message) for message in messages or [] if message.get("ts") == ts), None)


def build_slack_app(service: FeedbackService, settings: SlackSettings) -> AsyncApp:
    return SlackAdapter(service, settings).build()
