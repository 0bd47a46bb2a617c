"""The discord.py client: ``/feedback`` and ``/request``, their form, and reactions, translated
into core calls. Handlers only translate; every rule is the core's."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AbstractContextManager
from functools import partial
from typing import Any, Final, Literal, TypeVar

import aiohttp
import discord
import yarl
from discord import app_commands

from adapters.discord.buttons import comment_form, pieces
from adapters.discord.chat import (
    MAX_RATELIMIT_WAIT,
    NO_PINGS,
    Answer,
    ChannelChat,
    InteractionChat,
)
from adapters.discord.formatting import MESSAGE_LIMIT, same_emoji
from adapters.discord.modal import FormChoices, build_form, submitted_text
from adapters.discord.observed import answered, arrived
from adapters.discord.payloads import routable
from adapters.discord.roadmap import InteractionRoles, roadmap_group
from adapters.discord.settings import DiscordSettings
from adapters.log_context import handling
from bot import replies
from bot.conversation import Ask, Conversation, Marked, Meaning, Reaction, Speaker, Surface
from bot.errors import ConfigError, FeedbackBotError
from bot.identity import MessageRef, Person, Platform, Workspace
from bot.items import ItemKind, Priority, Stakeholder
from bot.messages import Message
from bot.observations import UNOBSERVED, Observations
from bot.survey_words import comment_form_failed
from bot.surveys import ACTION_PREFIX
from bot.text import MAX_TEXT_LENGTH

log = logging.getLogger(__name__)
T = TypeVar("T")

# Discord wants the first answer to an interaction within 3 s. The work normally takes a few
# milliseconds and is answered with the thank-you itself; when it is not done after this long
# (a busy database), the bot defers and the thank-you replaces the placeholder later.
DEFER_AFTER = 1.0
PriorityChoice = Literal["must-have", "good-to-have"]
# Gateway close codes (Discord's API reference, "Gateway Close Event Codes"): 4004 means the
# token was refused; the bot closes with 4000 (unknown error) to be allowed to resume.
AUTHENTICATION_FAILED = 4004
RECONNECTING = 4000
# How ``start`` holds the connection: given ``connect``, runs it (again, when it fails).
Keep = Callable[[Callable[[], Awaitable[None]]], Coroutine[Any, Any, None]]
# discord.py's events for the gateway connection: up (READY, RESUMED), or dropped.
LINK_UP = frozenset({"connect", "resumed"})
LINK_DOWN = "disconnect"
REACTION_EVENTS = frozenset({"raw_reaction_add", "raw_reaction_remove"})
# MESSAGE_REACTION_REMOVE_EMOJI (one emoji cleared) and MESSAGE_REACTION_REMOVE_ALL.
CLEAR_EVENTS = frozenset({"raw_reaction_clear_emoji", "raw_reaction_clear"})
RawClearEvent = discord.RawReactionClearEmojiEvent | discord.RawReactionClearEvent
RawReactionEvent = discord.RawReactionActionEvent | RawClearEvent
# Discord's reaction types (Get Reactions): one person may hold both with the same emoji.
NORMAL: Final = 0
BURST: Final = 1


def intents(settings: DiscordSettings) -> discord.Intents:
    """The fewest the features need: guilds (servers, channels and roles, for stakeholder
    kinds), guild reactions (votes and captures), and message content (to read a message
    marked with the capture emoji; privileged, so it can be turned off)."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_reactions = True
    wanted.message_content = settings.message_content
    return wanted


def permissions() -> discord.Permissions:
    """What the bot needs in a channel (the README's invite link asks for exactly these): to
    read a message marked for capture, to reply to it, and to post an anonymous thank-you.
    A command's own answer needs no permission."""
    return discord.Permissions(
        view_channel=True,
        send_messages=True,
        send_messages_in_threads=True,
        read_message_history=True,
    )


def apply_endpoints(settings: DiscordSettings) -> None:
    """Point discord.py at another REST base or gateway (a rate-limit proxy, a test fake).

    discord.py reads both from class attributes, so this holds for the whole process; it is
    called once by whoever starts the client."""
    if settings.api_url:
        discord.http.Route.BASE = settings.api_url
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def stream_position(ws: Any) -> str | None:
    """Where the event being dispatched sits in the gateway's stream: its session and sequence
    number. Discord replays events with the same pair after a resume, so it names one delivery.
    """
    session, sequence = getattr(ws, "session_id", None), getattr(ws, "sequence", None)
    if session is None or sequence is None:
        return None
    return f"{session}:{sequence}"


