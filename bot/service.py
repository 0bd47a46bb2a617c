"""The use cases: submit and thank, vote, find, list, export, change status."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.acknowledgement import compose_thanks
from bot.backlog import known_name
from bot.delivery import Delivered, Delivery
from bot.errors import InvalidTransition, ItemNotFound, StorageError
from bot.identity import MessageRef, Person, Workspace
from bot.items import Item, ItemKind, Priority, Stakeholder, Status
from bot.journal import Journal
from bot.messages import Message, Quote
from bot.outbox import Owed
from bot.ports import (
    Chat,
    Clock,
    Deletion,
    FirstDelivery,
    ItemQuery,
    Seal,
    UnitOfWork,
    UnitOfWorkFactory,
    WriteTogether,
)
from bot.surveys import ExportedAnswer
from bot.syntax import USAGE
from bot.text import MAX_TEXT_LENGTH, clean, excerpt, is_blank
from bot.webhook_events import created, merged, status_changed, voted

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Submission:
    """What a person asked to record, already translated from their platform."""

    workspace: Workspace
    channel_id: str
    author: Person
    kind: ItemKind
    text: str
    stakeholder: Stakeholder = Stakeholder.INTERNAL
    priority: Priority | None = None
    anonymous: bool = False
    source: MessageRef | None = None
    delivery_id: str | None = None
    # Where the thank-you goes when not in the channel itself: a captured message's thread.
    thread: MessageRef | None = None


class Refusal(StrEnum):
    EMPTY = "empty"
    # The platform delivered the same event again; the person heard the first time.
    REPEATED = "repeated"
    # Someone asked to record a message that is recorded already.
    ALREADY_RECORDED = "already_recorded"
    TOO_LONG = "too_long"
    NOT_STORED = "not_stored"


# How much of a text refused as too long is given back, so the person knows which one it was.
TOO_LONG_EXCERPT = 200
# What someone hears when the platform delivered what they sent a second time.
ALREADY_RECORDED = Message.of("That arrived twice; it is recorded once, nothing more was stored.")


@dataclass(frozen=True, slots=True)
class Refused:
    """Nothing was stored. ``message`` tells the person why and gives their ``text`` back."""

    reason: Refusal
    message: Message
    text: str


@dataclass(frozen=True, slots=True)
class Recorded:
    """The item is stored; ``posted`` is where the thank-you went, ``None`` if only privately
    or (``later``) not yet: it is owed, and will be delivered once the platform takes it."""

    item: Item
    thanks: Message
    posted: MessageRef | None
    later: bool = False


# The messages a status change owes people, worked out in its transaction.
News = Callable[[Item, UnitOfWork], Awaitable[list[Owed]]]


@dataclass(frozen=True, slots=True)
class VoteResult:
    number: int
    counted: bool
    votes: int


class FeedbackService:
    """Every rule about recording, thanking and voting lives here, the same for every platform."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        seal: Seal | None = None,
        write_together: WriteTogether | None = None,
        *,
        delivery: Delivery | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        # With a seal, an anonymous item keeps a sealed handle so its author can be told what
        # became of it; without one it keeps nothing at all.
        self._seal = seal
        # New items and the thank-yous they owe are written in one transaction, together with
        # whatever else arrived meanwhile.
        if delivery is None:
            delivery = Delivery(uow, Journal(uow, write_together), clock, seal=seal)
        self.delivery = delivery
        self._journal = delivery.journal

    async def submit(self, submission: Submission) -> Item | Refused:
        """Record feedback or a request.

        Control characters are dropped and everything else is kept exactly. Empty text gets the
        usage, text over ``MAX_TEXT_LENGTH`` is refused whole (never truncated), and a storage
        failure is reported; in each of those cases nothing is stored and the text is given
        back. An anonymous item keeps no trace of its author.
        """
        text = clean(submission.text)
        if is_blank(text):
            return Refused(
                Refusal.EMPTY,
                Message.of(
                    "That message has no text to record, so nothing was recorded."
                    if submission.source is not None
                    else f"Tell me a little more, nothing was recorded. Usage: "
                    f"`{USAGE[submission.kind]}`"
                ),
                submission.text,
            )
        if len(text) > MAX_TEXT_LENGTH:
            # Only its beginning comes back: echoing 200,000 characters helps nobody, and no
            # platform would show them.
            return Refused(
                Refusal.TOO_LONG,
                Message.of(
                    f"That is too long: {len(text):,} characters, and the limit is "
                    f"{MAX_TEXT_LENGTH:,}, so nothing was stored. Please shorten it and send it "
                    "again. It began: “",
                    Quote(excerpt(text, TOO_LONG_EXCERPT)),
                    "”",
                ),
                submission.text,
            )
        item = Item(
            source=submission.source,
            workspace=submission.workspace,
            kind=submission.kind,
            text=text,
            channel_id=submission.channel_id,
            author=None if submission.anonymous else submission.author,
            stakeholder=submission.stakeholder,
            priority=submission.priority,
            created_at=self._clock.now(),
            author_handle=(
                self._seal.seal(submission.author.user_id)
                if submission.anonymous and self._seal is not None
                else None
            ),
        )
        # The thank-you is owed from the moment the item is stored, in the same transaction;
        # this process delivers it at once (``thank``), or another does later.
        thanks = self.delivery.claimed(Owed.thanks(item, submission.thread))
        try:
            if submission.source is not None:
                refused = await self._add_once(item, thanks, submission.delivery_id)
                if refused is not None:
                    return refused
                self._journal.recorded([item])
            elif submission.delivery_id is None:
                await self._journal(item, thanks, created(item))
            else:
                # A delivery that may repeat, claimed in the same group commit as the item.
                once = FirstDelivery(
                    item, [thanks], submission.delivery_id, item.created_at, events=[created(item)]
                )
                await self._journal(once)
                if not once.first:
                    return Refused(Refusal.REPEATED, ALREADY_RECORDED, "")
        except StorageError:
            log.exception("could not store a %s in %s", submission.kind.value, submission.workspace)
            return Refused(
                Refusal.NOT_STORED,
                Message.of(
                    "Sorry, I could not store that just now, so nothing was recorded. "
                    "Here is your text to send again in a moment:\n",
                    Quote(submission.text),
                ),
                submission.text,
            )
        return item

    async def _add_once(self, item: Item, thanks: Owed, delivery_id: str | None) -> Refused | None:
        """Add an item that comes from a delivery that may repeat or from a message that may be
        recorded already; ``None`` when it was added."""
        async with self._uow() as uow:
            if not await self._first(uow, item.workspace, delivery_id):
                return Refused(Refusal.REPEATED, ALREADY_RECORDED, "")
            if item.source is not None:
                earlier = await uow.items.get_by_source(item.workspace, item.source)
                if earlier is not None:
                    return Refused(
                        Refusal.ALREADY_RECORDED,
                        Message.of(f"That message is already recorded as #{earlier.number}."),
                        "",
                    )
            await uow.items.add(item)
            await uow.outbox.add([thanks])
            await uow.webhooks.emit([created(item)])
            await uow.commit()
            return None

    async def submit_and_thank(self, submission: Submission, chat: Chat) -> Recorded | Refused:
        """Record the item, then thank the person in the channel so others can vote on it.

        The item is committed before any thank-you is shown. Where the bot may not (or could
        not) post in the channel, the person is thanked privately and the item is kept. A
        refusal is shown to the person alone.
        """
        outcome = await self.submit(submission)
        if isinstance(outcome, Refused):
            await chat.post_private(submission.channel_id, submission.author, outcome.message)
            return outcome
        return await self.thank(outcome, submission.author, chat)

    async def thank(
        self,
        item: Item,
        author: Person,
        chat: Chat,
        thread: MessageRef | None = None,
        *,
        known: Callable[[Recorded], None] | None = None,
    ) -> Recorded:
        """Thank the person for a stored item in the item's channel (or ``thread``), so others
        can vote on it, or privately where the bot may not post there; the thank-you is noted
        with the item. A passing failure leaves it owed, to be delivered later. ``known`` hears
        where the thank-you went as soon as the platform has said, before it is noted.

        Adapters that confirm the item to its author before thanking (Slack answers the
        command itself once the item is stored) call ``submit`` and then this."""
        owed = self.delivery.claimed(Owed.thanks(item, thread))

        def recorded(delivered: Delivered) -> Recorded:
            # The delivery composed the thank-you when it attempted it.
            thanks = owed.message or compose_thanks(item)
            return Recorded(item, thanks, delivered.posted, delivered.later)

        def heard(delivered: Delivered) -> None:
            if known is not None:
                known(recorded(delivered))

        delivered = await self.delivery.deliver(owed, chat, author=author, item=item, known=heard)
        return recorded(delivered)

    async def capture(
        self,
        submission: Submission,
        requested_by: Person,
        chat: Chat,
        thread: MessageRef | None = None,
    ) -> Recorded | Refused:
        """Record someone's message (``submission.source``) as feedback from its author, when
        another person asks for it with a reaction, and thank the author in its thread
        (``thread``: the thread the message is in, when it is a reply).

        A message is recorded once however many people ask; a later asker is told its number.
        A refusal is shown to the person who asked, not to the author. Where the thread reply
        fails, the author is thanked privately and the item is kept."""
        source = submission.source
        assert source is not None, "a capture names the message it captures"
        thread = thread or source
        outcome = await self.submit(replace(submission, thread=thread))
        if isinstance(outcome, Refused):
            if outcome.reason is not Refusal.REPEATED:
                await chat.post_private(submission.channel_id, requested_by, outcome.message)
            return outcome
        return await self.thank(outcome, submission.author, chat, thread)

    async def vote(
        self, workspace: Workspace, number: int, voter: Person, delivery_id: str | None = None
    ) -> VoteResult:
        """One vote per person per item. A vote for a duplicate counts for the item it was
        merged into. A repeated delivery of the same vote changes nothing."""
        return await self._ballot(workspace, number, voter, delivery_id, withdraw=False)

    async def withdraw_vote(
        self, workspace: Workspace, number: int, voter: Person, delivery_id: str | None = None
    ) -> VoteResult:
        """Take back a person's vote; withdrawing a vote never cast changes nothing."""
        return await self._ballot(workspace, number, voter, delivery_id, withdraw=True)

    async def withdraw_all_votes(
        self, workspace: Workspace, number: int, delivery_id: str | None = None
    ) -> int:
        """Withdraw every vote item ``number`` holds, as when the vote reactions are cleared
        from its thank-you, where its votes are cast. A duplicate holds none: the votes moved to
        the item it was merged into stay there. A repeated delivery changes nothing. Returns
        how many votes were withdrawn."""
        async with self._uow() as uow:
            if not await self._first(uow, workspace, delivery_id):
                return 0
            withdrawn = await uow.items.remove_votes(workspace, number)
            if withdrawn:
                item = await uow.items.get(workspace, number)
                if item is not None:
                    item.votes = 0
                    event = voted(item, 0, False, self._clock.now())
                    event.data["withdrawn"] = withdrawn
                    await uow.webhooks.emit([event])
            await uow.commit()
            for _ in range(withdrawn):
                self._journal.observations.voted(workspace.platform, "withdrawn")
            return withdrawn

    async def _ballot(
        self,
        workspace: Workspace,
        number: int,
        voter: Person,
        delivery_id: str | None,
        *,
        withdraw: bool,
    ) -> VoteResult:
        async with self._uow() as uow:
            item = await self._kept(uow, workspace, number)
            if not await self._first(uow, workspace, delivery_id):
                self._journal.observations.voted(workspace.platform, "unchanged")
                return VoteResult(number, False, item.votes)
            assert item.number is not None
            if withdraw:
                changed = await uow.items.remove_vote(workspace, item.number, voter.user_id)
            else:
                changed = await uow.items.add_vote(
                    workspace, item.number, voter.user_id, self._clock.now(), known_name(voter)
                )
            step = (-1 if withdraw else 1) if changed else 0
            if changed:
                item.votes += step
                await uow.webhooks.emit([voted(item, item.votes, not withdraw, self._clock.now())])
            await uow.commit()
            action = ("withdrawn" if withdraw else "cast") if changed else "unchanged"
            self._journal.observations.voted(workspace.platform, action)
            return VoteResult(item.number, changed, item.votes)

    async def item_for_thanks(self, workspace: Workspace, thanks: MessageRef) -> Item | None:
        """The item a thank-you message belongs to, for votes cast as reactions."""
        async with self._uow() as uow:
            return await uow.items.get_by_thanks(workspace, thanks)

    async def find(self, workspace: Workspace, number: int) -> Item | None:
        async with self._uow() as uow:
            return await uow.items.get(workspace, number)

    async def list_items(self, workspace: Workspace, query: ItemQuery | None = None) -> list[Item]:
        async with self._uow() as uow:
            return await uow.items.search(workspace, query or ItemQuery())

    async def export(self, workspace: Workspace | None = None) -> AsyncIterator[Item]:
        """Every item of one workspace, or of every workspace one after the other."""
        async with self._uow() as uow:
            workspaces = [workspace] if workspace else await uow.items.workspaces()
            for each in workspaces:
                async for item in uow.items.export(each):
                    yield item

    async def export_answers(
        self, workspace: Workspace | None = None
    ) -> AsyncIterator[ExportedAnswer]:
        """Every survey answer of one workspace, or of every workspace one after the other:
        shipped items' (by item, then answer time), then pulse surveys' (by poll, then answer
        time). No answer about an anonymous item carries a user id."""
        async with self._uow() as uow:
            workspaces = [workspace] if workspace else await uow.items.workspaces()
            for each in workspaces:
                async for answer in uow.surveys.export(each):
                    yield answer

    async def delete(self, workspace: Workspace, number: int) -> Deletion:
        """Delete item ``number`` and everything kept about it, for good (an operator's
        command: it asks nothing). The KPIs then read as if it had never been; its number is
        not handed out again. ``ItemNotFound`` when there is no such item."""
        async with self._uow() as uow:
            deleted = await uow.items.delete(workspace, number)
            if deleted is None:
                raise ItemNotFound(f"there is no item #{number} in {workspace}")
            await uow.commit()
        return deleted

    async def change_status(
        self,
        workspace: Workspace,
        number: int,
        to: Status,
        *,
        by: Person | None = None,
        note: str = "",
        duplicate_of: int | None = None,
        news: News | None = None,
    ) -> Item:
        """Move an item along the lifecycle that ``bot.items.ALLOWED_TRANSITIONS`` defines.

        A duplicate points at the item that is kept: naming a duplicate follows it to the item
        it was merged into, and an item cannot be merged into its own duplicate. Its votes move
        to the kept item, once per person, in the same transaction, and so are the messages
        ``news`` says the change owes people (claimed here, to be delivered at once)."""
        async with self._uow() as uow:
            item = await self._require(uow.items.get(workspace, number), number)
            if duplicate_of is not None:
                kept = await self._kept(uow, workspace, duplicate_of)
                if kept.number == number and duplicate_of != number:
                    raise InvalidTransition(
                        f"#{duplicate_of} was merged into #{number}, so #{number} cannot "
                        f"become its duplicate"
                    )
                duplicate_of = kept.number
            before = item.status
            change = item.change_status(
                to, self._clock.now(), by=by, note=clean(note), duplicate_of=duplicate_of
            )
            await uow.items.update(item)
            events = [status_changed(item, change)]
            if duplicate_of is not None:
                await uow.items.move_votes(workspace, number, duplicate_of)
                item.votes = 0
                events.append(merged(item, duplicate_of, change.at))
            # Composed now: the payload shows the item as this change leaves it.
            await uow.webhooks.emit(events)
            if news is not None:
                owed = [self.delivery.claimed(each) for each in await news(item, uow)]
                if owed:
                    await uow.outbox.add(owed)
            await uow.commit()
            self._journal.observations.status_changed(workspace.platform, before, item.status)
            return item

    async def _first(self, uow: UnitOfWork, workspace: Workspace, delivery_id: str | None) -> bool:
        if delivery_id is None:
            return True
        return await uow.deliveries.first_delivery(workspace, delivery_id, self._clock.now())

    async def _kept(self, uow: UnitOfWork, workspace: Workspace, number: int) -> Item:
        """The item that stands for ``number``: itself, or the item its duplicates lead to."""
        item = await self._require(uow.items.get(workspace, number), number)
        seen = {number}
        while item.status is Status.DUPLICATE and item.duplicate_of not in (None, *seen):
            assert item.duplicate_of is not None
            seen.add(item.duplicate_of)
            item = await self._require(uow.items.get(workspace, item.duplicate_of), number)
        return item

    @staticmethod
    async def _require(pending: Awaitable[Item | None], number: int) -> Item:
        item = await pending
        if item is None:
            raise ItemNotFound(f"there is no item #{number} here")
        return item
