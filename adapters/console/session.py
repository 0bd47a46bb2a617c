"""The console session: reads lines like a chat channel would receive them, answers in kind."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TextIO

from adapters.console.chat import ConsoleChat, render
from bot.errors import ItemNotFound
from bot.identity import Person, Workspace
from bot.items import ItemKind, Priority, Stakeholder, Status
from bot.ports import ItemQuery
from bot.presenting import describe, describe_line
from bot.roadmap import RoadmapRequest, RoadmapService
from bot.service import FeedbackService, Submission, VoteResult
from bot.syntax import USAGE, parse_qualifiers
from bot.text import parse_number
from bot.triage import TriageRequest, TriageService

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
  /roadmap status <#n> <status> [note]   triage (everyone may, in the console):
                      new, under review, planned, in pilot, shipped, declined,
                      or duplicate <#other>; /roadmap priority <#n> must-have|good-to-have,
                      /roadmap stakeholder <#n> internal|external
  /roadmap show <#n>, /roadmap list [open|mine|must-have|external], /roadmap stats
  /as <name>          speak as someone else (to try votes)
  /help               this text
  /quit               leave (end of input works too)
End a line with \\ to continue on the next line."""

# A terminal takes any length; this keeps a digest as readable as on a chat platform.
CONSOLE_MAX_LENGTH = 4000

_LISTS: dict[str, Callable[[Person], ItemQuery]] = {
    "all": lambda _: ItemQuery(),
    "open": lambda _: ItemQuery(
        statuses=frozenset({Status.NEW, Status.UNDER_REVIEW, Status.PLANNED, Status.IN_PILOT})
    ),
    "mine": lambda person: ItemQuery(author_id=person.user_id),
    "must-have": lambda _: ItemQuery(priority=Priority.MUST_HAVE),
    "external": lambda _: ItemQuery(stakeholder=Stakeholder.EXTERNAL),
}


@dataclass
class Seat:
    """Who is typing, and where."""

    workspace: Workspace
    channel_id: str
    person: Person
    stakeholder: Stakeholder


def _votes(result: VoteResult) -> str:
    return f"{result.votes} vote" + ("" if result.votes == 1 else "s")


def person_named(name: str) -> Person:
    return Person(f"console:{name}", name)


class ConsoleRoles:
    """In the console everyone may triage: it is one person trying the bot out."""

    async def may_triage(self, workspace: Workspace, person: Person) -> bool:
        return True


