"""The console session: reads lines like a chat channel would receive them, answers in kind."""

from __future__ import annotations

import asyncio
import codecs
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO, TextIO

from adapters.console.chat import ConsoleChat, render
from bot.conversation import CommentForm, Conversation, Speaker, Surface
from bot.identity import Person, Workspace
from bot.items import ItemKind, Stakeholder
from bot.messages import Message
from bot.syntax import USAGE

HELP = f"""\
Commands (everything you type is what a Slack or Discord channel would receive):
  {USAGE[ItemKind.FEEDBACK]}
      e.g. /feedback The new deploy dashboard is much faster, thank you!
  {USAGE[ItemKind.REQUEST]}
      e.g. /request must-have: audit log export for SOC2
  /vote <number>      vote for an item (one vote per person)
  /unvote <number>    take your vote back
  /show <number>      one item with its history
  /list [open|mine|must-have|external|all]
  /roadmap            the roadmap update so far; /roadmap remind <schedule> posts it
                      on a schedule (e.g. every monday at 09:00 in Europe/Berlin),
                      /roadmap reminders lists them, /roadmap unremind <id> removes one
  /roadmap remind survey [1-5|yes/no] <schedule> <question>   a pulse survey
                      asked on a schedule (e.g. every month on the 1st at 10:00)
  <number>            press that button of the last message shown with buttons
                      ([1] Solved it  [2] Partly ...), as the person you speak as
  /roadmap status <#n> <status> [note]   triage (everyone may, in the console):
                      new, under review, planned, in pilot, shipped, declined,
                      or duplicate <#other>; /roadmap priority <#n> must-have|good-to-have,
                      /roadmap stakeholder <#n> internal|external
  /roadmap show <#n>, /roadmap list [open|mine|must-have|external], /roadmap stats
  /roadmap dashboard  a link that signs you in to the web dashboard (works once)
  /roadmap link <#n> <issue URL | KEY-12 | owner/repo#12>   link an item to a
                      GitHub or Jira issue; /roadmap link <#n> github owner/repo or
                      jira PROJ creates one; /roadmap unlink <#n> [issue] removes it
  /as <name>          speak as someone else (to try votes)
  /help               this text
  /quit               leave (end of input works too)
End a line with \\ to continue on the next line."""

# A terminal takes any length; this keeps a digest as readable as on a chat platform.
CONSOLE = Surface(max_length=4000, vote_with="/vote {number}")


@dataclass
class Seat:
    """Who is typing, and where."""

    workspace: Workspace
    channel_id: str
    person: Person
    stakeholder: Stakeholder

    @property
    def speaker(self) -> Speaker:
        return Speaker(self.workspace, self.channel_id, self.person, self.stakeholder)


def person_named(name: str) -> Person:
    return Person(f"console:{name}", name)


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A line of input that is not text in the input's encoding."""

    encoding: str
    byte: int


def read_line(lines: TextIO) -> str | Unreadable:
    """The next line, ``""`` at the end. Read as bytes and decoded one line at a time where the
    stream has bytes beneath it: a text stream that meets a byte it cannot decode raises, and
    drops the lines it had read ahead with it."""
    raw: BinaryIO | None = getattr(lines, "buffer", None)
    if raw is None:
        return lines.readline()
    encoding = getattr(lines, "encoding", None) or "utf-8"
    line = raw.readline()
    try:
        return line.decode(encoding)
    except UnicodeDecodeError as error:
        return Unreadable(codecs.lookup(encoding).name.upper(), line[error.start])


class ConsoleRoles:
    """In the console everyone may triage: it is one person trying the bot out."""

    async def may_triage(self, workspace: Workspace, person: Person) -> bool:
        return True


