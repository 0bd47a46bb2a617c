"""Triage and closing the loop: the use cases of the people who decide what becomes of items.

Only admins triage (``bot.ports.Roles`` says who they are): they move items along the lifecycle,
merge duplicates, and correct priorities and stakeholder kinds. Anyone else gets a short, polite
refusal and nothing changes. Every status change is told to the requester, in the thread of the
item's thank-you and by direct message; a direct message that cannot be delivered never blocks
the change, and the thread reply stands. Voters hear when an item ships or is declined. Anyone
may look at an item, list items and read the KPIs. SLA breaches are claimed in storage and
posted once to the triage channel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.errors import InvalidTransition, ItemNotFound, StorageError
from bot.identity import Person, Workspace
from bot.items import Item, ItemKind, Priority, Stakeholder, Status
from bot.kpis import Kpis, format_kpis
from bot.messages import Mention, Message, Part, Quote
from bot.ports import (
    ChatFailed,
    Clock,
    DirectChat,
    ItemQuery,
    Roles,
    Seal,
    UnitOfWorkFactory,
)
from bot.presenting import describe, describe_line
from bot.service import FeedbackService
from bot.slas import CLASSES, Breach, SlaPolicy, TriageChannels
from bot.text import clean, excerpt, parse_number

log = logging.getLogger(__name__)

OPEN = frozenset({Status.NEW, Status.UNDER_REVIEW, Status.PLANNED, Status.IN_PILOT})
LISTS: dict[str, Callable[[Person], ItemQuery]] = {
    "open": lambda _: ItemQuery(statuses=OPEN),
    "mine": lambda person: ItemQuery(author_id=person.user_id),
    "must-have": lambda _: ItemQuery(priority=Priority.MUST_HAVE, statuses=OPEN),
    "external": lambda _: ItemQuery(stakeholder=Stakeholder.EXTERNAL, statuses=OPEN),
    "all": lambda _: ItemQuery(),
}
LIST_LIMIT = 20
# Voters are told the outcome of these; the steps in between are the requester's news.
OUTCOMES = frozenset({Status.SHIPPED, Status.DECLINED})
# How many breaches one check claims per class of item; the rest wait for the next minute.
SLA_BATCH = 200
COMMANDS = frozenset({"status", "show", "list", "priority", "stakeholder", "stats"})
USAGE = (
    "/roadmap status <#n> <status> [note]: new, under review, planned, in pilot, shipped, "
    "declined, or duplicate <#other>\n"
    "/roadmap priority <#n> must-have|good-to-have, /roadmap stakeholder <#n> internal|external\n"
    "/roadmap show <#n>, /roadmap list [open|mine|must-have|external], /roadmap stats"
)
REFUSAL = Message.of(
    "Sorry, only admins can triage items (status, priority, stakeholder kind). "
    "Nothing was changed. Ask an admin, or vote for the item to show it matters to you."
)

_NEWS = {
    Status.UNDER_REVIEW: "is now under review: the team is looking at it.",
    Status.PLANNED: "is planned.",
    Status.IN_PILOT: "is in pilot: try it and tell the team how it goes.",
    Status.SHIPPED: "has shipped. Thank you for asking for it!",
    Status.DECLINED: "was declined.",
}


@dataclass(frozen=True, slots=True)
class Told:
    """How a status change reached people."""

    thread: bool = False
    direct: bool = False
    voters: int = 0


@dataclass(frozen=True, slots=True)
class TriageResult:
    """``message`` is for the person who asked (shown privately); ``changed`` is whether
    anything was stored."""

    message: Message
    changed: bool = False
    item: Item | None = None
    told: Told | None = None


@dataclass(frozen=True, slots=True)
class TriageRequest:
    """Someone typed ``/roadmap <text>`` in a channel."""

    workspace: Workspace
    channel_id: str
    person: Person
    text: str


def _number(text: str) -> tuple[int | None, str]:
    word, _, rest = text.strip().partition(" ")
    number = parse_number(word)
    return (number, rest.strip()) if number is not None else (None, text.strip())


def _status_words(text: str) -> tuple[Status | None, str]:
    """The status at the start of ``text`` (``under review``, ``in-pilot``, ``shipped``...)."""
    words = text.split()
    for size in (2, 1):
        if len(words) >= size:
            try:
                status = Status.parse(" ".join(words[:size]))
            except ValueError:
                continue
            return status, " ".join(text.split(maxsplit=size)[size:])
    return None, text


def _headline(item: Item) -> list[Part | str]:
    what = "Feedback" if item.priority is None else f"{item.priority.value.capitalize()} request"
    return [f"{what} #{item.number} “", Quote(excerpt(item.text, 80)), "”"]


def compose_update(item: Item, note: str, by: Person | None, *, thread: bool) -> Message:
    """What the requester reads when their item moves: the new status, and the admin's note."""
    parts: list[Part | str] = []
    if thread and item.author is not None:
        parts += [Mention(item.author), ", an update: "]
    else:
        parts.append("An update on what you asked: ")
    parts += _headline(item)
    if item.status is Status.DUPLICATE:
        parts.append(
            f" was merged into #{item.duplicate_of}, which carries its votes from now on; "
            f"follow #{item.duplicate_of} to hear what becomes of it."
        )
    else:
        parts.append(f" {_NEWS.get(item.status, f'is now {item.status.label}.')}")
    if note:
        who = by.display_name if by is not None else "the team"
        parts += [f"\nNote from {who}: “", Quote(note), "”"]
    return Message.of(*parts)


