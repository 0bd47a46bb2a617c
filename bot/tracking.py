"""Linking items to tracker issues, and moving them as their issues move.

An admin links an item to an issue (or creates one from the item); from then on the issue's
progress moves the item along its lifecycle by itself, through the same triage use case as a
chat command, so the requester and the voters hear exactly as when an admin moves it. What a
tracker state means as a status is the ``StateMap``'s to say (``bot.state_map``).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.errors import (
    FeedbackBotError,
    InvalidTransition,
    ItemNotFound,
    NotAllowed,
    TrackerFailed,
)
from bot.identity import Person, Workspace
from bot.issue_links import IssueLink, IssueRef
from bot.items import Item, Status
from bot.ports import Clock, Roles, UnitOfWorkFactory
from bot.state_map import StateMap
from bot.trackers import (
    IssueDraft,
    IssueState,
    Tracker,
    TrackerChange,
    TrackerNotConfigured,
    UnknownIssue,
)
from bot.triage import StatusChanged, TriageService
from bot.webhook_events import linked

log = logging.getLogger(__name__)

# What the title of an issue created from an item keeps of its text's first line.
TITLE_LENGTH = 80
# How many links one poll reads at most, the least recently read first: every link is read
# in turn however many there are.
POLL_LIMIT = 500
# How many issues one poll reads at once.
POLL_CONCURRENCY = 8


class _TrackerRoles:
    """Tracker moves are authorised by the admin who linked the issue: they may triage."""

    async def may_triage(self, workspace: Workspace, person: Person) -> bool:
        return True


TRACKER_ROLES: Roles = _TrackerRoles()


@dataclass(frozen=True, slots=True)
class Linked:
    """An item linked to an issue."""

    # The item as it now stands, its links included.
    item: Item
    ref: IssueRef
    # The issue was created by this command.
    created: bool
    # The status change the link made, if any.
    moved: StatusChanged | None


@dataclass(frozen=True, slots=True)
class Applied:
    """What a tracker change did to one linked item."""

    workspace: Workspace
    number: int
    # The status the state maps to; None: nothing to do.
    to: Status | None
    # "moved" | "unchanged" | "refused: <why>" | "repeated"
    outcome: str


def tracker_person(ref: IssueRef, label: str) -> Person:
    """Who a tracker's move is by, in the item's history: ``GitHub owner/repo#12``."""
    return Person(f"{ref.tracker}:{ref.key}", f"{label} {ref.key}")


def describe_state(state: IssueState) -> str:
    """The state in words, for notes: ``closed (not planned)``, ``In Pilot``."""
    if state.reason:
        return f"{state.state} ({state.reason.replace('_', ' ')})"
    return state.state


def unmentioned(text: str) -> str:
    """``text`` that notifies nobody in a tracker: GitHub's ``@name`` and Jira's ``[~name]``
    are broken by a zero-width space, invisible to people."""
    return text.replace("@", "@\u200b").replace("[~", "[\u200b~")


# Text that looks like a tracker's issue or project, to name the tracker in a refusal when it
# is not configured: the adapters alone parse it for real.
_LOOKS_LIKE = (
    ("github", re.compile(r"github|^[\w.-]+/[\w.-]+(#\d+)?$", re.IGNORECASE)),
    ("jira", re.compile(r"atlassian|/browse/|^[A-Z][A-Z0-9_]+-\d+$", re.IGNORECASE)),
)


