"""Delivering what is owed: at once by the request that owed it, later by whichever process
claims it, and again after every passing failure until it is delivered or not worth it.

A message is never posted twice: one that an earlier attempt may have posted (a timeout after
sending, a process that died between posting and noting it) is looked for by its marker before
it is tried again. A channel that answered with a rate limit is left alone until the platform
said to come back. A thank-you the channel cannot take (for good) goes to its author privately.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.acknowledgement import compose_private_thanks, compose_thanks
from bot.errors import StorageError
from bot.folding import Folding
from bot.identity import MessageRef, Person, Platform, Workspace
from bot.items import Item
from bot.journal import Journal, Write
from bot.messages import Message
from bot.observations import error_code
from bot.outbox import RESPONSE_URL_LIFETIME, Owed, Postponed, Purpose, Settled
from bot.ports import (
    Chat,
    ChatFailed,
    Clock,
    DirectChat,
    Seal,
    ThanksNote,
    TryLater,
    UnitOfWorkFactory,
)

log = logging.getLogger(__name__)

# How long a claim keeps other processes off a message: longer than one attempt can take
# (platform clients time out well within it), short enough that a dead process's messages are
# picked up again within a minute of a restart.
LEASE = timedelta(seconds=30)
# Seconds between attempts after a passing failure; the last repeats. Capped under 20 s so a
# platform that answers again is caught up with promptly.
BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0)
# Where a post that may have gone out is looked for, around the attempt that may have made it:
# from a little before (the platform's clock may differ from ours) to after the longest an
# attempt lasts (platform clients give up within 10-20 s).
LOOK_BEFORE = timedelta(seconds=5)
LOOK_AFTER = timedelta(seconds=30)
PARALLEL = 32


class Outlet(Protocol):
    """A platform's way to people for messages delivered after the request that owed them."""

    def chat(self, response_url: str | None = None) -> DirectChat:
        """The chat to deliver with; ``response_url`` is a private way back to one person,
        when the message still has a live one."""
        ...


@dataclass(frozen=True, slots=True)
class Delivered:
    """What became of one attempt: ``posted`` is the channel message (a thank-you's, which
    people vote on); ``privately`` when the person was told privately instead; ``later`` when
    it is kept to be tried again."""

    posted: MessageRef | None = None
    privately: bool = False
    later: bool = False


_LATER = Delivered(later=True)


