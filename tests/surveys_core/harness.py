"""The core on fakes of its ports, as the surveys' unit tests drive it: an admin ships items,
people press the buttons of their direct messages, a survey reminder posts its poll."""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.sealing import FernetSeal, new_key
from bot.conversation import CommentForm, Conversation, Speaker, Surface
from bot.core import Core, assemble
from bot.identity import Person, Workspace
from bot.items import Item, Stakeholder
from bot.messages import Button, Message
from bot.reminders import Outlet
from bot.service import Recorded
from bot.slas import TriageChannels
from bot.surveys import ShippedAnswer
from tests.fakes import ACME, GENERAL, FakeChat, FakeUnitOfWorkFactory, FixedClock, request

ADMIN = Person("U-ADMIN", "Morgan")
TRIAGE = "C-TRIAGE"
SURFACE = Surface(max_length=4000, vote_with="/vote {number}")


@dataclass
class Admins:
    """``bot.ports.Roles`` with a fixed set of admins."""

    ids: set[str] = field(default_factory=lambda: {ADMIN.user_id})

    async def may_triage(self, workspace: Workspace, person: Person) -> bool:
        return person.user_id in self.ids


class Directory:
    """``ChatDirectory`` serving every workspace with one fake chat."""

    def __init__(self, chat: FakeChat) -> None:
        self.chat = chat

    def outlet_for(self, workspace: Workspace) -> Outlet | None:
        return Outlet(self.chat, 4000)


@dataclass
class Surveys:
    core: Core
    conversation: Conversation
    uow: FakeUnitOfWorkFactory
    clock: FixedClock
    chat: FakeChat
    roles: Admins

    async def thanked(self, text: str = "Faster CI runners", **kwargs: object) -> Item:
        recorded = await self.core.feedback.submit_and_thank(request(text, **kwargs), self.chat)
        assert isinstance(recorded, Recorded)
        return recorded.item

    async def say(self, text: str, person: Person = ADMIN, channel: str = GENERAL) -> str:
        """``/roadmap <text>``; the private answer."""
        speaker = Speaker(ACME, channel, person)
        return (await self.conversation.roadmap(speaker, text, self.chat, self.roles)).plain

    async def ship(self, number: int = 1) -> None:
        """An admin plans item ``number``, then ships it."""
        assert "is now planned" in await self.say(f"status #{number} planned")
        await self.say(f"status #{number} shipped")

    async def vote(self, number: int, person: Person) -> None:
        await self.core.feedback.vote(ACME, number, person)

    def buttons_to(self, person: Person) -> tuple[Button, ...]:
        """The buttons of the last direct message ``person`` received."""
        sent = [message for user, message in self.chat.direct_messages if user == person.user_id]
        assert sent, f"{person.display_name} received no direct message"
        return sent[-1].buttons

    def button(self, person: Person, label: str) -> str:
        """The token of the button labelled ``label`` in ``person``'s last direct message."""
        (token,) = [b.action for b in self.buttons_to(person) if b.label == label]
        return token

    async def press(
        self,
        person: Person,
        action: str,
        workspace: Workspace = ACME,
        stakeholder: Stakeholder = Stakeholder.INTERNAL,
    ) -> Message | CommentForm:
        speaker = Speaker(workspace, "D-DM", person, stakeholder)
        return await self.conversation.press(speaker, action)

    async def pressed(self, person: Person, label: str, workspace: Workspace = ACME) -> str:
        """Press ``label`` in ``person``'s last direct message; the private answer's text."""
        answer = await self.press(person, self.button(person, label), workspace)
        assert isinstance(answer, Message), answer
        return answer.plain

    async def comment(self, person: Person, action: str, text: str) -> str:
        speaker = Speaker(ACME, "D-DM", person)
        return (await self.conversation.comment(speaker, action, text)).plain

    def answers(self, number: int) -> dict[str, ShippedAnswer]:
        """The answers kept about item ``number``, by respondent."""
        return {
            respondent: answer
            for (workspace, kept, respondent), answer in self.uow.state.shipped_answers.items()
            if workspace == ACME and kept == number
        }

    def triage_lines(self) -> list[str]:
        return [text for channel, text in self.chat.posted if channel == TRIAGE]


def surveys(*, seal: FernetSeal | None = None, triage: bool = True) -> Surveys:
    """The core on fakes; with ``triage``, this process serves ACME's triage channel."""
    uow = FakeUnitOfWorkFactory()
    uow.keeps_reminders = True
    clock = FixedClock()
    core = assemble(uow, clock, seal=seal or FernetSeal(new_key()))
    chat = FakeChat()
    if triage:
        channels = TriageChannels()
        channels.serve(ACME.platform, chat, TRIAGE)
        core.surveys.channels = channels
    return Surveys(core, core.conversation(SURFACE), uow, clock, chat, Admins())