class ConsoleSession:
    def __init__(
        self,
        service: FeedbackService,
        seat: Seat,
        lines: TextIO,
        out: TextIO,
        *,
        interactive: bool,
        roadmap: RoadmapService | None = None,
        triage: TriageService | None = None,
    ) -> None:
        self._service = service
        self._roadmap = roadmap
        self._triage = triage
        self._seat = seat
        self._lines = lines
        self._out = out
        self._interactive = interactive
        self._chat = ConsoleChat(out)
        self._commands: dict[str, Callable[[str], Awaitable[bool]]] = {
            "/feedback": lambda arg: self._submit(ItemKind.FEEDBACK, arg),
            "/request": lambda arg: self._submit(ItemKind.REQUEST, arg),
            "/vote": self._vote,
            "/unvote": self._unvote,
            "/show": self._show,
            "/list": self._list,
            "/as": self._as,
            "/roadmap": self._roadmap_command,
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
                print(prompt, end="", file=self._out, flush=True)
            line = await self._next_line()
            if not line:
                return "\n".join(collected) if collected else None
            line = line.rstrip("\r\n")
            if line.endswith("\\"):
                collected.append(line[:-1])
                continue
            collected.append(line)
            return "\n".join(collected)

    async def _next_line(self) -> str:
        # A daemon thread reads, so Ctrl-C ends the program at once instead of waiting for a
        # blocked readline in the event loop's executor.
        loop = asyncio.get_running_loop()
        arrived: asyncio.Future[str] = loop.create_future()

        def deliver(line: str) -> None:
            if not arrived.done():
                arrived.set_result(line)

        def read() -> None:
            loop.call_soon_threadsafe(deliver, self._lines.readline())

        threading.Thread(target=read, daemon=True, name="console-input").start()
        return await arrived

    async def handle(self, entry: str) -> bool:
        """Answer one entry; ``False`` when the person has left."""
        if not entry.strip():
            return True
        if not entry.startswith("/"):
            self._chat.say("I only listen to commands here. Type /help to see them.")
            return True
        name, _, argument = entry.partition(" ")
        if "\n" in name:
            name, _, rest = name.partition("\n")
            argument = rest + (" " + argument if argument else "")
        command = self._commands.get(name.lower())
        if command is None:
            self._chat.say(f"I don't know {name}. Type /help to see what I understand.")
            return True
        return await command(argument)

    async def _submit(self, kind: ItemKind, argument: str) -> bool:
        qualified = parse_qualifiers(kind, argument)
        await self._service.submit_and_thank(
            Submission(
                workspace=self._seat.workspace,
                channel_id=self._seat.channel_id,
                author=self._seat.person,
                kind=kind,
                text=qualified.text,
                stakeholder=self._seat.stakeholder,
                priority=qualified.priority,
                anonymous=qualified.anonymous,
            ),
            self._chat,
        )
        return True

    def _number(self, argument: str) -> int | None:
        number = parse_number(argument)
        if number is None:
            self._chat.say("Which item? Give its number, e.g. 3 or #3.")
        return number

    async def _ballot(
        self, argument: str, cast: Callable[[Workspace, int, Person], Awaitable[VoteResult]]
    ) -> VoteResult | None:
        number = self._number(argument)
        if number is None:
            return None
        try:
            return await cast(self._seat.workspace, number, self._seat.person)
        except ItemNotFound as missing:
            self._chat.say(f"Sorry, {missing}.")
            return None

    async def _vote(self, argument: str) -> bool:
        result = await self._ballot(argument, self._service.vote)
        if result is not None:
            self._chat.say(
                f"Your vote for #{result.number} is counted; it has {_votes(result)} now."
                if result.counted
                else f"You have already voted for #{result.number} ({_votes(result)})."
            )
        return True

    async def _unvote(self, argument: str) -> bool:
        result = await self._ballot(argument, self._service.withdraw_vote)
        if result is not None:
            self._chat.say(
                f"Your vote for #{result.number} is withdrawn; it has {_votes(result)} now."
                if result.counted
                else f"You had not voted for #{result.number}."
            )
        return True

    async def _show(self, argument: str) -> bool:
        number = self._number(argument)
        if number is not None:
            item = await self._service.find(self._seat.workspace, number)
            self._chat.say(render(describe(item)) if item else f"There is no item #{number} here.")
        return True

    async def _list(self, argument: str) -> bool:
        which = argument.strip().lower() or "open"
        if which not in _LISTS:
            self._chat.say(f"List what? Try /list {'|'.join(_LISTS)}.")
            return True
        found = await self._service.list_items(
            self._seat.workspace, _LISTS[which](self._seat.person)
        )
        if not found:
            self._chat.say(f"Nothing to list ({which}).")
        for item in found:
            self._chat.say(render(describe_line(item)))
        return True

    async def _as(self, argument: str) -> bool:
        name = " ".join(argument.split())
        if not name:
            self._chat.say("Speak as whom? e.g. /as bob")
            return True
        self._seat.person = person_named(name)
        self._chat.say(f"You are now {name}.")
        return True

    async def _roadmap_command(self, argument: str) -> bool:
        seat = self._seat
        if self._triage is not None:
            # status, show, list, priority, stakeholder, stats; None for the rest.
            request = TriageRequest(seat.workspace, seat.channel_id, seat.person, argument)
            triaged = await self._triage.command(request, ConsoleRoles(), self._chat)
            if triaged is not None:
                await self._chat.post_private(seat.channel_id, seat.person, triaged)
                return True
        if self._roadmap is None:
            self._chat.say("The roadmap is not available here.")
            return True
        roadmap = RoadmapRequest(seat.workspace, seat.channel_id, seat.person, argument)
        answer = await self._roadmap.command(roadmap, CONSOLE_MAX_LENGTH)
        await self._chat.post_private(seat.channel_id, seat.person, answer)
        return True

    async def _help(self, _: str) -> bool:
        self._chat.say(HELP)
        return True

    async def _quit(self, _: str) -> bool:
        return False