class TrackerService:
    """Linking items to tracker issues, and moving them as their issues move."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        triage: TriageService,
        trackers: Mapping[str, Tracker],
        state_map: StateMap,
        *,
        item_url: Callable[[Workspace, int], str],
        poll_limit: int = POLL_LIMIT,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._triage = triage
        self.trackers = dict(trackers)
        self._map = state_map
        self._item_url = item_url
        self._poll_limit = poll_limit

    # -- linking ------------------------------------------------------------------------------

    async def link(
        self, workspace: Workspace, person: Person, roles: Roles, number: int, text: str
    ) -> Linked:
        """Admins only (``NotAllowed``). ``text``: an existing issue (URL, ``KEY-12``,
        ``owner/repo#12``), or ``github owner/repo`` / ``jira PROJ`` to create one from the
        item. Reads the issue's state and moves the item by the state map at once (GitHub
        open -> planned), through ``TriageService.change_status``. Linking the same issue
        twice changes nothing. ``UnknownIssue`` or ``TrackerNotConfigured`` when ``text``
        names nothing this bot can link; ``TrackerFailed`` when the tracker refuses (nothing
        is linked then, unless the issue was created: it stays linked)."""
        if not await roles.may_triage(workspace, person):
            raise NotAllowed("only admins can link items to issues")
        item = await self._item(workspace, number)
        tracker, found = self._resolve(text)
        created = isinstance(found, str)
        state: IssueState | None = None
        if isinstance(found, str):
            ref = await tracker.create(found, self.draft(item))
        else:
            ref = found
            # Read first: an issue that cannot be read is not linked.
            state = await tracker.state(ref)
        async with self._uow() as uow:
            now = self._clock.now()
            added = await uow.links.add(workspace, number, ref, now)
            if added:
                await uow.webhooks.emit([linked(item, IssueLink(ref, now))])
            await uow.commit()
        moved: StatusChanged | None = None
        if added:
            if state is None:
                try:
                    state = await tracker.state(ref)
                except TrackerFailed as failed:
                    # The issue exists and stays linked; a poll reads its state later.
                    log.warning("could not read the new issue %s: %s", ref.key, failed)
            if state is not None:
                for applied, changed in await self._apply(TrackerChange(state, action="linked")):
                    if (applied.workspace, applied.number) == (workspace, number):
                        moved = changed
        return Linked(await self._item(workspace, number), ref, created, moved)

    async def unlink(
        self, workspace: Workspace, person: Person, roles: Roles, number: int, text: str = ""
    ) -> list[IssueRef]:
        """Admins only (``NotAllowed``). Unlink the issue ``text`` names (its URL or key, as
        linked), or every issue of the item when ``text`` is empty; the issues unlinked (none
        when ``text`` names no issue it is linked to). The item keeps its status."""
        if not await roles.may_triage(workspace, person):
            raise NotAllowed("only admins can unlink items from issues")
        item = await self._item(workspace, number)
        text = text.strip()
        async with self._uow() as uow:
            ref: IssueRef | None = None
            if text:
                ref = _matching(text, [link.ref for link in item.links]) or self._parse(text)
                if ref is None:
                    return []  # it names nothing this item is linked to
            removed = await uow.links.remove(workspace, number, ref)
            await uow.commit()
        return removed

    def draft(self, item: Item) -> IssueDraft:
        """The issue to create from ``item``: its number and first line as the title; its
        text quoted, who asked (never for an anonymous item), stakeholder, priority, votes and
        a link back to it as the body."""
        assert item.number is not None
        text = unmentioned(item.text)
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        if len(first) > TITLE_LENGTH:
            first = first[: TITLE_LENGTH - 1].rstrip() + "…"
        quoted = "\n".join(f"> {line}" if line else ">" for line in text.splitlines())
        lines = [quoted, ""]
        if item.author is not None:
            lines.append(f"Requested by {unmentioned(item.author.display_name)}")
        lines.append(f"Stakeholder: {item.stakeholder.value}")
        if item.priority is not None:
            lines.append(f"Priority: {item.priority.value}")
        lines.append(f"Votes: {item.votes}")
        url = self._item_url(item.workspace, item.number)
        lines += ["", f"From feedbackbot: [#{item.number}]({url})"]
        return IssueDraft(f"#{item.number} {first}", "\n".join(lines) + "\n")

    # -- following the trackers ---------------------------------------------------------------

    async def apply(self, change: TrackerChange) -> list[Applied]:
        """Every item linked to ``change.state.ref`` moves to the mapped status through
        ``TriageService.change_status`` as the tracker (``GitHub owner/repo#12`` in its
        history), so the requester and voters hear as when an admin moves it. A delivery seen
        before (per workspace) changes nothing; a state already seen on a link, or a status
        equal to the item's, does nothing; a transition the lifecycle refuses is recorded in
        the item's tracker history and logged, never raised. The state is kept on the link."""
        return [applied for applied, _ in await self._apply(change)]

    async def _apply(self, change: TrackerChange) -> list[tuple[Applied, StatusChanged | None]]:
        ref = change.state.ref
        async with self._uow() as uow:
            linked = await uow.links.linked(ref)
        applied: list[tuple[Applied, StatusChanged | None]] = []
        by_workspace: dict[Workspace, list[int]] = {}
        for workspace, number in linked:
            by_workspace.setdefault(workspace, []).append(number)
        for workspace, numbers in by_workspace.items():
            # The claim is committed before the moves: should a move then fail, a redelivery
            # is skipped, but the state is not kept either, so the next poll applies it.
            if change.delivery_id is not None and not await self._first(
                workspace, change.delivery_id
            ):
                applied += [
                    (Applied(workspace, number, None, "repeated"), None)
                    for number in sorted(numbers)
                ]
                continue
            for number in sorted(numbers):
                applied.append(await self._apply_to(change, workspace, number))
        async with self._uow() as uow:
            await uow.links.seen(ref, change.state.seen, self._clock.now())
            await uow.commit()
        return applied

    async def poll(self) -> int:
        """Reads the state of every link of an open item (at most ``poll_limit``, the least
        recently read first, a few at once) and applies what changed since the state last
        seen; a tracker that fails is logged once and skipped for the rest of this poll.
        How many items moved."""
        return sum(1 for each in await self.poll_changes() if each.outcome == "moved")

    async def poll_changes(self) -> list[Applied]:
        """``poll``, saying what each change did to each linked item."""
        async with self._uow() as uow:
            due = await uow.links.to_poll(self._poll_limit)
        last_seen: dict[IssueRef, set[str | None]] = {}
        for _, _, link in due:
            last_seen.setdefault(link.ref, set()).add(link.state)
        failed: set[str] = set()
        gate = asyncio.Semaphore(POLL_CONCURRENCY)

        async def read(ref: IssueRef) -> IssueState | None:
            tracker = self.trackers.get(ref.tracker)
            if tracker is None or ref.tracker in failed:
                return None
            async with gate:
                if ref.tracker in failed:
                    return None
                try:
                    return await tracker.state(ref)
                except TrackerFailed as error:
                    if ref.tracker not in failed:
                        failed.add(ref.tracker)
                        log.warning("%s could not be polled: %s", tracker.label, error)
                    return None

        refs = list(last_seen)
        states = await asyncio.gather(*(read(ref) for ref in refs))
        done: list[Applied] = []
        for ref, state in zip(refs, states, strict=True):
            if state is None:
                continue
            if last_seen[ref] == {state.seen}:
                async with self._uow() as uow:
                    await uow.links.seen(ref, state.seen, self._clock.now())
                    await uow.commit()
                continue
            done += await self.apply(TrackerChange(state, action="poll"))
        return done

    async def _apply_to(
        self, change: TrackerChange, workspace: Workspace, number: int
    ) -> tuple[Applied, StatusChanged | None]:
        state = change.state
        to = self._map.status_for(state)
        async with self._uow() as uow:
            item = await uow.items.get(workspace, number)
        link = next(
            (
                each
                for each in (item.links if item is not None else [])
                if (each.ref.tracker, each.ref.key) == (state.ref.tracker, state.ref.key)
            ),
            None,
        )
        if item is None or link is None:
            return Applied(workspace, number, to, "unchanged"), None  # unlinked meanwhile
        if link.state == state.seen or to is None or to is item.status:
            return Applied(workspace, number, to, "unchanged"), None
        tracker = self.trackers.get(state.ref.tracker)
        label = tracker.label if tracker is not None else state.ref.tracker
        try:
            changed = await self._triage.change_status(
                workspace,
                tracker_person(state.ref, label),
                TRACKER_ROLES,
                None,
                number,
                to,
                note=f"the issue is {describe_state(state)}",
            )
        except (InvalidTransition, ItemNotFound) as refused:
            line = f"{label} {state.ref.key} is {describe_state(state)}: not applied, {refused}"
            log.warning("#%s in %s: %s", number, workspace, line)
            async with self._uow() as uow:
                await uow.links.note(workspace, number, self._clock.now(), line)
                await uow.commit()
            return Applied(workspace, number, to, f"refused: {refused}"), None
        return Applied(workspace, number, to, "moved"), changed

    async def _first(self, workspace: Workspace, delivery_id: str) -> bool:
        async with self._uow() as uow:
            first = await uow.deliveries.first_delivery(workspace, delivery_id, self._clock.now())
            if first:
                await uow.commit()
            return first

    # -- reading what people typed ------------------------------------------------------------

    def _resolve(self, text: str) -> tuple[Tracker, IssueRef | str]:
        """The tracker ``text`` names, with the issue it names or the project to create in."""
        text = text.strip()
        first, _, rest = text.partition(" ")
        name = first.lower()
        if name in self.trackers and rest.strip():
            tracker = self.trackers[name]
            project = tracker.project(rest.strip())
            if project is not None:
                return tracker, project
            # "github owner/repo#12": an existing issue, named with its tracker.
            ref = tracker.parse(rest.strip())
            if ref is None:
                raise UnknownIssue(f"{rest.strip()} is not a {tracker.label} project")
            return tracker, ref
        if name in {known for known, _ in _LOOKS_LIKE} and name not in self.trackers:
            raise TrackerNotConfigured(name)
        for tracker in self.trackers.values():
            ref = tracker.parse(text)
            if ref is not None:
                return tracker, ref
        raise self._unknown(text)

    def _parse(self, text: str) -> IssueRef | None:
        for tracker in self.trackers.values():
            ref = tracker.parse(text)
            if ref is not None:
                return ref
        return None

    def _unknown(self, text: str) -> FeedbackBotError:
        for name, looks in _LOOKS_LIKE:
            if name not in self.trackers and looks.search(text):
                return TrackerNotConfigured(name)
        if not text:
            return UnknownIssue("which issue? Give its URL or key")
        return UnknownIssue(f"{text} names no issue I know")

    async def _item(self, workspace: Workspace, number: int) -> Item:
        async with self._uow() as uow:
            item = await uow.items.get(workspace, number)
        if item is None:
            raise ItemNotFound(f"there is no item #{number} here")
        return item


def _matching(text: str, refs: list[IssueRef]) -> IssueRef | None:
    """The linked issue ``text`` names by its key or URL, as it was linked."""
    wanted = text.strip().rstrip("/").lower()
    for ref in refs:
        if wanted in (ref.key.lower(), ref.url.rstrip("/").lower()):
            return ref
    return None
