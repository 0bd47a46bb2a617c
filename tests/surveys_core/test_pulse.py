"""Pulse surveys: a survey reminder asks its channel on a schedule, people answer with a click."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core import assemble
from bot.items import Stakeholder
from bot.messages import Message
from bot.reminders import ReminderKind
from bot.roadmap import FireOutcome
from bot.surveys import PollAction, Scale, parse_action, poll_action
from tests.fakes import ACME, ADA, BOB, CY, GENERAL, GLOBEX, FakeChat
from tests.surveys_core.harness import Directory, Surveys, surveys

ASK = "How well does the platform team support you?"
# Tuesday 1 April 2025, 10:00 UTC: the monthly survey's first occurrence after the start.
FIRST = datetime(2025, 4, 1, 10, 0, tzinfo=UTC)


async def added(s: Surveys, text: str) -> str:
    return await s.say(f"remind {text}")


async def posted_survey(s: Surveys, scale: str = "") -> tuple[str, Message]:
    """A monthly survey added and its first occurrence posted; (channel, message)."""
    said = await added(
        s, f"survey {scale} every month on the 1st at 10:00 {ASK}".replace("  ", " ")
    )
    assert said.startswith("Added: #1 survey")
    s.clock.set(FIRST)
    assert await s.core.roadmap.fire(1, Directory(s.chat)) is FireOutcome.POSTED
    return s.chat.posted_messages[-1]


async def test_a_survey_reminder_is_added_with_its_question_and_scale() -> None:
    s = surveys()
    said = await added(s, f"survey every month on the 1st at 10:00 {ASK}")
    assert said.startswith(
        f"Added: #1 survey (1-5) “{ASK}”, every month on the 1st at 10:00 (UTC); next: "
    )
    (reminder,) = s.uow.state.reminders.values()
    assert reminder.kind is ReminderKind.SURVEY and reminder.scale is Scale.FIVE
    assert reminder.text == ASK and reminder.channel_id == GENERAL


async def test_a_yes_no_survey_with_a_zone_and_saying() -> None:
    s = surveys()
    said = await added(
        s, "survey yes/no every monday at 09:00 in Europe/Berlin saying Did the deploy go well?"
    )
    assert (
        "survey (yes/no) “Did the deploy go well?”, every monday at 09:00 (Europe/Berlin)" in said
    )
    (reminder,) = s.uow.state.reminders.values()
    assert reminder.scale is Scale.YES_NO and reminder.time_zone == "Europe/Berlin"


async def test_a_survey_without_a_question_is_refused() -> None:
    s = surveys()
    said = await added(s, "survey every month on the 1st at 10:00")
    assert said.startswith("What should the survey ask?")
    assert s.uow.state.reminders == {}


async def test_a_survey_without_a_schedule_says_how_to_write_one() -> None:
    s = surveys()
    said = await added(s, "survey whenever you like How are we doing?")
    assert "For example: `every monday at 09:00" in said and "Nothing was added." in said
    assert s.uow.state.reminders == {}


async def test_the_list_of_reminders_shows_the_survey() -> None:
    s = surveys()
    await added(s, f"survey yes/no every day at 09:00 {ASK}")
    listed = await s.say("reminders")
    assert f"#1 survey (yes/no) “{ASK}”, every day at 09:00 (UTC)" in listed


async def test_each_occurrence_posts_the_question_with_one_button_per_answer() -> None:
    s = surveys()
    channel, message = await posted_survey(s)
    assert channel == GENERAL
    assert message.plain == (
        f"Pulse survey: “{ASK}”\nAnswer with one click, from 1 (not at all) to 5 (very well). "
        "Only you see your answer."
    )
    assert [b.label for b in message.buttons] == ["1", "2", "3", "4", "5"]
    assert [parse_action(b.action) for b in message.buttons] == [
        PollAction(1, value) for value in (1, 2, 3, 4, 5)
    ]
    (poll,) = s.uow.state.polls.values()
    assert (poll.question, poll.scale, poll.scheduled_for) == (ASK, Scale.FIVE, FIRST)
    assert poll.reminder_id == 1 and poll.workspace == ACME


async def test_a_yes_no_survey_has_yes_and_no_buttons() -> None:
    s = surveys()
    _, message = await posted_survey(s, "yes/no")
    assert [(b.label, parse_action(b.action)) for b in message.buttons] == [
        ("Yes", PollAction(1, 1)),
        ("No", PollAction(1, 0)),
    ]


async def test_two_replicas_post_an_occurrence_once() -> None:
    s = surveys()
    await added(s, f"survey every month on the 1st at 10:00 {ASK}")
    s.clock.set(FIRST)
    # A second process on the same database, with its own chat connection.
    other = assemble(s.uow, s.clock)
    other_chat = FakeChat()
    first = await s.core.roadmap.fire(1, Directory(s.chat))
    second = await other.roadmap.fire(1, Directory(other_chat))
    assert first is FireOutcome.POSTED
    assert second in (FireOutcome.CLAIMED_ELSEWHERE, FireOutcome.NOT_DUE)
    assert len(s.chat.posted_messages) == 1 and other_chat.posted == []
    assert len(s.uow.state.polls) == 1


async def answer(s: Surveys, person: object, token: str, stakeholder: Stakeholder) -> str:
    said = await s.press(person, token, stakeholder=stakeholder)  # type: ignore[arg-type]
    assert isinstance(said, Message)
    return said.plain


async def test_several_people_answer_each_once_privately_acknowledged() -> None:
    s = surveys()
    _, message = await posted_survey(s)
    tokens = {b.label: b.action for b in message.buttons}
    said = await answer(s, ADA, tokens["4"], Stakeholder.INTERNAL)
    assert said == "Thanks, your answer 4 is counted; press another to change it."
    await answer(s, BOB, tokens["2"], Stakeholder.EXTERNAL)
    await answer(s, CY, tokens["5"], Stakeholder.INTERNAL)
    kept = {user: (a.value, a.stakeholder) for (_, user), a in s.uow.state.poll_answers.items()}
    assert kept == {
        ADA.user_id: (4, Stakeholder.INTERNAL),
        BOB.user_id: (2, Stakeholder.EXTERNAL),
        CY.user_id: (5, Stakeholder.INTERNAL),
    }


async def test_a_changed_answer_replaces_the_first_and_a_repeat_counts_once() -> None:
    s = surveys()
    _, message = await posted_survey(s)
    tokens = {b.label: b.action for b in message.buttons}
    await answer(s, ADA, tokens["4"], Stakeholder.INTERNAL)
    changed = await answer(s, ADA, tokens["2"], Stakeholder.INTERNAL)
    assert changed.startswith("Thanks, your answer is now 2 (it was 4)")
    repeated = await answer(s, ADA, tokens["2"], Stakeholder.INTERNAL)
    assert repeated == "Your answer 2 is counted already; press another to change it."
    assert [a.value for a in s.uow.state.poll_answers.values()] == [2]


async def test_an_answer_off_the_scale_or_to_a_missing_poll_keeps_nothing() -> None:
    s = surveys()
    await posted_survey(s)
    off = await answer(s, ADA, poll_action(1, 0), Stakeholder.INTERNAL)
    assert off == "That is not one of this survey's answers; nothing was kept."
    gone = await answer(s, ADA, poll_action(7, 3), Stakeholder.INTERNAL)
    assert gone == "That survey is gone, so your answer was not kept."
    assert s.uow.state.poll_answers == {}


async def test_a_poll_of_another_workspace_keeps_nothing() -> None:
    s = surveys()
    _, message = await posted_survey(s)
    said = await s.press(BOB, message.buttons[0].action, GLOBEX)
    assert isinstance(said, Message) and "another workspace" in said.plain
    assert s.uow.state.poll_answers == {}


async def test_a_database_failure_is_said_not_raised() -> None:
    s = surveys()
    _, message = await posted_survey(s)
    s.uow.unreachable = True
    said = await answer(s, ADA, message.buttons[2].action, Stakeholder.INTERNAL)
    assert said.startswith("Sorry, I could not keep your answer just now")