class ConsoleSession:
    """A chat channel in a terminal. ``/as``, ``/help`` and ``/quit`` belong to the session;
    everything else is said to the conversation, as in a channel."""

    def __init__(
        self,
        conversation: Conversation,
        seat: Seat,
        lines: TextIO,
        out: TextIO,
        *,
        interactive: bool,
    ) -> None:
        self._conversation = conversation
        self._seat = seat
        self._lines = lines
        self._interactive = interactive
        self._chat = ConsoleChat(out)
        self._session: dict[str, Callable[[str], bool]] = {
            "/as": self._as,
            "/help": self._help,
            "/quit": self._quit,
            "/exit": self._quit,
        }

    async def run(self) -> None:
        if self._interactive:
            self._chat.say(
                f"Hi {self._seat.person.display_name}, this is #{self._seat.channel_id}. "
                "Type /help for what I understand."
            )
        while (entry := await self._read_entry()) is not None:
            if not await self.handle(entry):
                return

    async def _read_entry(self) -> str | None:
        """One entry; a line ending in a backslash continues on the next line."""
        collected: list[str] = []
        while True:
            if self._interactive:
                prompt = "... " if collected else f"{self._seat.person.display_name}> "
                self._chat.prompt(prompt)
            line = await self._next_line()
            if isinstance(line, Unreadable):
                # The entry it belongs to is not said at all, rather than said in part.
                self._chat.say(
                    f"That line is not {line.encoding} text (byte 0x{line.byte:02x}), so "
                    "nothing was done with it. Type it again."
                )
                collected = []
                continue
            if not line:
                return "\n".join(collected) if collected else None
            line = line.rstrip("\r\n")
            if line.endswith("\\"):
                collected.append(line[:-1])
                continue
            collected.append(line)
            return "\n".join(collected)

    async def _next_line(self) -> str | Unreadable:
        # A daemon thread reads, so Ctrl-C ends the program at once instead of waiting for a
        # blocked readline in the event loop's executor.
        loop = asyncio.get_running_loop()
        arrived: asyncio.Future[str | Unreadable] = loop.create_future()

        def deliver(line: str | Unreadable) -> None:
            if not arrived.done():
                arrived.set_result(line)

        def read() -> None:
            loop.call_soon_threadsafe(deliver, read_line(self._lines))

        threading.Thread(target=read, daemon=True, name="console-input").start()
        return await arrived

    async def handle(self, entry: str) -> bool:
        """Answer one entry; ``False`` when the person has left."""
        if not entry.strip():
            return True
        if entry.strip().isdigit():
            await self._press(int(entry.strip()))
            return True
        if not entry.startswith("/"):
            self._chat.say("I only listen to commands here. Type /help to see them.")
            return True
        name, _, argument = entry.partition(" ")
        if "\n" in name:
            name, _, rest = name.partition("\n")
            argument = rest + (" " + argument if argument else "")
        session = self._session.get(name.lower())
        if session is not None:
            return session(argument)
        seat = self._seat
        reply = await self._conversation.command(
            seat.speaker, name, argument, self._chat, ConsoleRoles()
        )
        if reply is not None:
            if reply.private:
                await self._chat.post_private(seat.channel_id, seat.person, reply.message)
            else:
                self._chat.say(render(reply.message))
        return True

    async def _press(self, number: int) -> None:
        """Press button ``number`` of the last message shown with buttons, as the person
        typing; a comment form asks for one line."""
        buttons = self._chat.buttons
        if not buttons:
            self._chat.say("There is nothing to press: no message with buttons was shown yet.")
            return
        if not 1 <= number <= len(buttons):
            self._chat.say(f"Press a number from 1 to {len(buttons)}.")
            return
        seat = self._seat
        action = buttons[number - 1].action
        pressed = await self._conversation.press(seat.speaker, action)
        answer = await self._comment(pressed) if isinstance(pressed, CommentForm) else pressed
        if answer is not None:
            await self._chat.post_private(seat.channel_id, seat.person, answer)

    async def _comment(self, form: CommentForm) -> Message | None:
        self._chat.say(f"{form.title} {form.label} (one line; an empty line adds nothing):")
        if self._interactive:
            self._chat.prompt("comment> ")
        line = await self._next_line()
        if isinstance(line, Unreadable) or not line.strip():
            self._chat.say("No comment was added.")
            return None
        text = line.rstrip("\r\n")
        return await self._conversation.comment(self._seat.speaker, form.action, text)

    def _as(self, argument: str) -> bool:
        name = " ".join(argument.split())
        if not name:
            self._chat.say("Speak as whom? e.g. /as bob")
            return True
        self._seat.person = person_named(name)
        self._chat.say(f"You are now {name}.")
        return True

    def _help(self, _: str) -> bool:
        self._chat.say(HELP)
        return True

    def _quit(self, _: str) -> bool:
        return False
