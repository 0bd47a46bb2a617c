"""The ``Chat`` port on a terminal: the channel is the screen. Everything goes out through
``show``, so no name or text, from this terminal or stored from another platform, can drive the
terminal."""

from __future__ import annotations

from datetime import datetime
from typing import TextIO

from adapters.cli.output import show
from bot.identity import MessageRef, Person
from bot.messages import Button, Message

BOT_NAME = "feedbackbot"


def _mention(person: Person) -> str:
    return f"@{person.display_name}"


def render(message: Message) -> str:
    # A terminal interprets nothing, so what people typed is shown exactly as typed.
    return message.render(lambda text: text, _mention)


def numbered(buttons: tuple[Button, ...]) -> str:
    """``[1] Solved it  [2] Partly``: buttons as a terminal offers them, to press by number."""
    return "  ".join(f"[{n}] {button.label}" for n, button in enumerate(buttons, start=1))


class ConsoleChat:
    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._posted = 0
        # The buttons of the last message shown with any: typing a number alone presses one.
        self.buttons: tuple[Button, ...] = ()

    def _shown(self, message: Message) -> str:
        text = render(message)
        if not message.buttons:
            return text
        self.buttons = message.buttons
        return f"{text}\n{numbered(message.buttons)}  (type a number to press)"

    def say(self, text: str) -> None:
        show(f"{BOT_NAME}: {text}", self._out)

    def prompt(self, text: str) -> None:
        show(text, self._out, end="")

    async def post(
        self, channel_id: str, message: Message, *, marker: str | None = None
    ) -> MessageRef:
        self._posted += 1
        self.say(self._shown(message))
        return MessageRef(channel_id, f"console-{self._posted}")

    async def post_private(self, channel_id: str, person: Person, message: Message) -> None:
        show(f"{BOT_NAME} (only you can see this): {self._shown(message)}", self._out)

    async def direct_message(self, person: Person, message: Message) -> None:
        # The console has one screen; a direct message is marked as such (and names no one,
        # since it may be for the author of an anonymous item).
        show(f"{BOT_NAME} (direct message): {self._shown(message)}", self._out)

    async def reply_in_thread(
        self, channel_id: str, thread: MessageRef, message: Message, *, marker: str | None = None
    ) -> MessageRef:
        self._posted += 1
        show(f"{BOT_NAME} (in thread): {self._shown(message)}", self._out)
        return MessageRef(channel_id, f"console-{self._posted}")

    async def find_posted(
        self,
        channel_id: str,
        marker: str,
        since: datetime,
        thread: MessageRef | None = None,
        until: datetime | None = None,
    ) -> MessageRef | None:
        """Never found: printing cannot fail halfway, so a post is never in doubt."""
        return None
