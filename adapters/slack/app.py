"""The Bolt app: Slack's slash commands, modal and reactions, translated into core calls.

Slack wants every request answered within 3 s. A command is answered as soon as its item is
stored (the answer confirms it to the author), or empty once ``ACK_BUDGET_S`` has passed; the
thank-you in the channel, and anything that calls Slack back, is finished in the background.

An item is stored from what the request carries (the name Slack sent, or one remembered from an
earlier ``users.info``), so Slack's Web API never decides whether it is recorded; ``users.info``
is asked after, and the stored author corrected by ``bot.enrichment``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.background import BackgroundWork, EarlyOrLate
from adapters.log_context import handling
from adapters.slack.blocks import (
    COMMENT_BLOCK,
    COMMENT_CALLBACK_ID,
    comment_view,
    is_core_action,
    read_comment,
)
from adapters.slack.chat import SlackChat, respond_privately, slack_error
from adapters.slack.formatting import emoji_name, mentioned_users, readable, render, unescape
from adapters.slack.identity import BotIdentity, SlackIdentity
from adapters.slack.inbound import described
from adapters.slack.modal import CALLBACK_ID, build_view, read_submission
from adapters.slack.observed import ObservedApp, ObservedRateLimitRetries
from adapters.slack.payloads import (
    ActionPayload,
    SubmitterPayload,
    id_of,
    ignored,
    names_no_workspace,
    read_action,
    read_command,
    read_reaction,
    read_submitter,
    text_of,
)
from adapters.slack.people import LOOKUP_TIMEOUT_S, Member, Organisation, SlackPeople
from adapters.slack.roles import SlackRoles
from adapters.slack.settings import SlackSettings
from bot import replies
from bot.conversation import (
    ITEM_COMMANDS,
    Ask,
    Conversation,
    Gone,
    Marked,
    Meaning,
    Reaction,
    Speaker,
    Surface,
)
from bot.enrichment import Enrichment
from bot.identity import MessageRef, Person, Platform, Workspace
from bot.items import ItemKind, Stakeholder
from bot.messages import Message
from bot.observations import UNOBSERVED, Observations
from bot.ports import ChatFailed
from bot.service import Recorded, Refused
from bot.survey_words import comment_form_failed
from bot.surveys import ACTION_PREFIX
from bot.text import clean, is_blank

if TYPE_CHECKING:
    from bot.conversation import CommentForm

log = logging.getLogger(__name__)

ROADMAP = "/roadmap"
DEFAULT_API_URL = "https://slack.com/api/"
# Slack cuts texts at 40,000 characters but advises at most 4,000.
SLACK_MAX_LENGTH = 3900


def slack_surface(settings: SlackSettings) -> Surface:
    return Surface(max_length=SLACK_MAX_LENGTH, vote_with=f":{settings.vote_emoji}:")


# How long a command waits for its item to be stored before answering Slack without it; well
# inside Slack's 3 s, which include the network both ways.
ACK_BUDGET_S = 1.5
# How long a button's press waits for Slack to say who pressed it (users.info) when the payload
# cannot tell a colleague from a partner: inside the acknowledgement's budget.
PRESS_LOOKUP_S = 1.0
# How long a stopping server still lets stored items finish being thanked once the stop's own
# wait for them (adapters/app/stopping.py, FINISH_S) is over: a last moment, not a deadline.
DRAIN_S = 0.5


@dataclass(frozen=True, slots=True)
class Asker:
    """Who used a command or a modal, and where; ``installer`` is the organisation that
    installed the app, against which their kind of stakeholder and their rights are decided."""

    workspace: Workspace
    installer: Organisation
    channel_id: str
    user_id: str
    user_name: str | None
    response_url: str | None
    text: str = ""
    delivery_id: str | None = None
    trigger_id: str | None = None


def _handling(asker: Asker, event: str) -> AbstractContextManager[None]:
    """What the log lines written while ``asker``'s command or form is handled are about."""
    return handling(
        Platform.SLACK.value,
        asker.workspace.id,
        event,
        event_id=asker.trigger_id,
        delivery_id=asker.delivery_id,
    )


