"""Messages the core composes, kept as parts so each adapter can escape what people typed.

The core never formats for a platform. It marks which words it wrote (``Plain``), which words a
person typed (``Quote``: adapters must escape them so no ``<!channel>`` or ``@everyone`` can
ring), and whom it names (``Mention``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.identity import Person


@dataclass(frozen=True, slots=True)
class Plain:
    text: str


@dataclass(frozen=True, slots=True)
class Quote:
    text: str


@dataclass(frozen=True, slots=True)
class Mention:
    person: Person


Part = Plain | Quote | Mention


class ButtonStyle(StrEnum):
    PLAIN = "plain"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class Button:
    """Something a person can press under a message. ``action`` is the core's own token,
    handed back to the core unchanged when the button is pressed (Slack's ``value``/
    ``action_id``, Discord's ``custom_id``: at most 100 characters); ``label`` the words the
    core wrote."""

    action: str
    label: str
    style: ButtonStyle = ButtonStyle.PLAIN


@dataclass(frozen=True, slots=True)
class Message:
    parts: tuple[Part, ...]
    # Shown under the text, in this order (a console numbers them).
    buttons: tuple[Button, ...] = ()

    @classmethod
    def of(cls, *parts: Part | str) -> Message:
        return cls(tuple(Plain(p) if isinstance(p, str) else p for p in parts))

    def with_buttons(self, *buttons: Button) -> Message:
        return Message(self.parts, (*self.buttons, *buttons))

    def render(
        self,
        escape: Callable[[str], str],
        mention: Callable[[Person], str],
    ) -> str:
        """Join the parts, escaping quotes with ``escape`` and naming people with ``mention``."""
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, Plain):
                out.append(part.text)
            elif isinstance(part, Quote):
                out.append(escape(part.text))
            else:
                out.append(mention(part.person))
        return "".join(out)

    @property
    def plain(self) -> str:
        """The text as a terminal shows it: nothing escaped, people by display name."""
        return self.render(lambda text: text, lambda person: person.display_name)