def compose_outcome(item: Item, note: str) -> Message:
    """What a voter reads when an item they voted for ships or is declined."""
    parts: list[Part | str] = ["An item you voted for: ", *_headline(item)]
    parts.append(f" {_NEWS[item.status]}" if item.status in _NEWS else "")
    if note:
        parts += ["\nThe team's note: “", Quote(note), "”"]
    return Message.of(*parts)


def compose_breach(breach: Breach, item: Item, policy: SlaPolicy) -> Message:
    """The triage channel's notice: which item, how long it may wait, who asked."""
    limit = policy.limit_for(item)
    parts: list[Part | str] = ["SLA missed: ", *_headline(item)]
    parts.append(
        f" ({item.stakeholder.value}) is still new after {limit} "
        f"(due {breach.deadline:%Y-%m-%d %H:%M} UTC). "
    )
    if item.author is None:
        parts.append("Asked anonymously.")
    else:
        # The name as text, not a mention: the triage channel should not ping the requester.
        parts += ["Asked by ", Quote(item.author.display_name), "."]
    parts.append(f" Triage it with /roadmap status #{item.number} <status>.")
    return Message.of(*parts)


class TriageService:
    """The triage use cases, the same on every platform.

    ``seal`` opens the sealed handles of anonymous authors, to tell them about their items;
    ``policy`` holds the SLAs."""

    def __init__(
        self,
        feedback: FeedbackService,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        seal: Seal | None = None,
        policy: SlaPolicy | None = None,
    ) -> None:
        self._feedback = feedback
        self._uow = uow
        self._clock = clock
        self._seal = seal
        self.policy = policy or SlaPolicy.default()

    # -- changing items (admins only) -----------------------------------------------------------

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
    ) -> TriageResult:
        """Move an item along the lifecycle (``FeedbackService.change_status`` holds its rules,
        and merges a duplicate's votes into the kept item), then tell the requester in the
        thread of the item's thank-you and by direct message, and the voters when it ships or
        is declined. Telling people never undoes or blocks the change."""
        if not await roles.may_triage(workspace, person):
            return TriageResult(REFUSAL)
        try:
            item = await self._feedback.change_status(
                workspace, number, to, by=person, note=note, duplicate_of=duplicate_of
            )
        except (InvalidTransition, ItemNotFound) as refused:
            return TriageResult(Message.of(f"Nothing was changed: {refused}."))
        except StorageError:
            log.exception("could not change the status of #%s", number)
            return TriageResult(
                Message.of("Sorry, I could not store that just now; nothing was changed.")
            )
        told = await self._tell(item, clean(note), person, chat)
        return TriageResult(self._confirm(item, told), True, item, told)

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

    @staticmethod
    def _confirm(item: Item, told: Told) -> Message:
        status = (
            f"a duplicate of #{item.duplicate_of}"
            if item.status is Status.DUPLICATE
            else item.status.label
        )
        ways = []
        if told.thread:
            ways.append("in the thread of its thank-you")
        if told.direct:
            ways.append("by direct message")
        if ways:
            heard = f"The requester was told {' and '.join(ways)}."
        elif item.author is None:
            heard = "It is anonymous and its author cannot be reached, so no one was told."
        else:
            heard = "The requester could not be reached; the change stands."
        if told.voters:
            heard += f" {told.voters} voter{'s' if told.voters != 1 else ''} heard the outcome."
        return Message.of(f"#{item.number} is now {status}. {heard}")

    async def set_priority(
        self, workspace: Workspace, person: Person, roles: Roles, number: int, priority: Priority
    ) -> TriageResult:
        """Correct a request's priority. Feedback has none, so it cannot be given one."""

        def correct(item: Item) -> str | None:
            if item.kind is ItemKind.FEEDBACK:
                return f"#{number} is feedback, and only requests have a priority"
            item.priority = priority
            return None

        return await self._correct(workspace, person, roles, number, correct, priority.value)

    async def set_stakeholder(
        self,
        workspace: Workspace,
        person: Person,
        roles: Roles,
        number: int,
        stakeholder: Stakeholder,
    ) -> TriageResult:
        """Correct whether an item comes from an internal or an external stakeholder."""

        def correct(item: Item) -> str | None:
            item.stakeholder = stakeholder
            return None

        return await self._correct(workspace, person, roles, number, correct, stakeholder.value)

    async def _correct(
        self,
        workspace: Workspace,
        person: Person,
        roles: Roles,
        number: int,
        correct: Callable[[Item], str | None],
        value: str,
    ) -> TriageResult:
        if not await roles.may_triage(workspace, person):
            return TriageResult(REFUSAL)
        try:
            async with self._uow() as uow:
                item = await uow.items.get(workspace, number)
                if item is None:
                    return TriageResult(Message.of(f"Nothing was changed: there is no #{number}."))
                problem = correct(item)
                if problem is not None:
                    return TriageResult(Message.of(f"Nothing was changed: {problem}."))
                await uow.items.update(item)
                await uow.commit()
        except StorageError:
            log.exception("could not correct #%s", number)
            return TriageResult(
                Message.of("Sorry, I could not store that just now; nothing was changed.")
            )
        return TriageResult(Message.of(f"#{number} is now {value}."), True, item)

    # -- reading (anyone) -----------------------------------------------------------------------

    async def show(self, workspace: Workspace, number: int) -> Message:
        """One item with its history, or a sentence saying there is none."""
        item = await self._feedback.find(workspace, number)
        return describe(item) if item else Message.of(f"There is no item #{number} here.")

    async def list_items(self, workspace: Workspace, person: Person, which: str) -> Message:
        """Items of one list (open, mine, must-have, external or all), newest first."""
        which = which.strip().lower() or "open"
        if which not in LISTS:
            return Message.of(f"List what? Try /roadmap list {'|'.join(LISTS)}.")
        query = LISTS[which](person)
        found = await self._feedback.list_items(
            workspace,
            ItemQuery(
                statuses=query.statuses,
                priority=query.priority,
                stakeholder=query.stakeholder,
                author_id=query.author_id,
                limit=LIST_LIMIT,
            ),
        )
        if not found:
            return Message.of(f"Nothing to list ({which}).")
        parts: list[Part | str] = []
        for item in found:
            if parts:
                parts.append("\n")
            parts += describe_line(item).parts
        return Message.of(*parts)

    async def stats(self, workspace: Workspace | None, since: datetime | None = None) -> Kpis:
        """The KPIs of one workspace (or all) from ``since`` (or the start) until now."""
        async with self._uow() as uow:
            return await uow.kpis.kpis(workspace, since, self._clock.now())

    async def open_breaches(self, workspace: Workspace, limit: int = 50) -> list[Breach]:
        """SLA breaches of the workspace whose item is still new: what the digest lists."""
        async with self._uow() as uow:
            return await uow.slas.open_breaches(workspace, limit)

    # -- SLAs (the scheduler, every minute) -----------------------------------------------------

    async def check_slas(
        self, channels: TriageChannels, now: datetime | None = None
    ) -> list[Breach]:
        """Find the items that stayed new past their SLA on the platforms this process
        serves, claim each breach in storage, and post the ones this process claimed to
        their workspace's triage channel. Several processes may check at once: each breach
        is claimed, and so posted, once. A failed post is logged and not repeated."""
        now = now or self._clock.now()
        platforms = channels.platforms
        if not platforms:
            return []
        claimed: list[Breach] = []
        for klass in CLASSES:
            for stakeholder in Stakeholder:
                limit = self.policy.limit(klass, stakeholder)
                if limit is None:
                    continue
                async with self._uow() as uow:
                    waiting = await uow.slas.waiting(
                        platforms, klass, stakeholder, now - limit.shortest, SLA_BATCH
                    )
                for item in waiting:
                    deadline = limit.deadline(item.created_at)
                    if deadline > now:
                        break  # oldest first: the rest are not due either
                    breach = await self._claim(item, deadline, now)
                    if breach is not None:
                        claimed.append(breach)
                        await self._post_breach(breach, item, channels, now)
        return claimed

    async def _claim(self, item: Item, deadline: datetime, now: datetime) -> Breach | None:
        assert item.number is not None
        async with self._uow() as uow:
            if not await uow.slas.claim(item.workspace, item.number, deadline, now):
                return None
            await uow.commit()
        return Breach(
            item.workspace,
            item.number,
            item.kind,
            item.text,
            item.priority,
            item.stakeholder,
            deadline,
            now,
        )

    async def _post_breach(
        self, breach: Breach, item: Item, channels: TriageChannels, now: datetime
    ) -> None:
        outlet = channels.outlet(breach.workspace)
        if outlet is None:
            outcome, posted_at = "no triage channel", None
        else:
            try:
                await outlet.chat.post(outlet.channel_id, compose_breach(breach, item, self.policy))
                outcome, posted_at = "posted", now
            except ChatFailed as failed:
                log.error("could not post the SLA breach of #%s: %s", breach.number, failed.reason)
                outcome, posted_at = failed.reason[:255], None
        try:
            async with self._uow() as uow:
                await uow.slas.record_post(breach.workspace, breach.number, outcome, posted_at)
                await uow.commit()
        except StorageError:
            log.exception("could not note how the SLA breach of #%s was posted", breach.number)

    # -- the /roadmap subcommands ---------------------------------------------------------------

    async def command(
        self, request: TriageRequest, roles: Roles, chat: DirectChat
    ) -> Message | None:
        """Answer ``/roadmap status|show|list|priority|stakeholder|stats ...``; ``None`` when
        the text is none of those (the caller answers it)."""
        name, _, rest = request.text.strip().partition(" ")
        name = name.lower()
        if name not in COMMANDS:
            return None
        workspace, person = request.workspace, request.person
        if name == "list":
            return await self.list_items(workspace, person, rest)
        if name == "stats":
            return Message.of(format_kpis(await self.stats(workspace)))
        number, rest = _number(rest)
        if number is None:
            return Message.of(f"Which item? Give its number, e.g. #3.\n{USAGE}")
        if name == "show":
            return await self.show(workspace, number)
        if name == "priority":
            try:
                priority = Priority(rest.strip().lower().replace(" ", "-"))
            except ValueError:
                return Message.of("Which priority? must-have or good-to-have.")
            result = await self.set_priority(workspace, person, roles, number, priority)
            return result.message
        if name == "stakeholder":
            try:
                stakeholder = Stakeholder(rest.strip().lower())
            except ValueError:
                return Message.of("Which stakeholder kind? internal or external.")
            result = await self.set_stakeholder(workspace, person, roles, number, stakeholder)
            return result.message
        status, note = _status_words(rest)
        if status is None:
            return Message.of(f"Which status?\n{USAGE}")
        duplicate_of = None
        if status is Status.DUPLICATE:
            target = note.removeprefix("of ").strip() if note.startswith("of ") else note
            duplicate_of, note = _number(target)
            if duplicate_of is None:
                return Message.of(f"A duplicate of which item? e.g. duplicate #{number + 1}.")
        result = await self.change_status(
            workspace, person, roles, chat, number, status, note=note, duplicate_of=duplicate_of
        )
        return result.message
