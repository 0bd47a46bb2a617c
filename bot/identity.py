"""Neutral identities: where something was said and who said it, on any platform."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Platform(StrEnum):
    CONSOLE = "console"
    SLACK = "slack"
    DISCORD = "discord"


@dataclass(frozen=True, slots=True)
class Workspace:
    """A Slack team, a Discord guild or a console session: the boundary no data crosses.
    ``organisation`` is the larger organisation the workspace belongs to, when the platform
    says (a Slack Enterprise Grid's ``E...`` id); recorded with the workspace, never part of
    which workspace it is."""

    platform: Platform
    id: str
    organisation: str | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.platform.value}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> Workspace:
        """Read the ``platform:id`` form that ``str()`` writes."""
        platform, sep, workspace_id = text.partition(":")
        if not sep or not workspace_id:
            raise ValueError(f"expected platform:id, got {text!r}")
        return cls(Platform(platform), workspace_id)


@dataclass(frozen=True, slots=True)
class Person:
    """A platform user as the core sees them: an id to address them and a name to thank them."""

    user_id: str
    display_name: str


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message the bot posted (or captured), so that reactions and replies can find their item."""

    channel_id: str
    message_id: str
