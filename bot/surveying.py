"""The survey use cases: answers to "Did this solve it?" and to pulse surveys.

The rules: only the people a shipped item's question was sent to (its requester, through the
sealed handle when anonymous, and its voters) may answer it, once each, a later answer
replacing the earlier; an anonymous requester answers as ``requester`` with no user id kept.
When someone's kept answer becomes *No*, the workspace's triage channel is owed a line in the
same transaction (never naming anyone), and so is a comment added while the answer is *No*.
A pulse survey's answer is one per person per poll, a later one replacing the earlier.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot import survey_words as words
from bot.delivery import Delivery
from bot.identity import Person, Workspace
from bot.items import Item, Stakeholder, Status
from bot.messages import Message
from bot.outbox import Owed, Purpose
from bot.ports import Clock, Seal, UnitOfWork, UnitOfWorkFactory
from bot.slas import TriageChannels
from bot.surveys import (
    ANONYMOUS_REQUESTER,
    PollAnswer,
    Role,
    ShipAnswer,
    ShippedAnswer,
)
from bot.text import MAX_TEXT_LENGTH, clean, is_blank

log = logging.getLogger(__name__)

# A comment is a note for the team, not an essay; Discord's paragraph input takes 4000.
MAX_COMMENT_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class Asked:
    """Who answers about a shipped item: ``respondent`` as kept (the user id, or
    ``requester`` for an anonymous item's requester), and their role."""

    item: Item
    respondent: str
    user_id: str | None
    role: Role


class SurveyService:
    """The survey use cases. ``channels`` are the triage channels of the platforms this process
    serves (set by the composition root); without one for a workspace, a *No* is kept and
    counted but no line is owed."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        delivery: Delivery,
        *,
        seal: Seal | None = None,
        channels: TriageChannels | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._delivery = delivery
        self._seal = seal
        self.channels = channels

    # -- "Did this solve it?" ---------------------------------------------------------------

    async def answer_shipped(
        self, workspace: Workspace, person: Person, number: int, answer: ShipAnswer
    ) -> Message:
        """Keep ``person``'s answer about shipped item ``number`` (replacing theirs, the same
        answer again changing nothing); the private reply. ``StorageError`` propagates."""
        owed: Owed | None = None
        async with self._uow() as uow:
            asked = await self._asked(uow, workspace, person, number)
            if isinstance(asked, Message):
                return asked
            # The store keeps the same answer again as it was first given, and says what it
            # replaced: no read of the answer before.
            replaced = await uow.surveys.answer_shipped(
                ShippedAnswer(
                    workspace,
                    number,
                    asked.respondent,
                    asked.user_id,
                    asked.role,
                    answer,
                    self._clock.now(),
                )
            )
            if answer is ShipAnswer.NO and (replaced is None or replaced.answer is not answer):
                comment = replaced.comment if replaced is not None else None
                owed = self._to_triage(asked.item, words.triage_no(asked.item, asked.role, comment))
                if owed is not None:
                    await uow.outbox.add([owed])
            await uow.commit()
        await self._deliver(owed)
        return words.shipped_answered(
            number, answer, replaced.answer if replaced is not None else None
        )

    async def comment_shipped(
        self, workspace: Workspace, person: Person, number: int, comment: str
    ) -> Message:
        """Keep ``comment`` with ``person``'s answer about item ``number``; refused (their
        text given back) when they have not answered yet. ``StorageError`` propagates."""
        text = clean(comment)
        if is_blank(text):
            return words.comment_empty(number)
        if len(text) > min(MAX_COMMENT_LENGTH, MAX_TEXT_LENGTH):
            return words.comment_too_long(number, MAX_COMMENT_LENGTH, text)
        owed: Owed | None = None
        async with self._uow() as uow:
            asked = await self._asked(uow, workspace, person, number)
            if isinstance(asked, Message):
                return words.given_back(asked, text)
            kept = await uow.surveys.comment_shipped(workspace, number, asked.respondent, text)
            if kept is None:
                return words.answer_first(number, text)
            if kept.answer is ShipAnswer.NO:
                owed = self._to_triage(
                    asked.item, words.triage_comment(asked.item, asked.role, text)
                )
                if owed is not None:
                    await uow.outbox.add([owed])
            await uow.commit()
        await self._deliver(owed)
        return words.comment_kept(number, kept.answer)

    async def may_comment(
        self, workspace: Workspace, person: Person, number: int
    ) -> Message | None:
        """``None`` when ``person`` may add a comment about item ``number`` now (they were
        asked and have answered); otherwise the private reply saying why not."""
        async with self._uow() as uow:
            asked = await self._asked(uow, workspace, person, number)
            if isinstance(asked, Message):
                return asked
            kept = await uow.surveys.shipped_answer(workspace, number, asked.respondent)
        return words.answer_first(number) if kept is None else None

    async def _asked(
        self, uow: UnitOfWork, workspace: Workspace, person: Person, number: int
    ) -> Asked | Message:
        """Who ``person`` is to the item, or why they may not answer about it."""
        item = await uow.items.get(workspace, number)
        if item is None:
            return words.no_such_item(number)
        if item.status is not Status.SHIPPED:
            return words.not_shipped(item)
        if item.author is not None and item.author.user_id == person.user_id:
            return Asked(item, person.user_id, person.user_id, Role.REQUESTER)
        if item.author is None and self._opens_to(item.author_handle, person):
            # Asked through the sealed handle: answered as the requester, with no id kept.
            return Asked(item, ANONYMOUS_REQUESTER, None, Role.REQUESTER)
        if person.user_id in await uow.items.voter_ids(workspace, number):
            return Asked(item, person.user_id, person.user_id, Role.VOTER)
        return words.not_asked(number)

    def _opens_to(self, handle: str | None, person: Person) -> bool:
        if handle is None or self._seal is None:
            return False
        return self._seal.open(handle) == person.user_id

    def _to_triage(self, item: Item, message: Message) -> Owed | None:
        """The line owed to the item's workspace's triage channel, claimed by this process to
        deliver at once; ``None`` when this process knows no triage channel there."""
        outlet = None if self.channels is None else self.channels.outlet(item.workspace)
        if outlet is None:
            log.info(
                "no triage channel to tell of a No about #%s in %s", item.number, item.workspace
            )
            return None
        owed = Owed(item.workspace, Purpose.POST, self._clock.now(), channel_id=outlet.channel_id)
        owed.message = message
        owed.item_number = item.number
        return self._delivery.claimed(owed)

    async def _deliver(self, owed: Owed | None) -> None:
        """Deliver a committed line at once; what the platform does not take stays owed."""
        if owed is None or self.channels is None:
            return
        outlet = self.channels.outlet(owed.workspace)
        if outlet is not None:
            await self._delivery.deliver(owed, outlet.chat)

    # -- pulse surveys ------------------------------------------------------------------------

    async def answer_poll(
        self,
        workspace: Workspace,
        person: Person,
        stakeholder: Stakeholder,
        poll_id: int,
        value: int,
    ) -> Message:
        """Keep ``person``'s answer to the poll (replacing theirs); the private reply. A poll of
        another workspace, or a value off its scale, keeps nothing. ``StorageError``
        propagates."""
        async with self._uow() as uow:
            poll = await uow.surveys.poll(poll_id)
            if poll is None:
                return words.NO_SUCH_POLL
            if workspace.id and poll.workspace != workspace:
                return words.POLL_OTHER_WORKSPACE
            if workspace.platform is not poll.workspace.platform:
                return words.POLL_OTHER_WORKSPACE
            if value not in poll.scale.values:
                return words.NOT_ON_SCALE
            before = await uow.surveys.answer_poll(
                PollAnswer(poll_id, person.user_id, stakeholder, value, self._clock.now())
            )
            await uow.commit()
        return words.poll_answered(poll, value, before)
