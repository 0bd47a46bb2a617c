"""Triage and closing the loop: the use cases of the people who decide what becomes of items.

Only admins triage (``bot.ports.Roles`` says who they are): they move items along the lifecycle,
merge duplicates, and correct priorities and stakeholder kinds; anyone else is refused with
``NotAllowed`` and nothing changes. Every status change is told to the requester, in the thread
of the item's thank-you and by direct message; a direct message that cannot be delivered never
blocks the change, and the thread reply stands. Voters hear when an item ships or is declined.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.errors import DoesNotApply, ItemNotFound, NotAllowed, StorageError
from bot.identity import Person, Workspace
from bot.items import Item, ItemKind, Priority, Stakeholder, Status
from bot.kpis import Kpis
from bot.messages import Message
from bot.news import OUTCOMES, compose_outcome, compose_update
from bot.ports import ChatFailed, Clock, DirectChat, Roles, Seal, UnitOfWorkFactory
from bot.service import FeedbackService
from bot.text import clean

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Told:
    """How a status change reached people."""

    thread: bool = False
    direct: bool = False
    voters: int = 0


@dataclass(frozen=True, slots=True)
class StatusChanged:
    """The item as it now stands, and who heard of the change."""

    item: Item
    told: Told


class TriageService:
    """The triage use cases, the same on every platform. ``seal`` opens the sealed handles of
    anonymous authors, to tell them about their items."""

    def __init__(
        self,
        feedback: FeedbackService,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        seal: Seal | None = None,
    ) -> None:
        self._feedback = feedback
        self._uow = uow
        self._clock = clock
        self._seal = seal

    async def change_status(
        self,
        workspace: Workspace,
        person: Person,
        roles: Roles,
        chat: DirectChat,
        number: int,
        to: Status,
        *,
        note: str = "",
        duplicate_of: int | None = None,
    ) -> StatusChanged:
        """Move an item along the lifecycle (``FeedbackService.change_status`` holds its rules,
        and merges a duplicate's votes into the kept item), then tell the requester in the
        thread of the item's thank-you and by direct message, and the voters when it ships or
        is declined. Telling people never undoes or blocks the change."""
        await self._require_admin(workspace, person, roles)
        item = await self._feedback.change_status(
            workspace, number, to, by=person, note=note, duplicate_of=duplicate_of
        )
        return StatusChanged(item, await self._tell(item, clean(note), person, chat))

    async def set_priority(
        self, workspace: Workspace, person: Person, roles: Roles, number: int, priority: Priority
    ) -> Item:
        """Correct a request's priority. Feedback has none, so it cannot be given one."""

        def correct(item: Item) -> None:
            if item.kind is ItemKind.FEEDBACK:
                raise DoesNotApply(f"#{number} is feedback, and only requests have a priority")
            item.priority = priority

        return await self._correct(workspace, person, roles, number, correct)

    async def set_stakeholder(
        self,
        workspace: Workspace,
        person: Person,
        roles: Roles,
        number: int,
        stakeholder: Stakeholder,
    ) -> Item:
        """Correct whether an item comes from an internal or an external stakeholder."""

        def correct(item: Item) -> None:
            item.stakeholder = stakeholder

        return await self._correct(workspace, person, roles, number, correct)

    async def stats(self, workspace: Workspace | None, since: datetime | None = None) -> Kpis:
        """The KPIs of one workspace (or all) from ``since`` (or the start) until now; anyone
        may read them."""
        async with self._uow() as uow:
            return await uow.kpis.kpis(workspace, since, self._clock.now())

    async def _require_admin(self, workspace: Workspace, person: Person, roles: Roles) -> None:
        if not await roles.may_triage(workspace, person):
            raise NotAllowed("only admins can triage items")

    async def _correct(
        self,
        workspace: Workspace,
        person: Person,
        roles: Roles,
        number: int,
        correct: Callable[[Item], None],
    ) -> Item:
        await self._require_admin(workspace, person, roles)
        async with self._uow() as uow:
            item = await uow.items.get(workspace, number)
            if item is None:
                raise ItemNotFound(f"there is no item #{number} here")
            correct(item)
            await uow.items.update(item)
            await uow.commit()
        return item

    async def _tell(self, item: Item, note: str, by: Person, chat: DirectChat) -> Told:
        thread = direct = False
        if item.thanks is not None:
            try:
                await chat.reply_in_thread(
                    item.thanks.channel_id, item.thanks, compose_update(item, note, by, thread=True)
                )
                thread = True
            except ChatFailed as failed:
                log.warning("could not reply in the thread of #%s: %s", item.number, failed.reason)
        requester = self._requester(item)
        if requester is not None:
            direct = await self._direct(
                chat, requester, compose_update(item, note, by, thread=False)
            )
        voters = 0
        if item.status in OUTCOMES:
            assert item.number is not None
            try:
                async with self._uow() as uow:
                    ids = await uow.items.voter_ids(item.workspace, item.number)
            except StorageError:
                log.exception("could not read the voters of #%s", item.number)
                ids = []
            outcome = compose_outcome(item, note)
            for voter in ids:
                if requester is not None and voter == requester.user_id:
                    continue
                voters += await self._direct(chat, Person(voter, ""), outcome)
        return Told(thread, direct, voters)

    def _requester(self, item: Item) -> Person | None:
        """Whom to write to: the author, or an anonymous author through their sealed handle."""
        if item.author is not None:
            return item.author
        if item.author_handle is None or self._seal is None:
            return None
        user_id = self._seal.open(item.author_handle)
        return None if user_id is None else Person(user_id, "")

    @staticmethod
    async def _direct(chat: DirectChat, person: Person, message: Message) -> bool:
        try:
            await chat.direct_message(person, message)
        except ChatFailed as failed:
            # Never the person's id: they may be the author of an anonymous item.
            log.info("a direct message could not be delivered: %s", failed.reason)
            return False
        return True
