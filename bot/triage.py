"""Triage and closing the loop: the use cases of the people who decide what becomes of items.

Only admins triage (``bot.ports.Roles`` says who they are): they move items along the lifecycle,
merge duplicates, and correct priorities and stakeholder kinds; anyone else is refused with
``NotAllowed`` and nothing changes. Every status change is told to the requester, in the thread
of the item's thank-you and by direct message; the news is owed (``bot.outbox``) in the
change's own transaction, and a message that cannot be delivered never blocks the change.
Voters hear when an item ships or is declined. When it ships, the requester's and the voters'
direct messages ask "Did this solve it?" with buttons (``bot.surveying``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.errors import DoesNotApply, ItemNotFound, NotAllowed
from bot.identity import MessageRef, Person, Workspace
from bot.items import Item, ItemKind, Priority, Stakeholder, Status
from bot.kpis import KpiCharts, Kpis
from bot.messages import Message
from bot.news import OUTCOMES, compose_outcome, compose_update
from bot.outbox import Owed, Purpose
from bot.ports import Clock, DirectChat, Roles, Seal, UnitOfWork, UnitOfWorkFactory
from bot.service import FeedbackService, News
from bot.survey_words import ask_shipped
from bot.text import clean

log = logging.getLogger(__name__)


class Heard(StrEnum):
    THREAD = "thread"
    REQUESTER = "requester"
    VOTER = "voter"


@dataclass(frozen=True, slots=True)
class Told:
    """How a status change reached people; ``later`` messages are owed still, to be
    delivered once the platform takes them."""

    thread: bool = False
    direct: bool = False
    voters: int = 0
    later: int = 0


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
        chat: DirectChat | None,
        number: int,
        to: Status,
        *,
        note: str = "",
        duplicate_of: int | None = None,
    ) -> StatusChanged:
        """Move an item along the lifecycle (``FeedbackService.change_status`` holds its rules,
        and merges a duplicate's votes into the kept item), then tell the requester in the
        thread of the item's thank-you and by direct message, and the voters when it ships or
        is declined. Telling people never undoes or blocks the change. Without ``chat`` (a
        surface that is not the item's platform, such as the dashboard) the news goes out
        through the platform's own outlet, or waits in the outbox for a process that has one."""
        await self._require_admin(workspace, person, roles)
        told: list[tuple[Heard, Owed]] = []
        item = await self._feedback.change_status(
            workspace,
            number,
            to,
            by=person,
            note=note,
            duplicate_of=duplicate_of,
            news=self._news(clean(note), person, told),
        )
        return StatusChanged(item, await self._tell(told, chat))

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

    async def charts(self, workspace: Workspace) -> KpiCharts:
        """The KPI chart series of one workspace up to now (the last 26 weeks, 12 months);
        anyone may read them, as the KPIs."""
        async with self._uow() as uow:
            return await uow.kpis.charts(workspace, self._clock.now())

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

    def _news(self, note: str, by: Person, told: list[tuple[Heard, Owed]]) -> News:
        """The news of a change, kept in ``told`` with whom each is for: to the thread of the
        item's thank-you, to the requester by direct message, and to the voters when it ships
        or is declined."""

        async def news(item: Item, uow: UnitOfWork) -> list[Owed]:
            if item.thanks is not None:
                update = compose_update(item, note, by, thread=True)
                told.append((Heard.THREAD, self._owed(item, Purpose.THREAD, update, item.thanks)))
            requester = self._requester(item)
            if requester is not None:
                update = self._asking(item, compose_update(item, note, by, thread=False))
                # An anonymous author is written to through the sealed handle alone.
                direct = self._owed(item, Purpose.DIRECT, update).to_author(item)
                told.append((Heard.REQUESTER, direct))
            if item.status in OUTCOMES:
                assert item.number is not None
                outcome = self._asking(item, compose_outcome(item, note))
                for voter in await uow.items.voter_ids(item.workspace, item.number):
                    if requester is None or voter != requester.user_id:
                        direct = self._owed(item, Purpose.DIRECT, outcome)
                        direct.person = Person(voter, "")
                        told.append((Heard.VOTER, direct))
            return [owed for _, owed in told]

        return news

    @staticmethod
    def _asking(item: Item, news: Message) -> Message:
        """A shipped item's news, to the people who wanted it, asks whether it solved their
        problem (``bot.surveying`` keeps the answers)."""
        return ask_shipped(news, item) if item.status is Status.SHIPPED else news

    def _owed(
        self, item: Item, purpose: Purpose, message: Message, thread: MessageRef | None = None
    ) -> Owed:
        return Owed(
            item.workspace,
            purpose,
            self._clock.now(),
            channel_id=thread.channel_id if thread else None,
            thread=thread,
            message=message,
        )

    async def _tell(self, news: list[tuple[Heard, Owed]], chat: DirectChat | None) -> Told:
        """Deliver the news at once; what a platform does not take now is owed still."""
        heard: list[Heard] = []
        later = 0
        for whom, owed in news:
            delivered = await self._feedback.delivery.deliver(owed, chat)
            if delivered.later:
                later += 1
            elif delivered.posted is not None or delivered.privately:
                heard.append(whom)
        return Told(
            Heard.THREAD in heard, Heard.REQUESTER in heard, heard.count(Heard.VOTER), later
        )

    def _requester(self, item: Item) -> Person | None:
        """Whom to write to: the author, or an anonymous author through their sealed handle."""
        if item.author is not None:
            return item.author
        if item.author_handle is None or self._seal is None:
            return None
        user_id = self._seal.open(item.author_handle)
        return None if user_id is None else Person(user_id, "")
