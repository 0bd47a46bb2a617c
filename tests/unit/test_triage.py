"""Triage on fakes of the ports: who may triage, and how a change reaches people."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from adapters.sealing import FernetSeal, new_key
from bot.conversation import Conversation, Speaker, Surface
from bot.core import assemble
from bot.identity import Person, Platform, Workspace
from bot.items import Item, Priority, Stakeholder, Status
from bot.service import FeedbackService, Recorded
from bot.triage import TriageService
from tests.fakes import (
    ACME,
    ADA,
    BOB,
    CY,
    GENERAL,
    FakeChat,
    FakeUnitOfWorkFactory,
    FixedClock,
    request,
    submission,
)

ADMIN = Person("U-ADMIN", "Morgan")


@dataclass
class Admins:
    """``bot.ports.Roles`` with a fixed set of admins."""

    ids: set[str] = field(default_factory=lambda: {ADMIN.user_id})

    async def may_triage(self, workspace: Workspace, person: Person) -> bool:
        return person.user_id in self.ids


@dataclass
class Setup:
    feedback: FeedbackService
    triage: TriageService
    uow: FakeUnitOfWorkFactory
    chat: FakeChat
    roles: Admins

    async def thanked(self, text: str = "Dark mode", **kwargs: object) -> Item:
        recorded = await self.feedback.submit_and_thank(request(text, **kwargs), self.chat)
        assert isinstance(recorded, Recorded)
        return recorded.item

    def stored(self, number: int) -> Item:
        item = self.uow.stored(ACME, number)
        assert item is not None
        return item

    conversation: Conversation

    async def say(self, text: str, person: Person = ADMIN) -> str:
        """``/roadmap <text>``; the private answer."""
        speaker = Speaker(ACME, GENERAL, person)
        answer = await self.conversation.roadmap(speaker, text, self.chat, self.roles)
        return answer.plain


SURFACE = Surface(max_length=4000, vote_with="{number}")


def setup(seal: FernetSeal | None = None, uow: FakeUnitOfWorkFactory | None = None) -> Setup:
    uow = uow or FakeUnitOfWorkFactory()
    core = assemble(uow, FixedClock(), seal=seal)
    conversation = core.conversation(SURFACE)
    return Setup(core.feedback, core.triage, uow, FakeChat(), Admins(), conversation)


async def test_a_non_admin_is_refused_politely_and_nothing_changes() -> None:
    s = setup()
    await s.thanked()
    answer = await s.say("status #1 planned", person=BOB)
    assert answer.startswith("Sorry, only admins can triage")
    assert s.stored(1).status is Status.NEW and s.stored(1).history == []
    assert s.chat.direct == [] and len(s.chat.threads) == 0


async def test_a_non_admin_cannot_correct_a_priority() -> None:
    s = setup()
    await s.thanked()
    assert (await s.say("priority #1 must-have", person=BOB)).startswith("Sorry")
    assert s.stored(1).priority is Priority.GOOD_TO_HAVE


async def test_a_status_change_reaches_the_requester_in_the_thread_and_by_direct_message() -> None:
    s = setup()
    item = await s.thanked()
    await s.say("status #1 planned for the next quarter")
    assert item.thanks is not None
    (channel, thread, text) = s.chat.threads[-1]
    assert (channel, thread) == (GENERAL, item.thanks.message_id)
    assert "Ada, an update" in text and "#1" in text and "is planned" in text
    assert "Note from Morgan: “for the next quarter”" in text
    ((user, direct),) = s.chat.direct
    assert user == ADA.user_id and "is planned" in direct and "for the next quarter" in direct


class Outlet:
    """The platform's outlet of ``feedbackbot run``: how the outbox reaches people there."""

    def __init__(self, chat: FakeChat) -> None:
        self._chat = chat

    def chat(self, response_url: str | None = None) -> FakeChat:
        return self._chat


async def test_a_change_made_away_from_chat_reaches_the_requester_through_the_platform() -> None:
    s = setup()
    await s.thanked()
    s.feedback.delivery.serve(Platform.SLACK, Outlet(s.chat))
    changed = await s.triage.change_status(
        ACME, ADMIN, s.roles, None, 1, Status.PLANNED, note="next quarter"
    )
    assert changed.told.thread and changed.told.direct
    assert "is planned" in s.chat.threads[-1][2]
    ((user, direct),) = s.chat.direct
    assert user == ADA.user_id and "next quarter" in direct


async def test_a_failed_direct_message_never_blocks_the_change_and_the_thread_reply_stands() -> (
    None
):
    s = setup()
    await s.thanked()
    s.chat.closed_dms.add(ADA.user_id)
    answer = await s.say("status #1 under review")
    assert s.stored(1).status is Status.UNDER_REVIEW
    assert len(s.chat.threads) == 1 and s.chat.direct == []
    assert "told in the thread of its thank-you." in answer


async def test_two_word_statuses_and_the_note_are_read_as_typed() -> None:
    s = setup()
    await s.thanked()
    await s.say("status #1 planned")
    await s.say("status 1 in pilot on the staging runners")
    assert s.stored(1).status is Status.IN_PILOT
    assert s.stored(1).history[-1].note == "on the staging runners"
    assert s.stored(1).history[-1].by == ADMIN