class FeedbackClient(discord.Client):
    """A ``Client`` that hands raw reactions to the adapter with their place in the stream."""

    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        super().__init__(**options)
        self.adapter = adapter

    def dispatch(self, event: str, /, *args: Any, **kwargs: Any) -> None:
        # discord.py parses an event and dispatches it in one synchronous step, so the
        # socket's sequence number here is this event's own.
        if event == "interaction":
            # Before any handler runs: the command tree's task may answer it first.
            arrived(args[0], self.adapter.observations)
        super().dispatch(event, *args, **kwargs)
        if event in LINK_UP or event == LINK_DOWN:
            self.adapter.gateway_changed(event != LINK_DOWN)
        elif event in REACTION_EVENTS:
            super().dispatch("feedback_reaction", args[0], self.position(args[0]))
        elif event in CLEAR_EVENTS:
            super().dispatch("feedback_reaction_clear", args[0], self.position(args[0]))

    def position(self, payload: RawReactionEvent) -> str | None:
        """Where the reaction being dispatched sits in the gateway's stream."""
        return stream_position(self.ws)

    async def on_feedback_reaction(
        self, payload: discord.RawReactionActionEvent, position: str | None
    ) -> None:
        with _reaction_handling(payload, "reaction", position):
            await self.adapter.on_reaction(payload, position)

    async def on_feedback_reaction_clear(
        self, payload: RawClearEvent, position: str | None
    ) -> None:
        with _reaction_handling(payload, "reactions cleared", position):
            await self.adapter.on_reaction_clear(payload, position)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self.adapter.on_interaction(interaction)


def _reaction_handling(
    payload: RawReactionEvent, event: str, position: str | None
) -> AbstractContextManager[None]:
    """A reaction's log context: its place in the gateway's stream names it (its delivery id
    also holds the reacting person's id, which stays out of the log)."""
    guild = payload.guild_id
    workspace = None if guild is None else str(guild)
    return handling(Platform.DISCORD.value, workspace, event, event_id=position)


class ShardedFeedbackClient(FeedbackClient, discord.AutoShardedClient):
    """The same for bots in many servers: one gateway connection per shard."""

    def position(self, payload: RawReactionEvent) -> str | None:
        if payload.guild_id is None or not self.shard_count:
            return None
        shard = self.get_shard((payload.guild_id >> 22) % self.shard_count)
        # ShardInfo does not expose its socket; without it the delivery is not deduplicated,
        # and a vote stays one per person anyway.
        position = stream_position(getattr(getattr(shard, "_parent", None), "ws", None))
        return f"{shard.id if shard else '-'}:{position}" if position else None


def discord_surface(settings: DiscordSettings) -> Surface:
    return Surface(max_length=MESSAGE_LIMIT, vote_with=settings.vote_emoji)


# What a ``/roadmap`` subcommand asks of the conversation, once the interaction is read.
RoadmapAsk = Callable[[Conversation, Speaker], Awaitable[Message]]


