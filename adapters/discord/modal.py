"""The form that asks for the text when ``/feedback`` or ``/request`` comes without it.

The form's ``custom_id`` carries the choices made on the command (kind, priority, anonymous),
so a submission needs nothing kept in memory: it is recorded even after a restart, and a form
someone abandons costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord

from bot.items import ItemKind, Priority
from bot.text import MAX_TEXT_LENGTH

PREFIX = "feedbackbot"
TEXT_ID = "text"
_TITLES = {ItemKind.FEEDBACK: "Your feedback", ItemKind.REQUEST: "Your request"}
_LABELS = {ItemKind.FEEDBACK: "What do you think?", ItemKind.REQUEST: "What do you need?"}


@dataclass(frozen=True, slots=True)
class FormChoices:
    kind: ItemKind
    priority: Priority | None
    anonymous: bool

    @property
    def custom_id(self) -> str:
        priority = self.priority.value if self.priority else "-"
        return f"{PREFIX}:{self.kind.value}:{priority}:{int(self.anonymous)}"

    @classmethod
    def parse(cls, custom_id: str) -> FormChoices | None:
        """The choices of one of our forms; ``None`` for any other custom id."""
        prefix, _, rest = custom_id.partition(":")
        fields = rest.split(":")
        if prefix != PREFIX or len(fields) != 3:
            return None
        kind, priority, anonymous = fields
        try:
            return cls(
                ItemKind(kind), None if priority == "-" else Priority(priority), anonymous == "1"
            )
        except ValueError:
            return None


def build_form(choices: FormChoices) -> discord.ui.Modal:
    """The form, already stopped so that discord.py does not keep it: the submission comes
    back as an interaction of its own (see ``FormChoices``)."""
    modal = discord.ui.Modal(title=_TITLES[choices.kind], custom_id=choices.custom_id)
    modal.add_item(
        discord.ui.Label(
            text=_LABELS[choices.kind],
            description="Recorded anonymously." if choices.anonymous else None,
            component=discord.ui.TextInput(
                custom_id=TEXT_ID,
                style=discord.TextStyle.paragraph,
                max_length=MAX_TEXT_LENGTH,
                required=True,
            ),
        )
    )
    modal.stop()
    return modal


def submitted_text(data: dict[str, Any]) -> str:
    """The text typed into the form, from a modal submission's ``data``: inputs come inside
    labels (type 18) or, from older clients, action rows (type 1); anything else found there
    (not what Discord sends) is passed over."""
    pending = _listed(data.get("components"))
    while pending:
        component = pending.pop(0)
        if not isinstance(component, dict):
            continue
        if component.get("type") == 1:
            pending.extend(_listed(component.get("components")))
        elif component.get("type") == 18:
            pending.append(component.get("component"))
        elif component.get("custom_id") == TEXT_ID:
            value = component.get("value")
            return value if isinstance(value, str) else ""
    return ""


def _listed(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []
