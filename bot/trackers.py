"""Issue trackers (GitHub Issues, Jira, ...) where the work on items happens: the ``Tracker``
port, what it tells of an issue, and the store of items' links to issues.

A tracker is one adapter of the ``Tracker`` port: another tracker (Linear, GitLab) is one more
adapter. ``bot.tracking`` holds the use cases; ``bot.state_map`` what a state means as a status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.errors import FeedbackBotError
from bot.identity import Workspace
from bot.issue_links import IssueLink, IssueRef


class UnknownIssue(FeedbackBotError):
    """The text names no issue (nor project) of a tracker that is configured."""


class TrackerNotConfigured(FeedbackBotError):
    """The text names a tracker that this bot has no settings for; ``tracker`` is its name."""

    def __init__(self, tracker: str) -> None:
        super().__init__(f"{tracker} is not configured")
        self.tracker = tracker


@dataclass(frozen=True, slots=True)
class IssueState:
    """An issue as its tracker says it stands now."""

    ref: IssueRef
    open: bool
    # GitHub "open"/"closed"; Jira the status name ("In Progress").
    state: str
    # GitHub state_reason ("completed", "not_planned", "reopened"); Jira the resolution's name.
    reason: str | None = None
    # Jira statusCategory.key: "new" | "indeterminate" | "done"; None where there is none.
    category: str | None = None
    title: str = ""

    @property
    def seen(self) -> str:
        """A short token kept with the link (``IssueLink.state``): ``closed:completed``,
        ``open``, ``In Progress``; a change of it is a change of the issue's state."""
        return f"{self.state}:{self.reason}" if self.reason else self.state


@dataclass(frozen=True, slots=True)
class IssueDraft:
    """An issue to create from an item: ``title`` is plain text, ``body`` Markdown."""

    title: str
    body: str


class Tracker(Protocol):
    """One issue tracker. Every method raises ``TrackerFailed`` with a one-line reason on
    failure (refused, not found, unreachable); nothing else escapes."""

    # "github" | "jira": ``IssueRef.tracker`` of its issues.
    name: str
    # "GitHub" | "Jira": how people call it.
    label: str

    def parse(self, text: str) -> IssueRef | None:
        """The existing issue ``text`` names (its URL, ``owner/repo#12``, ``PROJ-12``), or
        ``None`` when it names none of this tracker's."""
        ...

    def project(self, text: str) -> str | None:
        """The project ``text`` names to create an issue in (``owner/repo``, ``PROJ``)."""
        ...

    async def create(self, project: str, draft: IssueDraft) -> IssueRef:
        """Create an issue in ``project``; the new issue."""
        ...

    async def state(self, ref: IssueRef) -> IssueState:
        """How the issue stands now."""
        ...


@dataclass(frozen=True, slots=True)
class TrackerChange:
    """What a tracker says happened to an issue (an inbound webhook or a poll)."""

    state: IssueState
    # "github:<X-GitHub-Delivery>", "jira:<X-Atlassian-Webhook-Identifier>"; None for polls.
    delivery_id: str | None = None
    # "closed", "reopened", "opened", "edited", "jira:issue_updated", "poll", "linked".
    action: str = ""


class IssueLinkStore(Protocol):
    """Items' links to tracker issues, and the tracker history of items (moves refused).
    Every link belongs to one item of one workspace; one issue may be linked to many items."""

    async def add(self, workspace: Workspace, number: int, ref: IssueRef, at: datetime) -> bool:
        """Link item ``number`` to the issue; ``False`` when it was linked already (or there
        is no such item)."""
        ...

    async def remove(
        self, workspace: Workspace, number: int, ref: IssueRef | None
    ) -> list[IssueRef]:
        """Unlink the issue (every issue, with ``None``) from the item; those unlinked."""
        ...

    async def for_item(self, workspace: Workspace, number: int) -> list[IssueLink]:
        """The item's links, oldest first."""
        ...

    async def linked(self, ref: IssueRef) -> list[tuple[Workspace, int]]:
        """Every item (of any workspace) linked to the issue."""
        ...

    async def to_poll(self, limit: int) -> list[tuple[Workspace, int, IssueLink]]:
        """Links of open items, the least recently read (never read first), at most
        ``limit``."""
        ...

    async def seen(self, ref: IssueRef, state: str, at: datetime) -> None:
        """Keep ``state`` as the issue's state last seen, read at ``at``, on its every link."""
        ...

    async def note(self, workspace: Workspace, number: int, at: datetime, text: str) -> None:
        """Add a line to the item's tracker history (a move the lifecycle refused)."""
        ...

    async def notes(self, workspace: Workspace, number: int) -> list[tuple[datetime, str]]:
        """The item's tracker history, oldest first."""
        ...
