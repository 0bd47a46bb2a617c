"""The Bolt app: Slack's slash commands, modal and reactions, translated into core calls.

Slack wants every request answered within 3 s. A command is answered as soon as its item is
stored (the answer confirms it to the author), or empty once ``ACK_BUDGET_S`` has passed; the
thank-you in the channel, and anything that calls Slack back, is finished in the background.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.background import BackgroundWork, EarlyOrLate
from adapters.slack.chat import SlackChat, respond_privately, slack_error
from adapters.slack.formatting import emoji_name, mentioned_users, readable, render, unescape
from adapters.slack.modal import CALLBACK_ID, build_view, read_submission
from adapters.slack.people import SlackPeople
from adapters.slack.roles import SlackRoles
from adapters.slack.settings import SlackSettings
from bot.identity import MessageRef, Person, Platform, Workspace
from bot.items import ItemKind, Priority, Stakeholder
from bot.messages import Message
from bot.roadmap import RoadmapRequest, RoadmapService
from bot.service import FeedbackService, Refused, Submission
from bot.syntax import parse_qualifiers
from bot.text import clean, is_blank
from bot.triage import TriageRequest, TriageService

log = logging.getLogger(__name__)

COMMANDS = {"/feedback": ItemKind.FEEDBACK, "/request": ItemKind.REQUEST}
ROADMAP = "/roadmap"
DEFAULT_API_URL = "https://slack.com/api/"
# Slack cuts texts at 40,000 characters but advises at most 4,000.
SLACK_MAX_LENGTH = 3900
# How long a command waits for its item to be stored before answering Slack without it; well
# inside Slack's 3 s, which include the network both ways.
ACK_BUDGET_S = 1.5
# How long a stopping server lets stored items finish being thanked.
DRAIN_S = 10.0


@dataclass(frozen=True, slots=True)
class Asker:
    """Who used a command or a modal, and where."""

    workspace: Workspace
    enterprise_id: str | None
    channel_id: str
    user_id: str
    user_name: str | None
    response_url: str | None


def installed_in(context: AsyncBoltContext) -> Workspace:
    """The workspace that installed the app, where items are filed. In a Slack Connect
    channel a payload's own ``team_id`` can be the partner's; Bolt reads the installing team
    from ``authorizations`` and ``view.app_installed_team_id``."""
    assert context.team_id is not None, "every payload Slack sends names a team"
    return Workspace(Platform.SLACK, context.team_id)


def web_client(settings: SlackSettings, session: aiohttp.ClientSession) -> AsyncWebClient:
    # Only 429s are retried (after Retry-After): retrying a post after a network error could
    # post it twice. One HTTP session keeps connections to Slack open between calls.
    return AsyncWebClient(
        token=settings.bot_token,
        base_url=settings.api_url or DEFAULT_API_URL,
        session=session,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=3)],
    )


class SlackAdapter:
    """Open it with ``async with``: it holds the HTTP session to Slack and the work still under
    way, which it lets finish (up to ``DRAIN_S``) when it closes."""

    def __init__(
        self, service: FeedbackService, settings: SlackSettings, ack_budget_s: float = ACK_BUDGET_S
    ) -> None:
        self._service = service
        self._roadmap: RoadmapService | None = None
        self._triage: TriageService | None = None
        self._admin_users: frozenset[str] = frozenset()
        self._settings = settings
        self._ack_budget_s = ack_budget_s
        self._work = BackgroundWork()
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession()
        self.client = web_client(self._settings, self._session)
        self._people = SlackPeople(self.client)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._work.drain(DRAIN_S)
        if self._session is not None:
            await self._session.close()

    async def settled(self) -> None:
        """Wait until everything started for the requests answered so far is done."""
        await self._work.settled()

    def build(self) -> AsyncApp:
        # Bolt answers Slack once a listener returns (process_before_response), so listeners
        # return quickly and leave the rest to ``self._work``. A reaction's vote is one short
        # transaction done before answering, so that a failure makes Slack retry.
        app = AsyncApp(
            signing_secret=self._settings.signing_secret,
            request_verification_enabled=self._settings.signing_secret is not None,
            client=self.client,
            process_before_response=True,
        )
        for command in COMMANDS:
            app.command(command)(self.on_command)
        if self._roadmap is not None or self._triage is not None:
            app.command(ROADMAP)(self.on_roadmap)
        app.view(CALLBACK_ID)(self.on_modal)
        app.event("reaction_added")(self.on_reaction_added)
        app.event("reaction_removed")(self.on_vote)
        return app

    # -- /roadmap ----------------------------------------------------------------------------

    def serve_roadmap(self, roadmap: RoadmapService) -> Self:
        """Answer ``/roadmap`` too (call before ``build``)."""
        self._roadmap = roadmap
        return self

    def serve_triage(
        self, triage: TriageService, admin_users: frozenset[str] = frozenset()
    ) -> Self:
        """Answer ``/roadmap status|show|list|priority|stakeholder|stats`` too (call before
        ``build``). Workspace admins and owners, and the ``admin_users`` ids, may triage."""
        self._triage = triage
        self._admin_users = admin_users
        return self

    async def on_roadmap(
        self, ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        # A digest reads the database; answer Slack at once and the person privately after.
        await ack()
        self._work.start(self._answer_roadmap(command, installed_in(context)))

    async def _answer_roadmap(self, command: dict[str, Any], workspace: Workspace) -> None:
        text = unescape(command.get("text") or "")
        person = Person(command["user_id"], command.get("user_name") or command["user_id"])
        answer: Message | None = None
        if self._triage is not None:
            # Triage answers its own subcommands and None for the rest (digest, reminders).
            # Its notices go out through the core: a reply in the thread of the item's
            # thank-you and a DM to the requester; the answer here is private.
            member = await self._people.member(person.user_id, command.get("user_name"))
            chat = SlackChat(self.client, command.get("response_url"))
            answer = await self._triage.command(
                TriageRequest(workspace, command["channel_id"], member.person, text),
                SlackRoles(self._people, self._admin_users),
                chat,
            )
        if answer is None and self._roadmap is not None:
            request = RoadmapRequest(workspace, command["channel_id"], person, text)
            answer = await self._roadmap.command(request, SLACK_MAX_LENGTH)
        if answer is None:
            answer = Message.of("Try /roadmap status|show|list|priority|stakeholder|stats.")
        await respond_privately(self.client, command["response_url"], render(answer))

    # -- /feedback and /request ---------------------------------------------------------------

    async def on_command(
        self, ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        kind = COMMANDS[command["command"]]
        asker = Asker(
            installed_in(context),
            context.enterprise_id,
            command["channel_id"],
            command["user_id"],
            command.get("user_name"),
            command.get("response_url"),
        )
        text = unescape(command.get("text") or "")
        if not text.strip():
            await ack()
            self._work.start(self._open_modal(kind, command))
            return
        qualified = parse_qualifiers(kind, text)
        answer: EarlyOrLate[Message] = EarlyOrLate()
        self._work.start(
            self._record(
                asker, kind, qualified.text, qualified.priority, qualified.anonymous, answer
            )
        )
        early = await answer.wait(self._ack_budget_s)
        if early is None:
            await ack()  # the answer follows through the response URL
        else:
            await ack(text=render(early), response_type="ephemeral")

    async def _open_modal(self, kind: ItemKind, command: dict[str, Any]) -> None:
        view = build_view(kind, command["channel_id"], command.get("response_url"))
        try:
            await self.client.views_open(trigger_id=command["trigger_id"], view=view)
        except SlackApiError as error:
            log.error("views.open failed: %s", slack_error(error))
            example = (
                "/feedback <what you think>"
                if kind is ItemKind.FEEDBACK
                else ("/request must-have: <what you need>")
            )
            if command.get("response_url"):
                await respond_privately(
                    self.client,
                    command["response_url"],
                    f"I could not open the form ({slack_error(error)}). "
                    f"You can also type it in one go: `{example}`",
                )

    async def on_modal(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        answer = read_submission(view)
        if is_blank(clean(answer.text)):
            # The form stays open with the field marked, and the person keeps what they chose.
            await ack(response_action="errors", errors={"text": "Tell me a little more."})
            return
        await ack()  # closes the form; the confirmation goes through the command's response URL
        user = body.get("user", {})
        asker = Asker(
            installed_in(context),
            context.enterprise_id,
            answer.channel_id,
            user["id"],
            user.get("name") or user.get("username"),
            answer.response_url,
        )
        late: EarlyOrLate[Message] = EarlyOrLate()
        late.expire()
        # A form's input arrives as typed, unlike a command's text, which Slack escapes.
        self._work.start(
            self._record(asker, answer.kind, answer.text, answer.priority, answer.anonymous, late)
        )

    async def _record(
        self,
        asker: Asker,
        kind: ItemKind,
        text: str,
        priority: Priority | None,
        anonymous: bool,
        answer: EarlyOrLate[Message],
    ) -> None:
        """Store the item, tell the author (through ``answer`` while Slack still waits for
        one, else privately), then thank them in the channel."""
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
        chat = SlackChat(self.client, asker.response_url)
        outcome = await self._service.submit(submission)
        if isinstance(outcome, Refused):
            if not answer.give(outcome.message):
                await chat.post_private(asker.channel_id, member.person, outcome.message)
            return
        confirmation = Message.of(
            f"Recorded as #{outcome.number}. The thank-you goes in the channel; "
            f"others can vote for it with :{self._settings.vote_emoji}:."
        )
        told = answer.give(confirmation)
        recorded = await self._service.thank(outcome, member.person, chat)
        if not told and recorded.posted is not None:
            await chat.post_private(asker.channel_id, member.person, confirmation)

    def _stakeholder(self, channel_id: str, by_membership: Stakeholder) -> Stakeholder:
        if channel_id in self._settings.external_channels:
            return Stakeholder.EXTERNAL
        return by_membership

    # -- reactions ----------------------------------------------------------------------------

    def _reaction(
        self, event: dict[str, Any], context: AsyncBoltContext
    ) -> tuple[Workspace, MessageRef, Person, str] | None:
        """Where, on what and by whom a reaction was made; ``None`` for what is not ours."""
        item = event.get("item") or {}
        if item.get("type") != "message" or event.get("user") == context.bot_user_id:
            return None
        return (
            installed_in(context),
            MessageRef(item["channel"], item["ts"]),
            Person(event["user"], event["user"]),
            emoji_name(event.get("reaction", "")),
        )

    async def on_vote(
        self, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        reaction = self._reaction(event, context)
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

    async def on_reaction_added(
        self, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await self.on_vote(event, body, context)
        reaction = self._reaction(event, context)
        if reaction is None or reaction[3] != self._settings.capture_emoji:
            return
        if event.get("item_user") == context.bot_user_id:
            return
        workspace, message, reactor, _ = reaction
        # Reading the message calls Slack, so it happens after Slack has its answer.
        self._work.start(self._capture(workspace, body, message, reactor, context))

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
        enterprise = context.enterprise_id
        submission = Submission(
            workspace=workspace,
            channel_id=message.channel_id,
            author=member.person,
            kind=ItemKind.FEEDBACK,
            text=await self._readable(str(found.get("text") or "")),
            stakeholder=self._stakeholder(
                message.channel_id, member.stakeholder_in(workspace.id, enterprise)
            ),
            source=message,
            delivery_id=body.get("event_id"),
        )
        thread = MessageRef(message.channel_id, str(found.get("thread_ts") or message.message_id))
        await self._service.capture(submission, reactor, chat, thread)

    async def _readable(self, text: str) -> str:
        """A captured message's text as people saw it, mentions by name."""
        names = {
            user_id: (await self._people.member(user_id)).person.display_name
            for user_id in mentioned_users(text)
        }
        return readable(text, names)

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