class DiscordAdapter:
    def __init__(
        self,
        conversation: Conversation | None,
        settings: DiscordSettings,
        *,
        defer_after: float = DEFER_AFTER,
        admin_roles: frozenset[str] = frozenset(),
        on_gateway: Callable[[bool], None] | None = None,
        observations: Observations = UNOBSERVED,
    ) -> None:
        """``conversation`` is ``None`` only to register commands (``feedbackbot discord
        sync``). ``admin_roles`` (names or ids) may triage besides Manage Server.
        ``on_gateway`` is told each time the gateway connection comes up or drops;
        ``observations`` hears of each interaction and its acknowledgement."""
        self._on_gateway = on_gateway
        self._conversation = conversation
        self.observations = observations
        self._admin_roles = admin_roles
        self._settings = settings
        self._defer_after = defer_after
        client_class = ShardedFeedbackClient if settings.sharded else FeedbackClient
        self.client: discord.Client = client_class(
            self,
            intents=intents(settings),
            allowed_mentions=NO_PINGS,
            # No member list is needed: an interaction carries its member and roles.
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
            max_messages=None,
            # A longer rate limit raises instead of holding the post (and its worker) in a
            # sleep; the caller schedules the retry.
            max_ratelimit_timeout=MAX_RATELIMIT_WAIT,
        )
        self.tree = self._build_tree()
        self._connection: asyncio.Task[None] | None = None
        self._closing = False

    # -- commands ----------------------------------------------------------------------------

    def _build_tree(self) -> app_commands.CommandTree[discord.Client]:
        # Commands synced to a guild (DISCORD_GUILD_IDS) arrive with its id; falling back to
        # the global definitions serves them without registering each guild here. Every
        # command is for servers that installed the bot, and used there only (synced with
        # ``integration_types`` [0] and ``contexts`` [0]): with User Install enabled in the
        # portal, Discord would otherwise offer them in servers the bot is not in and in DMs.
        tree: app_commands.CommandTree[discord.Client] = FeedbackTree(
            self.client,
            fallback_to_global=True,
            allowed_installs=app_commands.AppInstallationType(guild=True, user=False),
            allowed_contexts=app_commands.AppCommandContext(
                guild=True, dm_channel=False, private_channel=False
            ),
        )
        adapter = self

        @app_commands.command(name="feedback", description="Tell the team what you think")
        @app_commands.describe(
            text="What you think (leave out to write it in a form)",
            anonymous="Record it with no name attached",
        )
        @app_commands.guild_only()
        async def feedback(
            interaction: discord.Interaction,
            text: app_commands.Range[str, 1, MAX_TEXT_LENGTH] | None = None,
            anonymous: bool = False,
        ) -> None:
            await adapter.on_command(interaction, ItemKind.FEEDBACK, text, None, anonymous)

        @app_commands.command(name="request", description="Ask the team for something")
        @app_commands.describe(
            text="What you need (leave out to write it in a form)",
            priority="must-have or good-to-have (the default)",
            anonymous="Record it with no name attached",
        )
        @app_commands.guild_only()
        async def request(
            interaction: discord.Interaction,
            text: app_commands.Range[str, 1, MAX_TEXT_LENGTH] | None = None,
            priority: PriorityChoice | None = None,
            anonymous: bool = False,
        ) -> None:
            # discord.py passes an option's value as sent, choice or not: one that is not a
            # priority (which Discord's clients never send) leaves the default.
            chosen = Priority.GOOD_TO_HAVE
            if priority in (Priority.MUST_HAVE.value, Priority.GOOD_TO_HAVE.value):
                chosen = Priority(priority)
            await adapter.on_command(interaction, ItemKind.REQUEST, text, chosen, anonymous)

        tree.add_command(feedback)
        tree.add_command(request)
        tree.add_command(roadmap_group(adapter))
        return tree

    def roles(self, interaction: discord.Interaction) -> InteractionRoles:
        return InteractionRoles(interaction, self._admin_roles)

    def channel_chat(self) -> ChannelChat:
        return ChannelChat(self.client)

    async def on_roadmap(self, interaction: discord.Interaction, ask: RoadmapAsk) -> None:
        """A ``/roadmap`` subcommand: answered privately after deferring (a digest reads the
        database)."""
        with self._handling(interaction, "/roadmap"):
            try:
                await interaction.response.defer(ephemeral=True, thinking=True)
            except discord.HTTPException as error:
                answered(interaction, ok=False)
                log.error("could not defer /roadmap: %s", error)
                return
            answered(interaction)
            answer = await self._roadmap_answer(interaction, ask)
            try:
                for part, buttons in pieces(answer):
                    await interaction.followup.send(
                        part,
                        ephemeral=True,
                        allowed_mentions=NO_PINGS,
                        suppress_embeds=True,
                        **buttons,
                    )
            except discord.HTTPException as error:
                log.error("could not answer /roadmap: %s", error)

    async def _roadmap_answer(self, interaction: discord.Interaction, ask: RoadmapAsk) -> Message:
        assert self._conversation is not None, "this adapter only registers commands"
        refusal = self._refusal(interaction)
        if refusal is not None:
            return refusal
        if _user_of(interaction) is None:
            return replies.WENT_WRONG
        try:
            return await ask(self._conversation, self._speaker(interaction))
        except Exception:
            log.exception("/roadmap failed")
            return replies.WENT_WRONG

    def _speaker(
        self, interaction: discord.Interaction, user: discord.User | discord.Member | None = None
    ) -> Speaker:
        """Who speaks, and where: asked once ``_refusal`` found nothing against the place and
        the interaction names its user."""
        author = user or _user_of(interaction)
        assert interaction.guild_id is not None and interaction.channel_id is not None
        assert author is not None
        return Speaker(
            Workspace(Platform.DISCORD, str(interaction.guild_id)),
            str(interaction.channel_id),
            _person(author),
            self.stakeholder(author),
        )

    def _refusal(self, interaction: discord.Interaction) -> Message | None:
        """Why nothing is recorded from where the interaction came, if so: a DM or group DM
        (a user install's ``context`` 1 or 2), no channel named, or a server that did not
        install the bot (a user install used there: ``authorizing_integration_owners`` has
        no guild key) or that the bot is not in (so it could neither post nor count votes)."""
        context = interaction.context
        if context.dm_channel or context.private_channel:
            return replies.NOT_IN_A_CHANNEL
        if interaction.guild_id is None or interaction.channel_id is None:
            return replies.NOT_IN_A_CHANNEL
        if not interaction.is_guild_integration():
            return replies.NOT_INSTALLED_HERE
        if self.client.get_guild(interaction.guild_id) is None:
            return replies.NOT_INSTALLED_HERE
        return None

    async def _refused(
        self, interaction: discord.Interaction, chat: InteractionChat, text: str
    ) -> bool:
        """Where nothing is recorded (``_refusal``), say so privately with ``text`` given
        back; ``True`` if so."""
        user = _user_of(interaction)
        if user is None:
            log.info("ignored an interaction that names nobody (no member, no user)")
            return True
        refusal = self._refusal(interaction)
        if refusal is None:
            return False
        await chat.post_private("", _person(user), replies.text_back(refusal, text))
        return True

    async def on_command(
        self,
        interaction: discord.Interaction,
        kind: ItemKind,
        text: str | None,
        priority: Priority | None,
        anonymous: bool,
    ) -> None:
        with self._handling(interaction, f"/{kind.value}"):
            # discord.py hands options over as the gateway sent them, of whatever type.
            if not isinstance(text, str | None) or not isinstance(anonymous, bool):
                log.info("ignored a command whose options are not of their declared types")
                return
            # Before any form opens: what would be typed into it could not be kept.
            chat = InteractionChat(interaction, anonymous=anonymous)
            if await self._refused(interaction, chat, text or ""):
                return
            if not (text or "").strip():
                form = build_form(FormChoices(kind, priority, anonymous))
                try:
                    await interaction.response.send_modal(form)
                    answered(interaction)
                except discord.HTTPException as error:
                    answered(interaction, ok=False)
                    # Discord no longer knows the interaction (answered after its 3 s): nobody
                    # is waiting for this form any more.
                    log.error("could not open the form: %s", error)
                return
            await self._record(interaction, Ask(kind, text or "", priority, anonymous))

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Presses of the core's buttons, the comment forms they open, and the forms of
        ``/feedback`` and ``/request``; commands reach ``on_command`` through the command
        tree. Each is read from the interaction alone (see adapters/discord/buttons.py)."""
        kind = interaction.type
        if kind not in (PRESSED, SUBMITTED) or not routable(interaction):
            return
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = data.get("custom_id")
        if not isinstance(custom_id, str):
            log.info("ignored a component or form whose custom id is not text")
            return
        if custom_id.startswith(ACTION_PREFIX):
            if kind is PRESSED:
                await self.on_press(interaction, custom_id)
            else:
                await self.on_comment(interaction, custom_id, submitted_text(data))
            return
        choices = FormChoices.parse(custom_id) if kind is SUBMITTED else None
        if choices is None:
            return
        ask = Ask(choices.kind, submitted_text(data), choices.priority, choices.anonymous)
        with self._handling(interaction, f"/{choices.kind.value} form"):
            await self._record(interaction, ask)

    async def _record(self, interaction: discord.Interaction, ask: Ask) -> None:
        assert self._conversation is not None, "this adapter only registers commands"
        chat = InteractionChat(interaction, anonymous=ask.anonymous)
        if await self._refused(interaction, chat, ask.text):
            return
        speaker = self._speaker(interaction)
        # A replayed INTERACTION_CREATE (after a resume) must not record the item twice.
        work = asyncio.create_task(
            self._conversation.record(
                speaker, ask, chat, delivery_id=f"interaction:{interaction.id}"
            )
        )
        done, _ = await asyncio.wait({work}, timeout=self._defer_after)
        if not done:
            try:
                await chat.defer()
            except discord.HTTPException as error:
                log.error("could not defer a slow interaction: %s", error)
        await work

    # -- the core's buttons -------------------------------------------------------------------

    async def on_press(self, interaction: discord.Interaction, action: str) -> None:
        """One of the core's buttons pressed: the answer is shown to the presser alone, or the
        comment form opens. A replayed delivery presses again, which the core counts once."""
        assert self._conversation is not None, "this adapter only registers commands"
        conversation = self._conversation
        with self._handling(interaction, "button"):
            speaker = self._presser(interaction)
            if speaker is None:
                log.info("ignored a press that names nobody or no channel")
                return
            chat = InteractionChat.private(interaction)
            answer = await self._in_time(chat, conversation.press(speaker, action))
            if answer is None:
                answer = replies.WENT_WRONG
            if isinstance(answer, Message):
                await chat.post_private(speaker.channel_id, speaker.person, answer)
            elif chat.answer is not Answer.NONE:
                # Discord opens a form only as the first answer to a press, and this one had
                # to be deferred while the core took its time.
                await chat.post_private(speaker.channel_id, speaker.person, FORM_TOO_LATE)
            else:
                await self._open_form(interaction, comment_form(answer))

    async def on_comment(self, interaction: discord.Interaction, action: str, text: str) -> None:
        """The comment typed into a form a press opened; the core's answer, privately."""
        assert self._conversation is not None, "this adapter only registers commands"
        conversation = self._conversation
        with self._handling(interaction, "comment form"):
            speaker = self._presser(interaction)
            if speaker is None:
                log.info("ignored a comment that names nobody or no channel")
                return
            chat = InteractionChat.private(interaction)
            answer = await self._in_time(chat, conversation.comment(speaker, action, text))
            if answer is None:
                answer = replies.text_back(replies.WENT_WRONG, text)
            await chat.post_private(speaker.channel_id, speaker.person, answer)

    async def _in_time(self, chat: InteractionChat, work: Awaitable[T]) -> T | None:
        """``work``'s outcome, deferring the interaction (privately) when it is not done
        within ``defer_after``: Discord wants a first answer within 3 s. ``None`` when it
        failed, which the core's entry points promise never to do (so it is logged as a bug)."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=self._defer_after)
        if not done:
            try:
                await chat.defer()
            except discord.HTTPException as error:
                log.error("could not defer a slow press or comment: %s", error)
        try:
            return await task
        except Exception:
            log.exception("the core failed to answer a press or a comment")
            return None

    async def _open_form(self, interaction: discord.Interaction, form: discord.ui.Modal) -> None:
        try:
            await interaction.response.send_modal(form)
            answered(interaction)
        except discord.HTTPException as error:
            answered(interaction, ok=False)
            # Discord no longer takes an answer to this press (a replayed delivery, or one
            # answered after its 3 s): nobody is waiting for this form.
            log.info("could not open the comment form: %s", error)

    def _presser(self, interaction: discord.Interaction) -> Speaker | None:
        """Who pressed, and where. A press in a direct message has no server: its workspace
        is left empty and the core takes it from the button's token."""
        user = _user_of(interaction)
        if user is None or interaction.channel_id is None:
            return None
        guild = interaction.guild_id
        return Speaker(
            Workspace(Platform.DISCORD, "" if guild is None else str(guild)),
            str(interaction.channel_id),
            _person(user),
            self.stakeholder(user),
            direct=guild is None,
        )

    def stakeholder(self, user: discord.User | discord.Member) -> Stakeholder:
        """External when the member has one of the configured roles (by name or id)."""
        wanted = self._settings.external_roles
        if not wanted or not isinstance(user, discord.Member):
            return Stakeholder.INTERNAL
        for role in user.roles:
            if role.name.casefold() in wanted or str(role.id) in wanted:
                return Stakeholder.EXTERNAL
        return Stakeholder.INTERNAL

    # -- reactions ----------------------------------------------------------------------------

    async def on_reaction(
        self, payload: discord.RawReactionActionEvent, position: str | None
    ) -> None:
        assert self._conversation is not None, "this adapter only registers commands"
        me = self.client.user
        if payload.guild_id is None or me is None or payload.user_id == me.id:
            return
        emoji = _emoji_name(payload.emoji)
        if same_emoji(emoji, self._settings.vote_emoji):
            meaning = Meaning.VOTE
        elif same_emoji(emoji, self._settings.capture_emoji):
            meaning = Meaning.CAPTURE
        else:
            return
        added = payload.event_type == "REACTION_ADD"
        message = MessageRef(str(payload.channel_id), str(payload.message_id))
        author_id = payload.message_author_id
        reaction = Reaction(
            Workspace(Platform.DISCORD, str(payload.guild_id)),
            message,
            # A reaction added in a guild carries the member (and their names); a removal not.
            _person(payload.member)
            if payload.member
            else Person(str(payload.user_id), str(payload.user_id)),
            meaning,
            added=added,
            delivery_id=(
                f"reaction:{payload.event_type}:{message.channel_id}:{message.message_id}:"
                f"{payload.user_id}:{emoji}:{position}"
                if position
                else None
            ),
            on_bot_message=None if author_id is None else author_id == me.id,
            still_held=None if added else partial(self._holds_the_other_kind, payload),
        )
        reader = DiscordMessages(self, payload.guild_id)
        await self._conversation.react(reaction, ChannelChat(self.client), reader)

    async def _holds_the_other_kind(self, payload: discord.RawReactionActionEvent) -> bool:
        """Whether the person who removed a normal (or super) reaction still holds the same
        emoji as a super (or normal) one. Asked of Discord (Get Reactions, of the other type,
        from this person's id on); when it cannot answer, the removal counts."""
        try:
            users = await self.client.http.get_reaction_users(
                payload.channel_id,
                payload.message_id,
                _reaction_key(payload.emoji),
                limit=1,
                after=payload.user_id - 1,
                type=NORMAL if payload.burst else BURST,
            )
        except (discord.HTTPException, aiohttp.ClientError, OSError) as error:
            log.warning("could not tell whether a vote is still held: %s", error)
            return False
        return any(str(user.get("id")) == str(payload.user_id) for user in users)

    async def on_reaction_clear(self, payload: RawClearEvent, position: str | None) -> None:
        """The vote emoji (or every reaction) cleared from a message, by a moderator or a bot."""
        assert self._conversation is not None, "this adapter only registers commands"
        if payload.guild_id is None:
            return
        emoji = "*"
        if isinstance(payload, discord.RawReactionClearEmojiEvent):
            emoji = _emoji_name(payload.emoji)
            if not same_emoji(emoji, self._settings.vote_emoji):
                return
        message = MessageRef(str(payload.channel_id), str(payload.message_id))
        delivery_id = (
            f"reaction-clear:{message.channel_id}:{message.message_id}:{emoji}:{position}"
            if position
            else None
        )
        workspace = Workspace(Platform.DISCORD, str(payload.guild_id))
        await self._conversation.votes_cleared(workspace, message, delivery_id)

    def no_text_hint(self) -> str:
        """Why a message's text may be hidden from the bot on Discord."""
        if not self._settings.message_content:
            return (
                "feedbackbot runs without the Message Content intent "
                "(DISCORD_MESSAGE_CONTENT=false), so it cannot read messages: ask an admin to "
                "enable it, or use /feedback instead."
            )
        return (
            "If it does have text, feedbackbot lacks the Message Content intent (Developer "
            "Portal > Bot); you can also use /feedback."
        )

    async def member(
        self, guild_id: int | None, author: discord.User | discord.Member
    ) -> discord.User | discord.Member:
        """The author with their roles, to tell external stakeholders; a message read over
        REST names its author without them."""
        guild = self.client.get_guild(guild_id) if guild_id else None
        if guild is None or isinstance(author, discord.Member):
            return author
        try:
            return await guild.fetch_member(author.id)
        except discord.HTTPException as error:
            log.info("could not look up a member's roles: %s", error)
            return author

    @staticmethod
    def _handling(interaction: discord.Interaction, event: str) -> AbstractContextManager[None]:
        """What the log lines written while ``interaction`` is handled are about."""
        guild = interaction.guild_id
        return handling(
            Platform.DISCORD.value,
            None if guild is None else str(guild),
            event,
            event_id=str(interaction.id),
            delivery_id=f"interaction:{interaction.id}",
        )

    # -- lifecycle ----------------------------------------------------------------------------

    def gateway_changed(self, up: bool) -> None:
        if self._on_gateway is not None:
            self._on_gateway(up)

    async def start(self, keep: Keep | None = None) -> None:
        """Log in over REST (a bad token fails here, at once), then hold the gateway connection
        in the background: ``keep`` runs ``connect`` again whenever it fails (``feedbackbot
        run`` passes adapters/app/supervising.py); without it the first failure ends it.
        Commands are never synced here: see ``sync_commands``."""
        apply_endpoints(self._settings)
        await login(self.client, self._settings.token)
        held = keep(self.connect) if keep is not None else self.connect()
        self._connection = asyncio.create_task(held, name="discord-gateway")

    async def connect(self) -> None:
        """One gateway connection: returns once the adapter is closed, raises when it fails. A
        close code discord.py gives up on also closes its client, which logs in again here."""
        if self._closing:
            return
        try:
            if self.client.is_closed():
                await self._reopen()
            await self.client.connect()
        except discord.PrivilegedIntentsRequired as error:
            raise ConfigError(
                "DISCORD_MESSAGE_CONTENT",
                "Discord refused the Message Content intent: enable it in the Developer Portal "
                "(Bot > Privileged Gateway Intents) or set DISCORD_MESSAGE_CONTENT=false",
            ) from error
        except discord.ConnectionClosed as error:
            if error.code == AUTHENTICATION_FAILED:
                raise ConfigError(
                    "DISCORD_TOKEN", "Discord no longer accepts the token (reset it)"
                ) from error
            if not self._closing:
                raise
        except Exception:
            if not self._closing:
                raise
        finally:
            if not self._closing:
                await self._drop_socket()
        if not self._closing:
            raise DiscordUnavailable("the gateway connection ended")

    async def _reopen(self) -> None:
        """Open the client again after discord.py closed it. ``clear`` re-opens it (so its
        docs say), but closing also closed the HTTP connector with the session and forgot the
        event loop: the connector is made anew at login, the loop set by entering it."""
        self.client.clear()
        self.client.http.connector = discord.utils.MISSING
        await self.client.__aenter__()
        await login(self.client, self._settings.token)

    async def _drop_socket(self) -> None:
        """Close the socket a failure left open (an event discord.py could not parse raises out
        of its loop with the socket still up), so the next connection starts clean."""
        socket = getattr(self.client, "ws", None)
        if isinstance(socket, discord.gateway.DiscordWebSocket) and not socket.socket.closed:
            await socket.close(code=RECONNECTING)

    @property
    def connection(self) -> asyncio.Task[None] | None:
        """The gateway connection; it ends only when the client is closed or fails for good."""
        return self._connection

    async def close(self) -> None:
        self._closing = True
        await self.client.close()
        if self._connection is None:
            return
        # Closed, its connection returns; one waiting to connect again stops waiting.
        self._connection.cancel()
        await asyncio.wait({self._connection})
        if not self._connection.cancelled() and self._connection.exception() is not None:
            log.error(
                "the Discord connection ended with an error", exc_info=self._connection.exception()
            )