async def test_a_refused_transition_is_explained_and_tells_no_one() -> None:
    s = setup()
    await s.thanked()
    answer = await s.say("status #1 shipped")
    assert answer.startswith("Nothing was changed") and "cannot become shipped" in answer
    assert s.chat.direct == [] and s.chat.threads == []


async def test_voters_hear_when_an_item_ships() -> None:
    s = setup()
    await s.thanked()
    await s.feedback.vote(ACME, 1, BOB)
    await s.feedback.vote(ACME, 1, CY)
    await s.feedback.vote(ACME, 1, ADA)  # the requester hears once, as the requester
    await s.say("status #1 planned")
    s.chat.direct.clear()
    answer = await s.say("status #1 shipped in v2")
    told = {user: text for user, text in s.chat.direct}
    assert set(told) == {ADA.user_id, BOB.user_id, CY.user_id}
    assert "you voted for" in told[BOB.user_id] and "has shipped" in told[BOB.user_id]
    assert "in v2" in told[CY.user_id]
    assert "2 voters heard the outcome" in answer


async def test_voters_are_not_told_of_the_steps_in_between() -> None:
    s = setup()
    await s.thanked()
    await s.feedback.vote(ACME, 1, BOB)
    await s.say("status #1 planned")
    assert [user for user, _ in s.chat.direct] == [ADA.user_id]


async def test_a_duplicate_merge_moves_the_votes_to_the_kept_item_once_per_person() -> None:
    s = setup()
    await s.thanked("Dark mode")
    await s.thanked("Night theme", author=BOB)
    await s.feedback.vote(ACME, 1, CY)
    await s.feedback.vote(ACME, 2, CY)
    await s.feedback.vote(ACME, 2, ADA)
    answer = await s.say("status #2 duplicate of #1 same request")
    assert s.stored(2).status is Status.DUPLICATE and s.stored(2).duplicate_of == 1
    assert (s.stored(1).votes, s.stored(2).votes) == (2, 0)
    assert s.uow.committed.voters(ACME, 1) == {CY.user_id, ADA.user_id}
    assert "a duplicate of #1" in answer
    assert any("merged into #1" in text for user, text in s.chat.direct if user == BOB.user_id)


async def test_an_anonymous_requester_is_reached_through_the_sealed_handle() -> None:
    s = setup(FernetSeal(new_key()))
    await s.thanked(anonymous=True)
    assert ADA.user_id not in (s.stored(1).author_handle or ADA.user_id)
    await s.say("status #1 planned")
    ((user, text),) = s.chat.direct
    assert user == ADA.user_id and "is planned" in text
    # The thread reply names nobody.
    assert "Ada" not in s.chat.threads[-1][2]


async def test_without_a_seal_key_an_anonymous_item_keeps_no_way_to_reach_its_author() -> None:
    s = setup()
    await s.thanked(anonymous=True)
    assert s.stored(1).author_handle is None
    await s.say("status #1 planned")
    assert s.chat.direct == [] and len(s.chat.threads) == 1


async def test_a_handle_sealed_with_another_key_reaches_no_one() -> None:
    s = setup(FernetSeal(new_key()))
    await s.thanked(anonymous=True)
    other = setup(FernetSeal(new_key()), s.uow)
    other.chat = s.chat
    await other.say("status #1 planned")
    assert s.chat.direct == []


async def test_an_admin_corrects_the_priority_of_a_request() -> None:
    s = setup()
    await s.thanked()
    assert await s.say("priority #1 must-have") == "#1 is now must-have."
    assert s.stored(1).priority is Priority.MUST_HAVE


async def test_feedback_cannot_be_given_a_priority() -> None:
    s = setup()
    await s.feedback.submit(submission("Nice runbooks"))
    assert "only requests have a priority" in await s.say("priority #1 must-have")
    assert s.stored(1).priority is None


async def test_an_admin_corrects_the_stakeholder_kind() -> None:
    s = setup()
    await s.thanked()
    await s.say("stakeholder #1 external")
    assert s.stored(1).stakeholder is Stakeholder.EXTERNAL


async def test_anyone_may_see_an_item_with_its_history() -> None:
    s = setup()
    await s.thanked()
    await s.say("status #1 planned next sprint")
    shown = await s.say("show #1", person=BOB)
    assert "Dark mode" in shown and "new → planned by Morgan: next sprint" in shown


@pytest.mark.parametrize(
    ("which", "numbers"),
    [("open", ["#2", "#1"]), ("must-have", ["#2"]), ("external", ["#1"]), ("mine", ["#1"])],
)
async def test_lists_show_the_items_they_name(which: str, numbers: list[str]) -> None:
    s = setup()
    await s.thanked("Dark mode", stakeholder=Stakeholder.EXTERNAL)
    await s.thanked("SSO", author=BOB, priority=Priority.MUST_HAVE)
    await s.thanked("Old idea", author=BOB)
    await s.say("status #3 declined")
    listed = await s.say(f"list {which}", person=ADA)
    assert [line.split()[0] for line in listed.splitlines()] == numbers


async def test_other_roadmap_words_are_left_to_the_roadmap() -> None:
    s = setup()
    assert (await s.say("remind")).startswith("When should I post?")
