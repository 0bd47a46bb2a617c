"""SLAs: how long an item may stay new before the team has looked at it.

A limit is set per class of item: its priority (must-have or good-to-have request, or
feedback, which has none) and, optionally, its stakeholder kind. Working days are Monday to
Friday in UTC; an item that arrives on a weekend starts counting on Monday at midnight. An item
still new when its deadline passes is a breach: posted once to the triage channel and listed
until the item leaves new.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.chat import Chat
from bot.errors import ConfigError
from bot.identity import Platform, Workspace
from bot.items import Item, ItemKind, Priority, Stakeholder

SLA_VARIABLE = "FEEDBACKBOT_SLA"
# What an item is classed by for its SLA: its priority, or feedback when it has none.
CLASSES = ("must-have", "good-to-have", "feedback")
EXAMPLE = "must-have=1d, good-to-have=5d, external must-have=4h, feedback=off"


def item_class(item: Item) -> str:
    return "feedback" if item.priority is None else item.priority.value


@dataclass(frozen=True, slots=True)
class Limit:
    """``working_days`` Monday-to-Friday days, or ``hours`` on the clock."""

    working_days: int = 0
    hours: int = 0

    def __str__(self) -> str:
        if self.hours:
            return f"{self.hours} hour" + ("" if self.hours == 1 else "s")
        return f"{self.working_days} working day" + ("" if self.working_days == 1 else "s")

    @property
    def shortest(self) -> timedelta:
        """No deadline comes sooner than this after an item arrives (a query's cut-off)."""
        return timedelta(hours=self.hours) if self.hours else timedelta(days=self.working_days)

    def deadline(self, created_at: datetime) -> datetime:
        if self.hours:
            return created_at + timedelta(hours=self.hours)
        moment = created_at
        if moment.weekday() >= 5:
            midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
            moment = midnight + timedelta(days=7 - moment.weekday())
        left = self.working_days
        while left:
            moment += timedelta(days=1)
            if moment.weekday() < 5:
                left -= 1
        return moment


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """The limits by (class, stakeholder kind); a stakeholder-specific entry wins over the
    class's general one, and ``None`` there means no SLA. A class with no limit has no SLA."""

    general: Mapping[str, Limit] = field(default_factory=dict)
    specific: Mapping[tuple[str, Stakeholder], Limit | None] = field(default_factory=dict)

    def limit(self, klass: str, stakeholder: Stakeholder) -> Limit | None:
        if (klass, stakeholder) in self.specific:
            return self.specific[(klass, stakeholder)]
        return self.general.get(klass)

    def limit_for(self, item: Item) -> Limit | None:
        return self.limit(item_class(item), item.stakeholder)

    @classmethod
    def default(cls) -> SlaPolicy:
        """Must-haves one working day, good-to-haves five; feedback none."""
        return cls({"must-have": Limit(working_days=1), "good-to-have": Limit(working_days=5)})

    @classmethod
    def parse(cls, text: str) -> SlaPolicy:
        """Read ``FEEDBACKBOT_SLA``: comma-separated ``[internal|external] <class>=<limit>``
        with a class of must-have, good-to-have or feedback and a limit of ``<n>d`` (working
        days), ``<n>h`` (hours) or ``off``; what is not named keeps its default."""
        general = dict(cls.default().general)
        specific: dict[tuple[str, Stakeholder], Limit | None] = {}
        for entry in filter(None, (part.strip() for part in text.split(","))):
            key, sep, value = entry.partition("=")
            words = key.lower().split()
            if not sep or not 1 <= len(words) <= 2 or words[-1] not in CLASSES:
                raise ConfigError(SLA_VARIABLE, f"cannot read {entry!r}; for example: {EXAMPLE}")
            limit = _limit(value.strip().lower(), entry)
            if len(words) == 1:
                if limit is None:
                    general.pop(words[0], None)
                else:
                    general[words[0]] = limit
                continue
            try:
                stakeholder = Stakeholder(words[0])
            except ValueError:
                raise ConfigError(
                    SLA_VARIABLE, f"{words[0]!r} in {entry!r} is not internal or external"
                ) from None
            specific[(words[1], stakeholder)] = limit
        return cls(general, specific)


def _limit(value: str, entry: str) -> Limit | None:
    if value == "off":
        return None
    number, unit = value[:-1].strip(), value[-1:]
    if not number.isdigit() or unit not in ("d", "h") or int(number) == 0:
        raise ConfigError(
            SLA_VARIABLE,
            f"the limit in {entry!r} should be like 1d (working days), 4h (hours) or off",
        )
    return Limit(working_days=int(number)) if unit == "d" else Limit(hours=int(number))


@dataclass(frozen=True, slots=True)
class Breach:
    """An item that stayed new past its deadline."""

    workspace: Workspace
    number: int
    kind: ItemKind
    text: str
    priority: Priority | None
    stakeholder: Stakeholder
    deadline: datetime
    breached_at: datetime


@dataclass(frozen=True, slots=True)
class TriageOutlet:
    """Where a workspace's SLA breaches are posted."""

    chat: Chat
    channel_id: str


class TriageChannels:
    """The platforms this process serves and their triage channels.

    Only items of served platforms are checked, so a process never claims a breach it cannot
    post; a platform served without a triage channel still records its breaches (for the
    digest and the KPIs). A channel is tied to one workspace when ``workspace`` is given, so
    nothing of one workspace is posted in another's channel."""

    def __init__(self) -> None:
        self._served: dict[Platform, tuple[Chat, str | None, str | None]] = {}

    def serve(
        self,
        platform: Platform,
        chat: Chat,
        channel_id: str | None,
        workspace_id: str | None = None,
    ) -> None:
        self._served[platform] = (chat, channel_id, workspace_id)

    @property
    def platforms(self) -> frozenset[Platform]:
        return frozenset(self._served)

    def outlet(self, workspace: Workspace) -> TriageOutlet | None:
        served = self._served.get(workspace.platform)
        if served is None:
            return None
        chat, channel_id, workspace_id = served
        if channel_id is None or (workspace_id is not None and workspace_id != workspace.id):
            return None
        return TriageOutlet(chat, channel_id)


class SlaStore(Protocol):
    """What SLA checks read and claim in storage."""

    async def waiting(
        self,
        platforms: frozenset[Platform],
        klass: str,
        stakeholder: Stakeholder,
        created_before: datetime,
        limit: int,
    ) -> list[Item]:
        """Items of that class and stakeholder kind, on those platforms, still new, created
        before ``created_before`` and with no breach claimed yet; oldest first."""
        ...

    async def claim(
        self, workspace: Workspace, number: int, deadline: datetime, at: datetime
    ) -> bool:
        """Record the item's breach; ``False`` if it was recorded before (by any process), so
        it is posted once. The claim belongs to the unit of work: commit before posting."""
        ...

    async def record_post(
        self, workspace: Workspace, number: int, outcome: str, posted_at: datetime | None
    ) -> None:
        """Note how posting the breach went (``posted``, or the platform's error)."""
        ...

    async def open_breaches(self, workspace: Workspace, limit: int) -> list[Breach]:
        """The workspace's breaches whose item is still new, oldest deadline first."""
        ...