def event_team(body: dict[str, Any], context: AsyncBoltContext) -> str | None:
    """The workspace an event belongs to, for the installation it was sent to. A workspace
    install's ``authorizations`` name the installing team (in a Slack Connect channel the
    envelope's ``team_id`` can be the partner's); an org-wide install's name the enterprise and
    no team (``team_id`` null), and the event belongs to the workspace it happened in:
    ``context_team_id``, else the envelope's ``team_id``."""
    return (
        id_of(context.team_id) or id_of(body.get("context_team_id")) or id_of(body.get("team_id"))
    )


def command_delivery(trigger_id: str | None, request: AsyncBoltRequest) -> str | None:
    """What makes a command the same command when its request is replayed: its
    ``trigger_id`` (one per use), else its signature, which covers its timestamp and body."""
    if trigger_id is not None:
        return _bounded(f"command:{trigger_id}")
    signature = _header(request, "x-slack-signature")
    timestamp = _header(request, "x-slack-request-timestamp")
    if signature is None or timestamp is None:
        return None
    return _bounded(f"signed:{timestamp}:{signature}")


def _header(request: AsyncBoltRequest, name: str) -> str | None:
    values = request.headers.get(name) or []  # Bolt keeps each header as a list, lower-cased
    return text_of(values[0]) if values else None


def _bounded(key: str) -> str:
    # Delivery ids are kept in 128 characters; a longer one is kept as its digest.
    return key if len(key) <= 100 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def web_client(
    settings: SlackSettings,
    session: aiohttp.ClientSession,
    *,
    token: bool = True,
    retry_429: bool = True,
    observations: Observations = UNOBSERVED,
) -> AsyncWebClient:
    # Only 429s are retried (after Retry-After): retrying a post after a network error could
    # post it twice. One HTTP session keeps connections to Slack open between calls.
    return AsyncWebClient(
        token=settings.bot_token if token else None,
        base_url=settings.api_url or DEFAULT_API_URL,
        session=session,
        retry_handlers=[ObservedRateLimitRetries(observations, max_retry_count=3)]
        if retry_429
        else [],
    )


