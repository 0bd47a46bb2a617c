"""Surveys: "Did this solve it?" after an item ships, and pulse surveys posted on a schedule.

The values, the tokens their buttons carry, and the port that keeps the answers. The rules:
one answer per person per shipped item and per poll, a later answer replacing the earlier one,
so a repeated delivery or a second click never counts twice; an anonymous item's requester is
asked through the sealed handle and answers as ``requester``, with no user id kept.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.identity import Workspace
from bot.items import Stakeholder

# The respondent of an anonymous item's requester: the one person who may answer for it
# without any user id being kept.
ANONYMOUS_REQUESTER = "requester"
# Every button's token starts so, so an adapter can tell the core's buttons from others.
ACTION_PREFIX = "fb:"


class ShipAnswer(StrEnum):
    SOLVED = "solved"
    PARTLY = "partly"
    NO = "no"


class Role(StrEnum):
    REQUESTER = "requester"
    VOTER = "voter"


class Scale(StrEnum):
    """A pulse survey's scale: 1 to 5, or yes (kept as 1) and no (kept as 0)."""

    FIVE = "1-5"
    YES_NO = "yes/no"

    @property
    def values(self) -> tuple[int, ...]:
        return (1, 2, 3, 4, 5) if self is Scale.FIVE else (1, 0)

    def label(self, value: int) -> str:
        if self is Scale.FIVE:
            return str(value)
        return "yes" if value == 1 else "no"


@dataclass(frozen=True, slots=True)
class ShippedAnswer:
    """One person's answer about one shipped item. ``user_id`` is ``None`` exactly for an
    anonymous item's requester (``respondent`` is then ``ANONYMOUS_REQUESTER``)."""

    workspace: Workspace
    number: int
    respondent: str
    user_id: str | None
    role: Role
    answer: ShipAnswer
    answered_at: datetime
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Poll:
    """One posted occurrence of a survey reminder, with the question as it was asked."""

    workspace: Workspace
    channel_id: str
    question: str
    scale: Scale
    scheduled_for: datetime
    created_at: datetime
    reminder_id: int | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class PollAnswer:
    poll_id: int
    user_id: str
    stakeholder: Stakeholder
    value: int
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class ExportedAnswer:
    """One answer as ``feedbackbot export --what answers`` writes it. ``survey`` is
    ``shipped`` (then ``number`` is the item's) or ``pulse`` (then ``poll_id``, ``question``
    and ``scheduled_for`` say which occurrence). ``user_id`` is ``None`` for every answer about
    an anonymous item. ``answer``: ``solved``/``partly``/``no``, or the scale's label."""

    workspace: Workspace
    survey: str
    answer: str
    answered_at: datetime
    user_id: str | None
    role: str | None = None
    stakeholder: str | None = None
    number: int | None = None
    comment: str | None = None
    poll_id: int | None = None
    question: str | None = None
    scheduled_for: datetime | None = None


# -- the tokens buttons carry (at most 100 characters: Discord's custom_id) ---------------------


@dataclass(frozen=True, slots=True)
class ShipAction:
    """A press on a shipped item's question; ``answer`` ``None``: "Add a comment".
    ``workspace_id`` is the item's workspace, carried because a press in a direct message may
    not say which workspace it belongs to (Discord's DMs have no guild)."""

    number: int
    answer: ShipAnswer | None
    workspace_id: str


@dataclass(frozen=True, slots=True)
class PollAction:
    poll_id: int
    value: int


def ship_action(workspace: Workspace, number: int, answer: ShipAnswer | None) -> str:
    choice = answer.value if answer else "comment"
    return f"{ACTION_PREFIX}csat:{number}:{choice}:{workspace.id}"


def poll_action(poll_id: int, value: int) -> str:
    return f"{ACTION_PREFIX}pulse:{poll_id}:{value}"


def parse_action(token: str) -> ShipAction | PollAction | None:
    """The press a token stands for; ``None`` for anything the core did not write."""
    prefix, kind, ref, value, workspace_id = [*token.split(":", 4), "", "", "", ""][:5]
    if f"{prefix}:" != ACTION_PREFIX or not ref.isascii() or not ref.isdigit() or len(ref) > 12:
        return None
    if kind == "csat":
        if value == "comment":
            return ShipAction(int(ref), None, workspace_id)
        try:
            return ShipAction(int(ref), ShipAnswer(value), workspace_id)
        except ValueError:
            return None
    if kind == "pulse" and value in ("0", "1", "2", "3", "4", "5") and not workspace_id:
        return PollAction(int(ref), int(value))
    return None


class SurveyStore(Protocol):
    """The answers, and the polls survey reminders posted. Every method joins the unit of
    work it is reached through."""

    async def answer_shipped(self, answer: ShippedAnswer) -> ShippedAnswer | None:
        """Keep ``answer`` as its respondent's answer about the item, replacing the earlier one
        (its comment is kept unless ``answer`` brings one; the same answer again keeps when it
        was first given); the answer it replaced, ``None`` when it is the first. The item must
        exist (the caller read it)."""
        ...

    async def shipped_answer(
        self, workspace: Workspace, number: int, respondent: str
    ) -> ShippedAnswer | None:
        """The respondent's answer about the item, ``None`` when they gave none."""
        ...

    async def comment_shipped(
        self, workspace: Workspace, number: int, respondent: str, comment: str
    ) -> ShippedAnswer | None:
        """Keep ``comment`` with the respondent's answer (replacing an earlier comment);
        the answer as it now stands, ``None`` when they gave no answer yet (nothing kept)."""
        ...

    async def open_poll(self, poll: Poll) -> Poll:
        """Keep a posted occurrence of a survey reminder and give it its id; the one kept
        before when that reminder's occurrence was kept already."""
        ...

    async def poll(self, poll_id: int) -> Poll | None:
        """The poll with that id, in whichever workspace (callers check it is theirs)."""
        ...

    async def answer_poll(self, answer: PollAnswer) -> int | None:
        """Keep the person's answer to the poll, replacing their earlier one; the value it
        replaced, ``None`` when it is the first."""
        ...

    def export(self, workspace: Workspace) -> AsyncIterator[ExportedAnswer]:
        """Every answer of the workspace, shipped items' first (by item, then answer time),
        then polls' (by poll, then answer time); streamed."""
        ...
