"""The ``Chat`` port on Discord: for one interaction, and for a channel (reactions)."""

from __future__ import annotations

import asyncio
import logging
from enum import Enum

import discord

from adapters.discord.formatting import chunks, render
from bot.identity import MessageRef, Person
from bot.messages import Mention, Message
from bot.ports import ChannelUnavailable, ChatFailed

log = logging.getLogger(__name__)

# What the client allows by default: nothing pings. A message that names people passes
# ``mentioning`` instead, which allows those users and no one else.
NO_PINGS = discord.AllowedMentions.none()


def mentioning(message: Message) -> discord.AllowedMentions:
    """Ping exactly the people the core names (the author in a thank-you), never a role,
    ``@everyone`` or ``@here``, and never the author of a message replied to."""
    users = [discord.Object(int(p.person.user_id)) for p in message.parts if isinstance(p, Mention)]
    return discord.AllowedMentions(everyone=False, roles=False, users=users, replied_user=False)


def failure(error: discord.HTTPException) -> ChatFailed:
    """Discord's refusal as the core's: a missing permission or channel means the bot may not
    post there; anything else is a failure."""
    reason = f"{error.status} {error.code}: {error.text}".strip()
    if isinstance(error, discord.Forbidden | discord.NotFound):
        return ChannelUnavailable(reason)
    return ChatFailed(reason)


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

    async def defer(self) -> None:
        async with self._lock:
            if self.answer is not Answer.NONE:
                return
            # An anonymous item's public thanks is a channel message; what the person sees
            # as the answer to their command is private.
            await self._interaction.response.defer(thinking=True, ephemeral=self._anonymous)
            self.answer = Answer.DEFERRED_PRIVATE if self._anonymous else Answer.DEFERRED_PUBLIC

    async def post(self, channel_id: str, message: Message) -> MessageRef:
        if self._anonymous:
            return await post_in_channel(self._interaction.client, channel_id, message)
        content, allowed = render(message), mentioning(message)
        async with self._lock:
            try:
                if self.answer is Answer.NONE:
                    callback = await self._interaction.response.send_message(
                        content, allowed_mentions=allowed, suppress_embeds=True
                    )
                    self.answer = Answer.DONE
                    message_id = callback.message_id
                elif self.answer is Answer.DEFERRED_PUBLIC:
                    edited = await self._interaction.edit_original_response(
                        content=content, allowed_mentions=allowed
                    )
                    self.answer = Answer.DONE
                    message_id = edited.id
                else:
                    raise ChatFailed("the interaction was already answered privately")
            except discord.HTTPException as error:
                raise ChatFailed(f"{error.status} {error.code}: {error.text}") from error
        if message_id is None:
            raise ChatFailed("Discord did not say which message carries the response")
        return MessageRef(channel_id, str(message_id))

    async def post_private(self, channel_id: str, person: Person, message: Message) -> None:
        parts = chunks(render(message))
        async with self._lock:
            try:
                await self._private(parts)
            except discord.HTTPException as error:
                log.error("could not answer an interaction privately: %s", error)

    async def _private(self, parts: list[str]) -> None:
        interaction = self._interaction
        first, rest = parts[0], parts[1:]
        if self.answer is Answer.NONE:
            await interaction.response.send_message(
                first, ephemeral=True, allowed_mentions=NO_PINGS, suppress_embeds=True
            )
        elif self.answer is Answer.DEFERRED_PRIVATE:
            await interaction.edit_original_response(content=first, allowed_mentions=NO_PINGS)
        else:
            if self.answer is Answer.DEFERRED_PUBLIC:
                # The public "thinking" placeholder cannot turn private; it goes, and the
                # private note follows on its own.
                await interaction.delete_original_response()
            rest = parts
        self.answer = Answer.DONE
        for part in rest:
            await interaction.followup.send(
                part, ephemeral=True, allowed_mentions=NO_PINGS, suppress_embeds=True
            )

    async def reply_in_thread(
        self, channel_id: str, thread: MessageRef, message: Message
    ) -> MessageRef:
        return await reply_in_channel(self._interaction.client, channel_id, thread, message)

    async def direct_message(self, person: Person, message: Message) -> None:
        await direct_message(self._interaction.client, person, message)


class ChannelChat:
    """The chat of a reaction: replies in the channel, and direct messages for what is
    private (outside an interaction Discord has no ephemeral messages)."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def post(self, channel_id: str, message: Message) -> MessageRef:
        return await post_in_channel(self._client, channel_id, message)

    async def reply_in_thread(
        self, channel_id: str, thread: MessageRef, message: Message
    ) -> MessageRef:
        return await reply_in_channel(self._client, channel_id, thread, message)

    async def direct_message(self, person: Person, message: Message) -> None:
        await direct_message(self._client, person, message)

    async def post_private(self, channel_id: str, person: Person, message: Message) -> None:
        try:
            dm = await self._client.create_dm(discord.Object(int(person.user_id)))
            for part in chunks(render(message)):
                await dm.send(part, allowed_mentions=NO_PINGS, suppress_embeds=True)
        except discord.HTTPException as error:
            # People can close their DMs to server members; there is no other private way.
            log.info("could not send a direct message: %s", error)


async def post_in_channel(client: discord.Client, channel_id: str, message: Message) -> MessageRef:
    channel = client.get_partial_messageable(int(channel_id))
    try:
        sent = await channel.send(
            render(message), allowed_mentions=mentioning(message), suppress_embeds=True
        )
    except discord.HTTPException as error:
        raise failure(error) from error
    return MessageRef(channel_id, str(sent.id))


async def reply_in_channel(
    client: discord.Client, channel_id: str, thread: MessageRef, message: Message
) -> MessageRef:
    """A reply to the message: Discord's way of answering a message where it stands."""
    channel = client.get_partial_messageable(int(channel_id))
    reference = discord.MessageReference(
        message_id=int(thread.message_id), channel_id=int(channel_id), fail_if_not_exists=False
    )
    try:
        sent = await channel.send(
            render(message),
            reference=reference,
            allowed_mentions=mentioning(message),
            suppress_embeds=True,
        )
    except discord.HTTPException as error:
        raise failure(error) from error
    return MessageRef(channel_id, str(sent.id))


async def direct_message(client: discord.Client, person: Person, message: Message) -> None:
    """A direct message; ``ChatFailed`` (with Discord's code, never the person's id: they may be
    an anonymous author) when the person closed their DMs or cannot be reached."""
    try:
        dm = await client.create_dm(discord.Object(int(person.user_id)))
        for part in chunks(render(message)):
            await dm.send(part, allowed_mentions=NO_PINGS, suppress_embeds=True)
    except discord.HTTPException as error:
        raise ChatFailed(f"{error.status} {error.code}") from None