class SlackAdapter:
    """Open it with ``async with``: it holds the HTTP session to Slack and the work still under
    way, which it lets finish (up to ``DRAIN_S``) when it closes. Workspace admins and owners,
    and the ``admin_users`` ids, may triage. ``enrichment`` corrects a stored item's author
    once ``users.info`` has answered; ``auth_retry_s`` is the first wait between attempts to
    learn the bot's identity when the settings do not give it; ``users_info_timeout_s`` how long
    a ``users.info`` is waited for before the request's own word is kept; ``observations``
    hears of each request and of the Web API's 429s; ``trace`` is hooked into the HTTP session
    to Slack (readiness watches whether the Web API answers through it)."""

    def __init__(
        self,
        conversation: Conversation,
        settings: SlackSettings,
        *,
        enrichment: Enrichment,
        admin_users: frozenset[str] = frozenset(),
        ack_budget_s: float = ACK_BUDGET_S,
        auth_retry_s: float = 1.0,
        users_info_timeout_s: float = LOOKUP_TIMEOUT_S,
        observations: Observations = UNOBSERVED,
        trace: aiohttp.TraceConfig | None = None,
    ) -> None:
        self._conversation = conversation
        self._observations = observations
        self._trace = trace
        self._enrichment = enrichment
        self._admin_users = admin_users
        self._settings = settings
        self._ack_budget_s = ack_budget_s
        self._auth_retry_s = auth_retry_s
        self._users_info_timeout_s = users_info_timeout_s
        self._work = BackgroundWork()
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession(
            trace_configs=None if self._trace is None else [self._trace]
        )
        self.client = web_client(self._settings, self._session, observations=self._observations)
        self._people = SlackPeople(self.client, timeout_s=self._users_info_timeout_s)
        settings = self._settings
        given = settings.bot_user_id
        self.identity = SlackIdentity(
            web_client(settings, self._session, retry_429=False),
            BotIdentity(given, settings.bot_id, settings.team_id, settings.enterprise_id)
            if given
            else None,
            first_retry_s=self._auth_retry_s,
        )
        await self.identity.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.identity.__aexit__(exc_type, exc, tb)
        await self._work.drain(DRAIN_S)
        if self._session is not None:
            await self._session.close()

    async def settled(self) -> None:
        """Wait until everything started for the requests answered so far is done."""
        await self._work.settled()

    def build(self) -> AsyncApp:
        # Bolt answers Slack once a listener returns (process_before_response), so listeners
        # return quickly and leave the rest to ``self._work``. A reaction's vote is one short
        # transaction done before answering, so that a failure makes Slack retry. Bolt's own
        # client has no token: ``authorize`` hands it one on each request (with a token Bolt
        # would call auth.test itself, on the first requests).
        assert self._session is not None, "build the app inside ``async with``"
        app = ObservedApp(
            self._observations,
            signing_secret=self._settings.signing_secret,
            # The HTTP edge (adapters/web.py) checks the signature on the raw bytes before
            # anything parses them; Socket Mode is not signed. A second check here would be
            # one more HMAC per request.
            request_verification_enabled=False,
            client=web_client(
                self._settings, self._session, token=False, observations=self._observations
            ),
            authorize=self.identity.authorize,
            process_before_response=True,
            # A signed request no listener takes goes to ``_on_error`` instead of being
            # logged whole (raw bytes included) and answered 404, which Slack retries.
            raise_error_for_unhandled_request=True,
        )
        app.error(_on_error)
        for command in ITEM_COMMANDS:
            app.command(command)(self.on_command)
        app.command(ROADMAP)(self.on_roadmap)
        app.view(CALLBACK_ID)(self.on_modal)
        app.action(re.compile(f"^{re.escape(ACTION_PREFIX)}"))(self.on_action)
        app.view(COMMENT_CALLBACK_ID)(self.on_comment)
        app.event("reaction_added")(self.on_reaction)
        app.event("reaction_removed")(self.on_reaction)
        return app

    async def _speaker(self, asker: Asker) -> Speaker:
        """Who asked, as Slack says (``users.info``), or as the request said when it cannot."""
        return self._speaker_as(asker, await self._people.member(asker.user_id, asker.user_name))

    def _speaker_at_once(self, asker: Asker) -> Speaker:
        """Who asked, from the request and what was remembered: no call to Slack."""
        member = self._people.remembered(asker.user_id) or Member(
            Person(asker.user_id, asker.user_name or asker.user_id), None, None
        )
        return self._speaker_as(asker, member)

    def _speaker_as(self, asker: Asker, member: Member) -> Speaker:
        stakeholder = self._stakeholder(asker.channel_id, member.stakeholder_in(asker.installer))
        return Speaker(
            asker.workspace,
            asker.channel_id,
            member.person,
            stakeholder,
            asker.response_url,
            # Slack's direct message conversations have ids starting with D.
            direct=asker.channel_id.startswith("D"),
        )

    def installer(self, team_id: str, authorized: str | None = None) -> Organisation:
        """The organisation that installed the app: the bot's own team and enterprise (given
        in the settings, or said by ``auth.test``). Until it is known, the team the request
        is filed in (``team_id``) and the enterprise its ``authorizations`` name
        (``authorized``, events only: a command's or a form's enterprise is the person's)."""
        known = self.identity.identity
        if known is not None and (known.team_id or known.enterprise_id):
            return Organisation(known.team_id, known.enterprise_id)
        return Organisation(team_id, authorized)

    def filed_in(
        self, team_id: str | None, authorized: str | None = None
    ) -> tuple[Workspace, Organisation] | None:
        """The workspace a request's item is filed in, recorded with the installing
        organisation's enterprise (items are filed only in its workspaces), and that
        organisation; ``None`` for a request that names no team. For commands and forms Bolt
        reads the team from ``view.app_installed_team_id`` (a form opened in a Slack Connect
        channel), the payload's ``team``/``team_id``, else ``user.team_id`` (an org-wide
        install's forms name no team)."""
        if not team_id:
            return None
        installer = self.installer(team_id, authorized)
        return Workspace(Platform.SLACK, team_id, installer.enterprise_id), installer

    async def _enrich(
        self, asker: Asker, stored_as: Speaker, outcome: Recorded | Refused | None
    ) -> None:
        if not isinstance(outcome, Recorded) or outcome.item.number is None:
            return
        member = await self._people.look_up(asker.user_id)
        if member is None:
            return  # Slack could not say: the item keeps what the request said
        known = self._speaker_as(asker, member)
        if (known.person, known.stakeholder) == (stored_as.person, stored_as.stakeholder):
            return
        await self._enrichment.correct_author(
            asker.workspace, outcome.item.number, known.person, known.stakeholder
        )

    def _stakeholder(self, channel_id: str, by_membership: Stakeholder) -> Stakeholder:
        if channel_id in self._settings.external_channels:
            return Stakeholder.EXTERNAL
        return by_membership

    # -- /roadmap ----------------------------------------------------------------------------

    async def on_roadmap(
        self,
        ack: AsyncAck,
        command: dict[str, Any],
        context: AsyncBoltContext,
        request: AsyncBoltRequest,
    ) -> None:
        # A digest reads the database; answer Slack at once and the person privately after.
        await ack()
        asker = self._asker(command, context, request)
        if asker is not None:
            with _handling(asker, ROADMAP):
                self._work.start(self._answer_roadmap(asker))

    async def _answer_roadmap(self, asker: Asker) -> None:
        # Triage notices go out through the chat (a reply in the thread of the item's
        # thank-you, a DM to the requester); the answer itself is private.
        chat = SlackChat(self.client, asker.response_url)
        speaker = await self._speaker(asker)
        roles = SlackRoles(self._people, asker.installer, self._admin_users)
        answer = await self._conversation.roadmap(speaker, asker.text, chat, roles)
        await chat.post_private(asker.channel_id, speaker.person, answer)

    # -- /feedback and /request ---------------------------------------------------------------

    async def on_command(
        self,
        ack: AsyncAck,
        command: dict[str, Any],
        context: AsyncBoltContext,
        request: AsyncBoltRequest,
    ) -> None:
        asker = self._asker(command, context, request)
        if asker is None:
            await ack()
            return
        kind = ITEM_COMMANDS[command["command"]]
        if not asker.text.strip():
            await ack()
            with _handling(asker, command["command"]):
                self._work.start(self._open_modal(kind, asker))
            return
        answer: EarlyOrLate[Message] = EarlyOrLate()
        with _handling(asker, command["command"]):
            self._work.start(self._record_said(asker, kind, answer))
        early = await answer.wait(self._ack_budget_s)
        if early is None:
            await ack()  # the answer follows through the response URL
        else:
            await ack(text=render(early), response_type="ephemeral")

    async def _record_said(
        self, asker: Asker, kind: ItemKind, answer: EarlyOrLate[Message]
    ) -> None:
        chat = SlackChat(self.client, asker.response_url)
        speaker = self._speaker_at_once(asker)
        outcome = await self._conversation.record_said(
            speaker, kind, asker.text, chat, answer, delivery_id=asker.delivery_id
        )
        await self._enrich(asker, speaker, outcome)

    async def _open_modal(self, kind: ItemKind, asker: Asker) -> None:
        view = build_view(kind, asker.channel_id, asker.response_url)
        try:
            if asker.trigger_id is None:
                reason = "Slack sent no trigger_id"
            else:
                await self.client.views_open(trigger_id=asker.trigger_id, view=view)
                return
        except SlackApiError as error:
            reason = slack_error(error)
            log.error("views.open failed: %s", reason)
        if asker.response_url:
            await respond_privately(
                self.client, asker.response_url, render(replies.form_failed(kind, reason))
            )

    async def on_modal(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        answer = read_submission(view)
        filed, submitter = self.filed_in(id_of(context.team_id)), read_submitter(body)
        if answer is None or filed is None or submitter is None:
            # Not this bot's form as it built it: nothing is stored, and the form stays open
            # with the person's text in it, saying so.
            await ack(response_action="errors", errors={"text": render(replies.NOT_STORED)})
            return
        if is_blank(clean(answer.text)):
            # The form stays open with the field marked, and the person keeps what they chose.
            await ack(response_action="errors", errors={"text": "Tell me a little more."})
            return
        await ack()  # closes the form; the confirmation goes through the command's response URL
        trigger_id = id_of(body.get("trigger_id"))
        asker = Asker(
            *filed,
            answer.channel_id,
            submitter.user_id,
            submitter.user_name,
            answer.response_url,
            delivery_id=None if trigger_id is None else _bounded(f"form:{trigger_id}"),
        )
        # A form's input arrives as typed, unlike a command's text, which Slack escapes.
        ask = Ask(answer.kind, answer.text, answer.priority, answer.anonymous)
        with _handling(asker, f"/{answer.kind.value} form"):
            self._work.start(self._record(asker, ask))

    async def _record(self, asker: Asker, ask: Ask) -> None:
        late: EarlyOrLate[Message] = EarlyOrLate()
        late.expire()
        chat = SlackChat(self.client, asker.response_url)
        speaker = self._speaker_at_once(asker)
        outcome = await self._conversation.record(
            speaker, ask, chat, late, delivery_id=asker.delivery_id
        )
        await self._enrich(asker, speaker, outcome)

    # -- the core's buttons and the comment form ----------------------------------------------

    async def on_action(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        pressed = read_action(body)
        where = None if pressed is None else self._interacted_in(body, context)
        if pressed is None or where is None or not is_core_action(pressed.action):
            await ack()
            return
        kept: EarlyOrLate[bool] = EarlyOrLate()
        about = handling(Platform.SLACK.value, where[0].id, "button", event_id=pressed.trigger_id)
        with about:
            self._work.start(self._press(pressed, *where, kept))
        # The answer is kept before Slack hears back when the database answers in time, so a
        # press Slack shows as done is a kept one; a slow database is not waited out past
        # Slack's 3 s: the private answer then says, later, whether it was kept.
        await kept.wait(self._ack_budget_s)
        await ack()

    async def _press(
        self,
        pressed: ActionPayload,
        workspace: Workspace,
        installer: Organisation,
        kept: EarlyOrLate[bool],
    ) -> None:
        try:
            member = await self._presser(
                pressed.user_id, pressed.user_name, pressed.user_team, installer
            )
            speaker = self._interacting(
                workspace, installer, pressed.channel_id, member, pressed.response_url
            )
            answer = await self._conversation.press(speaker, pressed.action)
        finally:
            kept.give(True)
        if isinstance(answer, Message):
            await self._tell(speaker, answer)
        else:
            await self._open_comment_form(pressed, speaker, answer)

    async def _open_comment_form(
        self, pressed: ActionPayload, speaker: Speaker, form: CommentForm
    ) -> None:
        view = comment_view(form.action, form.title, form.label, form.placeholder)
        try:
            if pressed.trigger_id is None:
                reason = "Slack sent no trigger_id"
            else:
                # A trigger_id lives 3 s from the press.
                await self.client.views_open(trigger_id=pressed.trigger_id, view=view)
                return
        except SlackApiError as error:
            reason = slack_error(error)
            log.warning("views.open failed for a comment form: %s", reason)
        except (aiohttp.ClientError, TimeoutError) as error:
            reason = "Slack did not answer"
            log.warning("views.open failed for a comment form: %s", type(error).__name__)
        await self._tell(speaker, comment_form_failed(reason))

    async def on_comment(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        typed = read_comment(view)
        submitter = read_submitter(body)
        where = self._interacted_in(body, context)
        if typed is None or submitter is None or where is None:
            await ack(response_action="errors", errors={COMMENT_BLOCK: render(replies.NOT_STORED)})
            return
        kept: EarlyOrLate[bool] = EarlyOrLate()
        about = handling(
            Platform.SLACK.value,
            where[0].id,
            "comment form",
            event_id=id_of(body.get("trigger_id")),
        )
        with about:
            self._work.start(self._comment(typed.action, typed.text, submitter, *where, kept))
        await kept.wait(self._ack_budget_s)
        await ack()  # closes the form; the answer comes as a direct message

    async def _comment(
        self,
        action: str,
        text: str,
        submitter: SubmitterPayload,
        workspace: Workspace,
        installer: Organisation,
        kept: EarlyOrLate[bool],
    ) -> None:
        try:
            # A comment is not counted by kind of stakeholder: Slack need not be asked.
            member = self._people.remembered(submitter.user_id) or _said(
                submitter.user_id, submitter.user_name, submitter.team_id
            )
            # A form has no channel: the answer goes by direct message.
            speaker = self._interacting(workspace, installer, "", member, None)
            answer = await self._conversation.comment(speaker, action, text)
        finally:
            kept.give(True)
        await self._tell(speaker, answer)

    async def _tell(self, speaker: Speaker, answer: Message) -> None:
        """The answer to a press or a comment, shown to that person alone."""
        chat = SlackChat(self.client, speaker.reply_url)
        try:
            await chat.post_private(speaker.channel_id, speaker.person, answer)
        except ChatFailed as failure:
            log.warning("could not answer a button privately: %s", failure.reason)

    def _interacted_in(
        self, body: dict[str, Any], context: AsyncBoltContext
    ) -> tuple[Workspace, Organisation] | None:
        """The workspace a button or form belongs to, and the installing organisation. An
        org-wide install's interactions may name no team (``team`` null): Slack then says only
        the person's own team or enterprise, so the workspace is left for the core to take
        from what was pressed (an empty id)."""
        if names_no_workspace(body):
            installer = self.installer("", id_of(context.enterprise_id))
            return Workspace(Platform.SLACK, "", installer.enterprise_id), installer
        filed = self.filed_in(id_of(context.team_id))
        if filed is None:
            ignored("interaction", "a team")
        return filed

    async def _presser(
        self, user_id: str, user_name: str | None, user_team: str | None, installer: Organisation
    ) -> Member:
        """Who pressed, for the kind of stakeholder their answer counts as: remembered, or
        told by the payload when they are of the installing workspace, else asked of Slack
        (briefly: a colleague from another workspace of the grid and a partner look alike)."""
        remembered = self._people.remembered(user_id)
        if remembered is not None:
            return remembered
        said = _said(user_id, user_name, user_team)
        if said.team_id is not None and said.team_id == installer.team_id:
            return said
        try:
            async with asyncio.timeout(min(PRESS_LOOKUP_S, self._users_info_timeout_s)):
                found = await self._people.look_up(user_id)
        except TimeoutError:
            found = None
        return found or said

    def _interacting(
        self,
        workspace: Workspace,
        installer: Organisation,
        channel_id: str,
        member: Member,
        reply_url: str | None,
    ) -> Speaker:
        return Speaker(
            workspace,
            channel_id,
            member.person,
            self._stakeholder(channel_id, member.stakeholder_in(installer)),
            reply_url,
            direct=channel_id.startswith("D"),
        )

    # -- reactions ----------------------------------------------------------------------------

    async def on_reaction(
        self, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        said = read_reaction(event, body)
        if said is None or said.user_id == context.bot_user_id:
            return
        emoji = emoji_name(said.reaction)
        if emoji == self._settings.vote_emoji:
            meaning = Meaning.VOTE
        elif emoji == self._settings.capture_emoji:
            meaning = Meaning.CAPTURE
        else:
            return
        # The enterprise the authorizations name is the installer's, not the reacting person's.
        filed = self.filed_in(event_team(body, context), context.enterprise_id)
        if filed is None:
            ignored("reaction", "a team")
            return
        workspace, installer = filed
        item_user, bot_user_id = said.item_user, context.bot_user_id
        # A reaction names nobody: the name a users.info told earlier, else the id for now.
        remembered = self._people.remembered(said.user_id)
        reaction = Reaction(
            workspace,
            MessageRef(said.channel_id, said.ts),
            remembered.person if remembered else Person(said.user_id, said.user_id),
            meaning,
            added=said.added,
            delivery_id=said.event_id,
            # Unknown until the bot knows its own id (auth.test may not have answered yet).
            on_bot_message=item_user == bot_user_id if item_user and bot_user_id else None,
        )
        reader = SlackMessages(
            self.client,
            self._people,
            lambda channel_id, member: self._stakeholder(
                channel_id, member.stakeholder_in(installer)
            ),
            bot_user_id,
        )
        about = handling(
            Platform.SLACK.value,
            workspace.id,
            f"reaction {'added' if said.added else 'removed'}",
            event_id=said.event_id,
            delivery_id=said.event_id,
        )
        with about:
            if meaning is Meaning.VOTE:
                await self._conversation.react(reaction, SlackChat(self.client), reader)
                if said.added and remembered is None and reaction.on_bot_message is not False:
                    # Counted without a name: users.info is asked once Slack has its answer.
                    self._work.start(self._name_voter(workspace, said.user_id))
            else:
                # Reading the message calls Slack, so it happens after Slack has its answer.
                chat = SlackChat(self.client)
                self._work.start(self._conversation.react(reaction, chat, reader))

    async def _name_voter(self, workspace: Workspace, user_id: str) -> None:
        member = await self._people.look_up(user_id)
        if member is not None:  # else Slack could not say: the vote keeps the id
            await self._enrichment.name_voter(workspace, member.person)

    def _asker(
        self, command: dict[str, Any], context: AsyncBoltContext, request: AsyncBoltRequest
    ) -> Asker | None:
        """Who used the command, or ``None`` when the payload lacks who, where or which team."""
        said = read_command(command)
        if said is None:
            return None
        filed = self.filed_in(id_of(context.team_id))
        if filed is None:
            ignored("command", "a team")
            return None
        # A command's text arrives with &, < and > escaped by Slack.
        return Asker(
            *filed,
            said.channel_id,
            said.user_id,
            said.user_name,
            said.response_url,
            unescape(said.text),
            command_delivery(said.trigger_id, request),
            said.trigger_id,
        )


def _said(user_id: str, user_name: str | None, user_team: str | None) -> Member:
    """Who someone is as an interaction's payload says: its ``user.team_id`` is their team,
    or on Enterprise Grid their enterprise (an ``E...`` id)."""
    grid = user_team is not None and user_team.startswith("E")
    return Member(
        Person(user_id, user_name or user_id),
        None if grid else user_team,
        user_team if grid else None,
    )


# What conversations.replies answers for a message that is not there (any more).
MESSAGE_GONE = frozenset({"thread_not_found", "message_not_found"})


async def _on_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
    if isinstance(error, BoltUnhandledRequestError):
        log.info("ignored a signed Slack request nothing here handles: %s", described(body))
        return BoltResponse(status=200, body="")
    # Bolt's own default: a listener's failure, with its traceback; Slack gets a 500.
    log.error("a listener failed on a Slack request: %s", described(body), exc_info=error)
    return None


class SlackMessages:
    """The ``MessageReader`` on Slack: a message as people saw it, mentions by name.
    ``stakeholder`` decides the kind of a message's author from the channel and who they are."""

    def __init__(
        self,
        client: AsyncWebClient,
        people: SlackPeople,
        stakeholder: Callable[[str, Member], Stakeholder],
        bot_user_id: str | None,
    ) -> None:
        self._client = client
        self._people = people
        self._stakeholder = stakeholder
        self._bot_user_id = bot_user_id

    async def read(self, message: MessageRef) -> Marked | Gone | None:
        found = await self._read_message(message)
        if found is None or isinstance(found, Gone):
            return found
        author_id = found.get("user")
        thread = MessageRef(message.channel_id, str(found.get("thread_ts") or message.message_id))
        if (
            not author_id
            or found.get("bot_id")
            or found.get("subtype") == "bot_message"
            or author_id == self._bot_user_id
        ):
            # An app's or a webhook's message (``bot_id``, subtype ``bot_message``).
            return Marked(None, "", Stakeholder.INTERNAL, thread)
        member = await self._people.member(author_id)
        return Marked(
            author=member.person,
            text=await self._readable(str(found.get("text") or "")),
            stakeholder=self._stakeholder(message.channel_id, member),
            thread=thread,
        )

    async def _readable(self, text: str) -> str:
        """A captured message's text as people saw it, mentions by name."""
        names = {
            user_id: (await self._people.member(user_id)).person.display_name
            for user_id in mentioned_users(text)
        }
        return readable(text, names)

    async def _read_message(self, message: MessageRef) -> dict[str, Any] | Gone | None:
        """The message itself, whether it is in the channel or a reply in a thread; ``Gone``
        when Slack can read the channel and the message is not there (deleted, or the
        "This message was deleted." tombstone a deleted thread parent leaves)."""
        channel, ts = message.channel_id, message.message_id
        try:
            history = await self._client.conversations_history(
                channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1
            )
            found = _message_at(history.get("messages"), ts)
            if found is None:
                # Asked for a reply, Slack answers with its thread's parent first, then it.
                thread = await self._client.conversations_replies(
                    channel=channel, ts=ts, latest=ts, oldest=ts, inclusive=True
                )
                found = _message_at(thread.get("messages"), ts)
        except SlackApiError as error:
            if slack_error(error) in MESSAGE_GONE:
                return Gone()
            log.warning("could not read a message to capture: %s", slack_error(error))
            return None
        if found is None or found.get("subtype") == "tombstone":
            return Gone()
        return found


def _message_at(messages: list[dict[str, Any]] | None, ts: str) -> dict[str, Any] | None:
    return next((dict(message) for message in messages or [] if message.get("ts") == ts), None)