PRESSED = discord.InteractionType.component
SUBMITTED = discord.InteractionType.modal_submit
# Why a press that should open a form could not: it took too long for Discord to let it open.
FORM_TOO_LATE = comment_form_failed("Discord stopped waiting for it")


# What discord.py raises for an interaction that does not match the commands as they were
# defined (a name, an option or a value Discord would not send): ignored with one line.
NOT_OUR_COMMAND = (
    app_commands.CommandNotFound,
    app_commands.CommandSignatureMismatch,
    app_commands.TransformerError,
)


class FeedbackTree(app_commands.CommandTree[discord.Client]):
    """The command tree, quiet about interactions that are not our commands as defined."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return routable(interaction)

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError, /
    ) -> None:
        if isinstance(error, NOT_OUR_COMMAND):
            log.info("ignored an interaction that matches no command: %s", type(error).__name__)
            return
        await super().on_error(interaction, error)  # logged with its traceback: a bug


class DiscordMessages:
    """The ``MessageReader`` on Discord, for a reaction in one guild."""

    def __init__(self, adapter: DiscordAdapter, guild_id: int | None) -> None:
        self._adapter = adapter
        self._guild_id = guild_id

    async def read(self, message: MessageRef) -> Marked | None:
        channel = self._adapter.client.get_partial_messageable(int(message.channel_id))
        try:
            found = await channel.fetch_message(int(message.message_id))
        except discord.HTTPException as error:
            log.warning("could not read a message to capture: %s", error)
            return None
        if found.author.bot or found.webhook_id is not None:
            return Marked(None, "", Stakeholder.INTERNAL, message)  # nobody's feedback
        hint = self._adapter.no_text_hint()
        if not found.content.strip():
            return Marked(_person(found.author), "", Stakeholder.INTERNAL, message, hint)
        member = await self._adapter.member(self._guild_id, found.author)
        return Marked(
            _person(member), found.content, self._adapter.stakeholder(member), message, hint
        )


async def sync_commands(settings: DiscordSettings) -> list[str]:
    """Register ``/feedback``, ``/request`` and ``/roadmap`` with Discord: in each guild of
    ``DISCORD_GUILD_IDS`` (available at once, for trying the bot) or else globally (may take
    up to an hour to show everywhere). Discord rate-limits this, so it is run once after
    installing or upgrading, never at every start. Returns one line per target."""
    adapter = DiscordAdapter(None, settings)
    apply_endpoints(settings)
    done: list[str] = []
    async with adapter.client:
        await login(adapter.client, settings.token)
        targets: list[discord.Object | None] = [
            discord.Object(gid) for gid in sorted(settings.guild_ids)
        ] or [None]
        for guild in targets:
            if guild is not None:
                adapter.tree.copy_global_to(guild=guild)
            synced = await adapter.tree.sync(guild=guild)
            where = f"in guild {guild.id}" if guild else "globally"
            done.append(f"synced {', '.join('/' + c.name for c in synced)} {where}")
    return done


class DiscordUnavailable(FeedbackBotError):
    """Discord cannot be reached, or refused the bot for good; the message says why."""


async def login(client: discord.Client, token: str) -> None:
    try:
        await client.login(token)
    except discord.LoginFailure as error:
        raise ConfigError(
            "DISCORD_TOKEN", "Discord refused the token (reset it and try again)"
        ) from error
    except (discord.HTTPException, aiohttp.ClientError, OSError) as error:
        raise DiscordUnavailable(f"cannot reach Discord: {error}") from error


def _reaction_key(emoji: discord.PartialEmoji) -> str:
    """How the REST API names a reaction's emoji: the character, or ``name:id`` for a custom
    one (discord.py URL-encodes it)."""
    return f"{emoji.name}:{emoji.id}" if emoji.id else emoji.name or ""


def _emoji_name(emoji: discord.PartialEmoji) -> str:
    # discord.py keeps whatever the gateway sent as the name; only text can match.
    return emoji.name if isinstance(emoji.name, str) else ""


def _user_of(interaction: discord.Interaction) -> discord.User | discord.Member | None:
    """Who used the interaction; discord.py leaves a sentinel when it carries nobody."""
    user: object = interaction.user
    return user if isinstance(user, discord.User | discord.Member) else None


def _person(user: discord.User | discord.Member) -> Person:
    # discord.py keeps (and caches) a name as the gateway sent it: text only, else the id.
    name: object = user.display_name
    return Person(str(user.id), name if isinstance(name, str) and name else str(user.id))