class Delivery:
    """Delivers owed messages through the ``Chat`` of their platform. ``owner`` names this
    process in its claims."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        journal: Journal,
        clock: Clock,
        *,
        seal: Seal | None = None,
        owner: str | None = None,
        lease: timedelta = LEASE,
        backoff: Sequence[float] = BACKOFF,
        parallel: int = PARALLEL,
    ) -> None:
        self.uow = uow
        self.journal = journal
        self._clock = clock
        self._seal = seal
        self.owner = owner or secrets.token_hex(6)
        self._lease = lease
        self._backoff = tuple(backoff)
        self._parallel = parallel
        self._outlets: dict[Platform, Outlet] = {}
        self._held: dict[tuple[Platform, str], datetime] = {}
        # Owed messages the database would not keep (it was down): tried from memory instead.
        self._unsaved: list[Owed] = []
        # Why messages wait, said once in a while rather than once per message.
        self._waiting = Folding()

    def serve(self, platform: Platform, outlet: Outlet) -> None:
        """Deliver this platform's messages, including those other processes left."""
        self._outlets[platform] = outlet

    @property
    def platforms(self) -> frozenset[Platform]:
        return frozenset(self._outlets)

    def claimed(self, owed: Owed) -> Owed:
        """``owed``, claimed by this process for one lease, to be delivered by it at once."""
        now = self._clock.now()
        owed.claimed_by, owed.claimed_until, owed.tried_at = self.owner, now + self._lease, now
        return owed

    def privately(
        self,
        workspace: Workspace,
        channel_id: str,
        person: Person,
        message: Message,
        *,
        anonymous: bool = False,
    ) -> Owed:
        """A private word owed to ``person`` in that channel. An anonymous author is kept only
        sealed, and not at all without a seal (then only this process can tell them)."""
        owed = Owed(workspace, Purpose.PRIVATE, self._clock.now(), channel_id=channel_id)
        owed.message = message
        if not anonymous:
            owed.person = person
        elif self._seal is not None:
            owed.person, owed.sealed = Person(self._seal.seal(person.user_id), ""), True
        return owed

    async def tell(
        self, owed: Owed, chat: Chat | None = None, *, author: Person | None = None
    ) -> Delivered:
        """Keep ``owed`` and deliver it at once (``author``: whom, when the row may not say);
        when the database cannot keep it, deliver it from memory all the same, and keep trying
        while this process runs."""
        try:
            await self.journal(self.claimed(owed))
        except StorageError:
            log.warning("an owed %s is kept in memory only: the database failed", owed.purpose)
            return await self._deliver(owed, chat, author=author, saved=False)
        return await self.deliver(owed, chat, author=author)

    async def deliver(
        self,
        owed: Owed,
        chat: Chat | None = None,
        *,
        author: Person | None = None,
        item: Item | None = None,
        known: Callable[[Delivered], None] | None = None,
    ) -> Delivered:
        """One attempt at a stored, claimed message, and its outcome noted. ``author`` is who
        to thank privately where the channel cannot take a thank-you (an anonymous author is
        known only to the request that stored the item). ``known`` hears the outcome as soon
        as the platform has answered, before it is noted."""
        return await self._deliver(owed, chat, author=author, item=item, known=known)

    async def _deliver(
        self,
        owed: Owed,
        chat: Chat | None,
        *,
        author: Person | None = None,
        item: Item | None = None,
        saved: bool = True,
        known: Callable[[Delivered], None] | None = None,
    ) -> Delivered:
        try:
            chat = chat or self._outlet_chat(owed)
            writes, delivered, follow = await self._attempt(owed, chat, author, item)
        except (StorageError, TryLater) as failed:
            # No item to read, or no way to its platform here: its claim runs out and it is
            # tried again, here or by a process that has the way.
            log.warning("an owed %s waits for its lease: %s", owed.purpose, failed)
            return _LATER
        if not saved:
            if delivered.later:
                self._unsaved.append(owed)
            writes = [write for write in writes if isinstance(write, ThanksNote)]
        if follow is None and known is not None:
            known(delivered)
        if writes:
            try:
                await self.journal(*writes)
            except StorageError:
                # Its claim runs out and it is looked for before being tried again.
                log.warning("could not note a delivery: the database failed")
        if follow is not None:
            return await self._deliver(follow, chat, author=author, saved=saved, known=known)
        return delivered

    def _outlet_chat(self, owed: Owed) -> DirectChat:
        outlet = self._outlets.get(owed.platform)
        if outlet is None:
            raise TryLater(f"no {owed.platform} connection in this process")
        fresh = self._clock.now() - owed.created_at < RESPONSE_URL_LIFETIME
        return outlet.chat(owed.response_url if fresh else None)

    async def _attempt(
        self, owed: Owed, chat: Chat, author: Person | None, item: Item | None
    ) -> tuple[list[Write], Delivered, Owed | None]:
        now = self._clock.now()
        held = self._held_until(owed, now)
        if held is not None:
            return [self._postponed(owed, held, "rate limited", owed.maybe_sent)], _LATER, None
        if owed.purpose is Purpose.THANKS:
            item = item or await self._item(owed)
            if item is None:
                return [Settled(owed.key, now, "the item is gone")], Delivered(), None
        observations = self.journal.observations
        try:
            sent = await self._send(owed, chat, item, author, now)
        except TryLater as later:
            if later.retry_after is not None:
                observations.rate_limited(owed.platform)
            return self._later(owed, later, now, author, item)
        except ChatFailed as failed:
            return self._undeliverable(owed, failed.reason, now, author, item, failed.reason)
        except Exception as error:
            log.warning("delivering an owed %s failed: %r", owed.purpose, error)
            return self._later(
                owed, TryLater(type(error).__name__, maybe_sent=True), now, author, item
            )
        if sent[1].posted is not None or sent[1].privately:
            observations.delivered(owed.platform, owed.purpose.value, "posted")
        return sent

    async def _send(
        self, owed: Owed, chat: Chat, item: Item | None, author: Person | None, now: datetime
    ) -> tuple[list[Write], Delivered, Owed | None]:
        purpose = owed.purpose
        if purpose in (Purpose.PRIVATE, Purpose.DIRECT):
            person = author or self._recipient(owed)
            if person is None or owed.message is None:
                return [Settled(owed.key, now, "nobody to tell")], Delivered(), None
            if purpose is Purpose.PRIVATE:
                await chat.post_private(owed.channel_id or "", person, owed.message)
            elif isinstance(chat, DirectChat):
                await chat.direct_message(person, owed.message)
            else:
                raise ChatFailed("no direct messages here")
            return [Settled(owed.key, now, "told")], Delivered(privately=True), None
        if owed.message is None and item is not None:
            owed.message = compose_thanks(item)  # in memory: the row keeps composing it
        message = owed.message
        assert message is not None and owed.channel_id is not None, "a post has words and a place"
        posted = await self._post_once(owed, chat, message)
        writes: list[Write] = [Settled(owed.key, now, "posted", posted)]
        if item is not None and item.number is not None:
            item.acknowledged_at, item.thanks = now, posted
            writes.append(ThanksNote(item.workspace, item.number, now, posted))
        return writes, Delivered(posted=posted), None

    async def _post_once(self, owed: Owed, chat: Chat, message: Message) -> MessageRef:
        assert owed.channel_id is not None
        if owed.maybe_sent:
            tried = owed.tried_at or owed.created_at
            found = await chat.find_posted(
                owed.channel_id,
                owed.key,
                tried - LOOK_BEFORE,
                owed.thread,
                min(tried + LOOK_AFTER, self._clock.now()),
            )
            if found is not None:
                return found
            owed.maybe_sent = False  # it was not posted: only this attempt may post it
        owed.tried_at = self._clock.now()
        if owed.thread is not None:
            return await chat.reply_in_thread(
                owed.channel_id, owed.thread, message, marker=owed.key
            )
        return await chat.post(owed.channel_id, message, marker=owed.key)

    def _later(
        self,
        owed: Owed,
        later: TryLater,
        now: datetime,
        author: Person | None,
        item: Item | None,
    ) -> tuple[list[Write], Delivered, Owed | None]:
        attempts = owed.attempts + 1
        if now >= owed.expires_at:
            return self._undeliverable(
                owed,
                f"gave up after {attempts} attempts: {later.reason}",
                now,
                author,
                item,
                later.reason,
            )
        self.journal.observations.delivered(
            owed.platform, owed.purpose.value, "retry", error_code(later.reason)
        )
        wait = self._backoff[min(attempts, len(self._backoff)) - 1]
        if later.retry_after is not None:
            wait = max(wait, later.retry_after)
            if owed.channel_id:
                self._held[(owed.platform, owed.channel_id)] = now + timedelta(
                    seconds=later.retry_after
                )
        owed.attempts = attempts
        owed.maybe_sent = owed.maybe_sent or later.maybe_sent
        self._say_waiting(owed, later.reason, wait, now)
        due = now + timedelta(seconds=wait)
        return [self._postponed(owed, due, later.reason, owed.maybe_sent)], _LATER, None

    def _say_waiting(self, owed: Owed, reason: str, wait: float, now: datetime) -> None:
        folded = self._waiting.say(reason, now.timestamp())
        if folded is not None:
            more = self._waiting.more(folded)
            log.warning("an owed %s waits %.0f s: %s%s", owed.purpose, wait, reason, more)

    def _postponed(self, owed: Owed, due: datetime, reason: str, maybe_sent: bool) -> Postponed:
        owed.due_at = due
        return Postponed(owed.key, due, owed.attempts, maybe_sent, reason, owed.tried_at)

    def _undeliverable(
        self,
        owed: Owed,
        reason: str,
        now: datetime,
        author: Person | None,
        item: Item | None,
        error: str,
    ) -> tuple[list[Write], Delivered, Owed | None]:
        """Ends the message for good. A thank-you goes to its author privately instead: the
        item is stored and they must hear so."""
        self.journal.observations.delivered(
            owed.platform, owed.purpose.value, "failed", error_code(error)
        )
        log.info("an owed %s cannot be delivered: %s", owed.purpose, reason)
        if owed.purpose is not Purpose.THANKS or item is None or item.number is None:
            return [Settled(owed.key, now, f"undeliverable: {reason}")], Delivered(), None
        privately = self.claimed(
            Owed(
                item.workspace,
                Purpose.PRIVATE,
                now,
                channel_id=item.channel_id,
                message=compose_private_thanks(item),
            ).to_author(item, author)
        )
        item.acknowledged_at, item.thanks = now, None
        writes: list[Write] = [
            Settled(owed.key, now, f"thanked privately: {reason}"),
            ThanksNote(item.workspace, item.number, now, None),
            privately,
        ]
        return writes, Delivered(privately=True), privately

    def _held_until(self, owed: Owed, now: datetime) -> datetime | None:
        if not owed.channel_id:
            return None
        until = self._held.get((owed.platform, owed.channel_id))
        if until is None or until <= now:
            return None
        return until

    def _recipient(self, owed: Owed) -> Person | None:
        if owed.person is None or not owed.sealed:
            return owed.person
        opened = self._seal.open(owed.person.user_id) if self._seal is not None else None
        return Person(opened, "") if opened is not None else None

    async def _item(self, owed: Owed) -> Item | None:
        number = owed.number
        if number is None:
            return None
        async with self.uow() as uow:
            return await uow.items.get(owed.workspace, number)

    # -- what others left ---------------------------------------------------------------------

    async def run_due(self, limit: int = 200) -> int:
        """Claim the messages due on the platforms served here and deliver them; how many."""
        unsaved, self._unsaved = self._unsaved, []
        if not self._outlets:
            return 0
        now = self._clock.now()
        async with self.uow() as uow:
            claimed = await uow.outbox.claim(
                self.platforms, now, by=self.owner, until=now + self._lease, limit=limit
            )
            await uow.commit()
        due_unsaved = [owed for owed in unsaved if (owed.due_at or now) <= now]
        self._unsaved.extend(owed for owed in unsaved if (owed.due_at or now) > now)
        gate = asyncio.Semaphore(self._parallel)

        async def one(owed: Owed, saved: bool) -> None:
            async with gate:
                await self._deliver(owed, None, saved=saved)

        await asyncio.gather(
            *(one(owed, True) for owed in claimed), *(one(owed, False) for owed in due_unsaved)
        )
        return len(claimed) + len(due_unsaved)

    async def run(self, stopping: asyncio.Event, every: float = 1.0, limit: int = 200) -> None:
        """Deliver what is due until ``stopping`` is set; at once again while there is more."""
        while not stopping.is_set():
            try:
                busy = await self.run_due(limit) >= limit
            except StorageError:
                busy = False  # the database is down; storage logs it
            except Exception:
                # Never the end of delivering: what failed stays owed, for the next round.
                log.exception("a delivery round failed")
                busy = False
            if busy:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), every)

    async def release(self) -> int:
        """Release this process's claims (it is stopping), so the next start delivers them at
        once; how many."""
        async with self.uow() as uow:
            released = await uow.outbox.release(self.owner)
            await uow.commit()
            return released
