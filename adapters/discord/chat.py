"""The ``Chat`` port on Discord: for one interaction, and for a channel (reactions, and
whatever is delivered later, such as the outbox's posts).

How a failed post is told to the core (``failure``): a 429 that discord.py would sleep
through for longer than ``MAX_RATELIMIT_WAIT`` (the client is built with it as
``max_ratelimit_timeout``), Discord's 5xx, a timeout and the network are ``TryLater``;
missing access, missing permissions or an unknown channel are ``ChannelUnavailable``;
anything else is ``ChatFailed``. ``maybe_sent`` is set when the request may have reached
Discord: a dropped connection or a post that outlived ``POST_DEADLINE``, but not a refused
connection nor a rate limit discord.py raised before sending.

A post with a ``marker`` sends it as the message's ``nonce`` with ``enforce_nonce``: for a few
minutes Discord answers a second post with the same nonce, by the same author in the same
channel, with the message it already made instead of a new one. discord.py retries 5xx and
short rate limits itself with the same payload, so those retries are safe too.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

import aiohttp
import discord

from adapters.discord.buttons import pieces, with_view
from adapters.discord.formatting import render
from adapters.discord.observed import answered
from bot.identity import MessageRef, Person
from bot.messages import Mention, Message
from bot.ports import ChannelUnavailable, ChatFailed, TryLater

log = logging.getLogger(__name__)
T = TypeVar("T")

# Discord's limit for a nonce; a longer one is refused with a 400.
NONCE_LIMIT = 25
# The longest rate limit discord.py waits out inside a call (its smallest allowed
# ``max_ratelimit_timeout``); a longer one raises, so the caller can schedule the retry
# instead of holding a worker for minutes.
MAX_RATELIMIT_WAIT = 30.0
# How long one post may take, rate-limit waits and discord.py's own retries of 5xx included
# (those alone sleep 25 s; its HTTP session waits 5 minutes for an answer).
POST_DEADLINE = 20.0

# Discord's "Interaction has already been acknowledged" (its JSON error codes).
ALREADY_ACKNOWLEDGED = 40060

# What the client allows by default: nothing pings. A message that names people passes
# ``mentioning`` instead, which allows those users and no one else.
NO_PINGS = discord.AllowedMentions.none()


def mentioning(message: Message) -> discord.AllowedMentions:
    """Ping exactly the people the core names (the author in a thank-you), never a role,
    ``@everyone`` or ``@here``, and never the author of a message replied to."""
    users = [discord.Object(int(p.person.user_id)) for p in message.parts if isinstance(p, Mention)]
    return discord.AllowedMentions(everyone=False, roles=False, users=users, replied_user=False)


def failure(error: discord.HTTPException) -> ChatFailed:
    """Discord's refusal as the core's (see the module's docstring)."""
    reason = f"{error.status} {error.code}: {error.text}".strip()
    if error.status == 429:
        # discord.py raises a 429 itself only when it does not trust it (no ``Via`` header:
        # Cloudflare's, not Discord's); its ``Retry-After`` is still the best guess.
        return TryLater(reason, _retry_after(error))
    if isinstance(error, discord.DiscordServerError) or error.status >= 500:
        return TryLater(reason)
    if isinstance(error, discord.Forbidden | discord.NotFound):
        # Missing Access (50001), Missing Permissions (50013), Unknown Channel (10003): none
        # of them passes by itself.
        return ChannelUnavailable(reason)
    return ChatFailed(reason)


def _retry_after(error: discord.HTTPException) -> float | None:
    header = error.response.headers.get("Retry-After") if error.response else None
    try:
        return float(header) if header is not None else None
    except ValueError:
        return None


async def deliver(
    attempt: Awaitable[T],
    deadline: float,
    refused: Callable[[discord.HTTPException], ChatFailed] = failure,
) -> T:
    """``attempt`` (one call to Discord) within ``deadline`` seconds, its failures as the
    core's; ``refused`` words Discord's own refusals."""
    try:
        async with asyncio.timeout(deadline):
            return await attempt
    except discord.RateLimited as error:
        # Raised before the request went out: nothing was posted.
        raise TryLater(f"rate limited for {error.retry_after:.1f} s", error.retry_after) from error
    except discord.HTTPException as error:
        raise refused(error) from error
    except aiohttp.ClientConnectorError as error:
        # The connection was never made (refused, no route, DNS), so the request never left.
        raise TryLater(f"network: {type(error).__name__}: {error}") from error
    except TimeoutError as error:
        raise TryLater(f"no answer within {deadline:g} s", maybe_sent=True) from error
    except (aiohttp.ClientError, OSError) as error:
        raise TryLater(f"network: {type(error).__name__}: {error}", maybe_sent=True) from error


def interaction_failure(error: discord.HTTPException) -> ChatFailed:
    """An interaction's answer refused: passing when Discord is busy or failing, otherwise
    for that interaction only (its token expired, it was answered already), never a sign that
    the channel is closed to the bot."""
    failed = failure(error)
    if isinstance(failed, TryLater):
        return failed
    return ChatFailed(failed.reason)


def nonce(marker: str | None) -> str | int:
    """The marker as the post's nonce; without one, a random nonce (as discord.py would pick),
    which still keeps discord.py's own retries of that one call from doubling the post."""
    if marker is None:
        return secrets.randbits(64)
    if len(marker) > NONCE_LIMIT:
        # Discord refuses a longer one with a 400, which would fail every retry.
        raise ValueError(f"a marker is at most {NONCE_LIMIT} characters on Discord: {marker!r}")
    return marker


class Answer(Enum):
    NONE = "none"
    DEFERRED_PUBLIC = "deferred_public"
    DEFERRED_PRIVATE = "deferred_private"
    DONE = "done"


class InteractionChat:
    """The chat of one command or form submission.

    The thank-you is the interaction's own response, so it shows in the channel for everyone
    (and can be voted on) without the bot needing permission to post there. An anonymous
    thank-you is an ordinary channel message instead: Discord shows who used a command above
    its response, which would name the author. What is private goes as ephemeral messages.

    The first answer is due within 3 s: ``defer`` is called when the work is slow, and the
    thank-you then replaces the "thinking" placeholder. A lock keeps a late ``defer`` from
    racing the thank-you itself.
    """

    def __init__(self, interaction: discord.Interaction, *, anonymous: bool = False) -> None:
        self._interaction = interaction
        self._anonymous = anonymous
        self._lock = asyncio.Lock()
        self.answer = Answer.NONE

    @classmethod
    def private(cls, interaction: discord.Interaction) -> InteractionChat:
        """The chat of an interaction answered only privately (a press of the core's
        buttons): deferred, it thinks where only the person sees it, as for an anonymous
        item."""
        return cls(interaction, anonymous=True)

    async def defer(self) -> None:
        async with self._lock:
            if self.answer is not Answer.NONE:
                return
            # An anonymous item's public thanks is a channel message; what the person sees
            # as the answer to their command is private.
            await self._interaction.response.defer(thinking=True, ephemeral=self._anonymous)
            answered(self._interaction)
            self.answer = Answer.DEFERRED_PRIVATE if self._anonymous else Answer.DEFERRED_PUBLIC

    async def post(
        self, channel_id: str, message: Message, *, marker: str | None = None
    ) -> MessageRef:
        """The interaction's own answer. ``marker`` matters only for an anonymous thank-you,
        an ordinary channel message: an interaction is answered once, and Discord refuses a
        second answer (40060) rather than showing two."""
        if self._anonymous:
            return await post_in_channel(
                self._interaction.client, channel_id, message, marker=marker
            )
        content, allowed = render(message), mentioning(message)
        async with self._lock:
            message_id = await deliver(
                self._answer(content, allowed, with_view(message)),
                POST_DEADLINE,
                interaction_failure,
            )
        if message_id is None:
            raise ChatFailed("Discord did not say which message carries the response")
        return MessageRef(channel_id, str(message_id))

    async def _answer(
        self, content: str, allowed: discord.AllowedMentions, buttons: dict[str, Any]
    ) -> int | None:
        if self.answer is Answer.NONE:
            callback = await self._interaction.response.send_message(
                content, allowed_mentions=allowed, suppress_embeds=True, **buttons
            )
            answered(self._interaction)
            self.answer = Answer.DONE
            return callback.message_id
        if self.answer is Answer.DEFERRED_PUBLIC:
            edited = await self._interaction.edit_original_response(
                content=content, allowed_mentions=allowed, **buttons
            )
            self.answer = Answer.DONE
            return edited.id
        raise ChatFailed("the interaction was already answered privately")

    async def find_posted(
        self,
        channel_id: str,
        marker: str,
        since: datetime,
        thread: MessageRef | None = None,
        until: datetime | None = None,
    ) -> MessageRef | None:
        return await find_posted(self._interaction.client, channel_id, marker, since, thread)

    async def post_private(self, channel_id: str, person: Person, message: Message) -> None:
        parts = pieces(message)
        async with self._lock:
            try:
                await self._private(parts)
            except discord.HTTPException as error:
                if error.code == ALREADY_ACKNOWLEDGED:
                    # A delivery of the interaction repeated after a reconnect: the first
                    # one was answered.
                    log.info("an interaction was answered already: %s", error)
                    return
                log.error("could not answer an interaction privately: %s", error)

    async def _private(self, parts: list[tuple[str, dict[str, Any]]]) -> None:
        interaction = self._interaction
        (first, buttons), rest = parts[0], parts[1:]
        if self.answer is Answer.NONE:
            await interaction.response.send_message(
                first, ephemeral=True, allowed_mentions=NO_PINGS, suppress_embeds=True, **buttons
            )
            answered(interaction)
        elif self.answer is Answer.DEFERRED_PRIVATE:
            await interaction.edit_original_response(
                content=first, allowed_mentions=NO_PINGS, **buttons
            )
        else:
            if self.answer is Answer.DEFERRED_PUBLIC:
                # The public "thinking" placeholder cannot turn private; it goes, and the
                # private note follows on its own.
                await interaction.delete_original_response()
            rest = parts
        self.answer = Answer.DONE
        for part, buttons in rest:
            await interaction.followup.send(
                part, ephemeral=True, allowed_mentions=NO_PINGS, suppress_embeds=True, **buttons
            )

    async def reply_in_thread(
        self, channel_id: str, thread: MessageRef, message: Message, *, marker: str | None = None
    ) -> MessageRef:
        return await reply_in_channel(
            self._interaction.client, channel_id, thread, message, marker=marker
        )

    async def direct_message(self, person: Person, message: Message) -> None:
        await direct_message(self._interaction.client, person, message)


class ChannelDeliveries:
    """The outbox's way to Discord: channel messages, and direct messages for what is private
    (an interaction's token is not kept)."""

    def __init__(self, client: discord.Client) -> None:
        self._chat = ChannelChat(client)

    def chat(self, response_url: str | None = None) -> ChannelChat:
        return self._chat


class ChannelChat:
    """The chat of a channel outside any interaction: a reaction's answers and what is
    delivered later (reminders, the outbox). Replies in the channel, and direct messages for
    what is private (outside an interaction Discord has no ephemeral messages).

    ``deadline`` bounds each post (see ``POST_DEADLINE``)."""

    def __init__(self, client: discord.Client, *, deadline: float = POST_DEADLINE) -> None:
        self._client = client
        self._deadline = deadline

    async def post(
        self, channel_id: str, message: Message, *, marker: str | None = None
    ) -> MessageRef:
        return await post_in_channel(
            self._client, channel_id, message, marker=marker, deadline=self._deadline
        )

    async def reply_in_thread(
        self, channel_id: str, thread: MessageRef, message: Message, *, marker: str | None = None
    ) -> MessageRef:
        return await reply_in_channel(
            self._client, channel_id, thread, message, marker=marker, deadline=self._deadline
        )

    async def find_posted(
        self,
        channel_id: str,
        marker: str,
        since: datetime,
        thread: MessageRef | None = None,
        until: datetime | None = None,
    ) -> MessageRef | None:
        return await find_posted(self._client, channel_id, marker, since, thread)

    async def direct_message(self, person: Person, message: Message) -> None:
        await direct_message(self._client, person, message)

    async def post_private(self, channel_id: str, person: Person, message: Message) -> None:
        try:
            dm = await self._client.create_dm(discord.Object(int(person.user_id)))
            for part, buttons in pieces(message):
                await dm.send(part, allowed_mentions=NO_PINGS, suppress_embeds=True, **buttons)
        except discord.HTTPException as error:
            # People can close their DMs to server members; there is no other private way.
            log.info("could not send a direct message: %s", error)


async def post_in_channel(
    client: discord.Client,
    channel_id: str,
    message: Message,
    *,
    marker: str | None = None,
    deadline: float = POST_DEADLINE,
) -> MessageRef:
    channel = client.get_partial_messageable(int(channel_id))
    posting = channel.send(
        render(message),
        allowed_mentions=mentioning(message),
        suppress_embeds=True,
        # discord.py sends a nonce with ``enforce_nonce`` (see the module's docstring).
        nonce=nonce(marker),
        **with_view(message),
    )
    sent = await deliver(posting, deadline)
    return MessageRef(channel_id, str(sent.id))


async def reply_in_channel(
    client: discord.Client,
    channel_id: str,
    thread: MessageRef,
    message: Message,
    *,
    marker: str | None = None,
    deadline: float = POST_DEADLINE,
) -> MessageRef:
    """A reply to the message: Discord's way of answering a message where it stands."""
    channel = client.get_partial_messageable(int(channel_id))
    reference = discord.MessageReference(
        message_id=int(thread.message_id), channel_id=int(channel_id), fail_if_not_exists=False
    )
    posting = channel.send(
        render(message),
        reference=reference,
        allowed_mentions=mentioning(message),
        suppress_embeds=True,
        nonce=nonce(marker),
        **with_view(message),
    )
    sent = await deliver(posting, deadline)
    return MessageRef(channel_id, str(sent.id))


async def find_posted(
    client: discord.Client,
    channel_id: str,
    marker: str,
    since: datetime,
    thread: MessageRef | None = None,
) -> MessageRef | None:
    """Always ``None`` on Discord, without asking it: the marker cannot be looked up, and
    posting again with the same marker is the lookup, for a few minutes.

    The marker travels as the message's ``nonce``, and Discord documents the nonce only in
    the answer to the post and in the gateway's MESSAGE_CREATE event (which this bot does not
    receive: it asks for no message intents); a message read back from the channel's history
    carries none, so history cannot tell the bot's post from another with the same text. What
    Discord offers instead is ``enforce_nonce``: a post with a nonce the bot used in that
    channel in the past few minutes returns the message already made and posts nothing. So a
    post whose outcome is unknown is settled by posting it again, with its marker, soon.

    The limit: after that window (Discord says "a few minutes", without a figure) a post
    whose answer was lost may show twice. Whoever retries should retry a ``maybe_sent``
    post within about two minutes of the first attempt."""
    return None


async def direct_message(client: discord.Client, person: Person, message: Message) -> None:
    """A direct message; ``ChatFailed`` (with Discord's code, never the person's id: they may be
    an anonymous author) when the person closed their DMs or cannot be reached, ``TryLater``
    when Discord is busy or failing."""

    async def send() -> None:
        dm = await client.create_dm(discord.Object(int(person.user_id)))
        for part, buttons in pieces(message):
            await dm.send(part, allowed_mentions=NO_PINGS, suppress_embeds=True, **buttons)

    def refused(error: discord.HTTPException) -> ChatFailed:
        said = f"{error.status} {error.code}"
        if error.status == 429:
            return TryLater(said, _retry_after(error))
        return TryLater(said) if error.status >= 500 else ChatFailed(said)

    try:
        await deliver(send(), POST_DEADLINE, refused)
    except ChatFailed as failed:
        # Chained, the error would carry the request's URL into the log.
        raise failed from None
