"""Tracker issues that items are linked to: where the work on an item happens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class IssueRef:
    """One issue of one tracker. ``key`` names it within its tracker (``owner/repo#12`` on
    GitHub, ``PROJ-12`` on Jira) and ``url`` is its page for people."""

    tracker: str
    key: str
    url: str

    @property
    def project(self) -> str:
        """Where it lives: ``owner/repo`` on GitHub, ``PROJ`` on Jira."""
        if "#" in self.key:
            return self.key.rpartition("#")[0]
        return self.key.rpartition("-")[0]


@dataclass(frozen=True, slots=True)
class IssueLink:
    """An item's link to an issue: when it was made, and the tracker state last seen (``None``
    until read)."""

    ref: IssueRef
    linked_at: datetime
    state: str | None = None
