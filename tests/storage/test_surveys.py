"""Survey answers and pulse polls on real databases (SQLite and PostgreSQL): one answer per
person per item and per poll, a later one replacing the earlier, nothing counted twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import Workspace
from bot.items import Item, Stakeholder
from bot.reminders import Reminder, ReminderKind
from bot.schedules import parse_schedule
from bot.surveys import (
    ANONYMOUS_REQUESTER,
    ExportedAnswer,
    Poll,
    PollAnswer,
    Role,
    Scale,
    ShipAnswer,
    ShippedAnswer,
)
from storage.tables import survey_answers, survey_poll_answers, survey_polls
from storage.unit_of_work import SqlStorage
from tests.core import core_on
from tests.fakes import ACME, BOB, CY, GLOBEX, START, FixedClock, submission

LATER = START + timedelta(hours=1)
QUESTION = "How well does the platform team support you?"


async def _item(
    engine: AsyncEngine, *, anonymous: bool = False, workspace: Workspace = ACME
) -> int:
    feedback = core_on(engine, FixedClock()).feedback
    outcome = await feedback.submit(
        submission("faster CI runners", anonymous=anonymous, workspace=workspace)
    )
    assert isinstance(outcome, Item) and outcome.number is not None
    return outcome.number


def _answer(
    number: int,
    answer: ShipAnswer,
    *,
    respondent: str = BOB.user_id,
    at: datetime = START,
    comment: str | None = None,
    role: Role = Role.VOTER,
) -> ShippedAnswer:
    return ShippedAnswer(
        workspace=ACME,
        number=number,
        respondent=respondent,
        user_id=None if respondent == ANONYMOUS_REQUESTER else respondent,
        role=role,
        answer=answer,
        answered_at=at,
        comment=comment,
    )


def _poll(reminder_id: int | None = None, scale: Scale = Scale.FIVE) -> Poll:
    return Poll(
        workspace=ACME,
        channel_id="C-GENERAL",
        question=QUESTION,
        scale=scale,
        scheduled_for=START,
        created_at=START + timedelta(seconds=2),
        reminder_id=reminder_id,
    )


async def _count(engine: AsyncEngine, table: object) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()  # type: ignore[arg-type]


async def _reminder(storage: SqlStorage, scale: Scale | None = Scale.FIVE) -> Reminder:
    async with storage.unit_of_work() as uow:
        reminder = await uow.reminders.add(
            Reminder(
                workspace=ACME,
                channel_id="C-GENERAL",
                schedule=parse_schedule("every month on the 1st at 10:00")[0],
                time_zone="UTC",
                kind=ReminderKind.SURVEY,
                created_at=START,
                text=QUESTION,
                scale=scale,
            )
        )
        await uow.commit()
    return reminder


# -- after shipping -------------------------------------------------------------------------------


async def test_a_first_answer_is_kept_and_replaces_nothing(engine: AsyncEngine) -> None:
    number = await _item(engine)
    storage = SqlStorage(engine)
    async with storage.unit_of_work() as uow:
        assert await uow.surveys.answer_shipped(_answer(number, ShipAnswer.SOLVED)) is None
        await uow.commit()
    async with storage.unit_of_work() as uow:
        assert await uow.surveys.shipped_answer(ACME, number, BOB.user_id) == _answer(
            number, ShipAnswer.SOLVED
        )
        assert await uow.surveys.shipped_answer(ACME, number, CY.user_id) is None


async def test_a_later_answer_replaces_the_earlier_one_and_says_which(engine: AsyncEngine) -> None:
    number = await _item(engine)
    storage = SqlStorage(engine)
    async with storage.unit_of_work() as uow:
        await uow.surveys.answer_shipped(_answer(number, ShipAnswer.SOLVED, comment="thanks"))
        await uow.commit()
    async with storage.unit_of_work() as uow:
        replaced = await uow.surveys.answer_shipped(_answer(number, ShipAnswer.NO, at=LATER))
        await uow.commit()
    assert replaced == _answer(number, ShipAnswer.SOLVED, comment="thanks")
    async with storage.unit_of_work() as uow:
        kept = await uow.surveys.shipped_answer(ACME, number, BOB.user_id)
    # The comment stays with the person's answer when the new one brings none.
    assert kept == _answer(number, ShipAnswer.NO, at=LATER, comment="thanks")
    assert await _count(engine, survey_answers) == 1


async def test_the_same_answer_twice_is_kept_once_as_first_given(engine: AsyncEngine) -> None:
    number = await _item(engine)
    storage = SqlStorage(engine)
    for at in (START, LATER):
        async with storage.unit_of_work() as uow:
            await uow.surveys.answer_shipped(_answer(number, ShipAnswer.PARTLY, at=at))
            await uow.commit()
    async with storage.unit_of_work() as uow:
        kept = await uow.surveys.shipped_answer(ACME, number, BOB.user_id)
    assert kept == _answer(number, ShipAnswer.PARTLY, at=START)
    assert await _count(engine, survey_answers) == 1


async def test_a_new_comment_with_an_answer_replaces_the_kept_one(engine: AsyncEngine) -> None:
    number = await _item(engine)
    storage = SqlStorage(engine)
    async with storage.unit_of_work() as uow:
        await uow.surveys.answer_shipped(_answer(number, ShipAnswer.NO, comment="still slow"))
        await uow.surveys.answer_shipped(_answer(number, ShipAnswer.NO, comment="slow on ARM"))
        kept = await uow.surveys.shipped_answer(ACME, number, BOB.user_id)
    assert kept is not None and kept.comment == "slow on ARM"


async def test_a_comment_is_kept_with_the_answer_and_replaces_the_earlier(
    engine: AsyncEngine,
) -> None:
    number = await _item(engine)
    storage = SqlStorage(engine)
    async with storage.unit_of_work() as uow:
        await uow.surveys.answer_shipped(_answer(number, ShipAnswer.NO))
        first = await uow.surveys.comment_shipped(ACME, number, BOB.user_id, "still slow")
        second = await uow.surveys.comment_shipped(ACME, number, BOB.user_id, "slow on ARM")
        await uow.commit()
    assert first == _answer(number, ShipAnswer.NO, comment="still slow")
    assert second == _answer(number, ShipAnswer.NO, comment="slow on ARM")
    async with storage.unit_of_work() as uow:
        assert await uow.surveys.shipped_answer(ACME, number, BOB.user_id) == second


async def test_a_comment_without_an_answer_keeps_nothing(engine: AsyncEngine) -> None:
    number = await _item(engine)
    async with SqlStorage(engine).unit_of_work() as uow:
        assert await uow.surveys.comment_shipped(ACME, number, BOB.user_id, "hello") is None
        assert await uow.surveys.comment_shipped(ACME, number + 1, BOB.user_id, "hello") is None
        await uow.commit()
    assert await _count(engine, survey_answers) == 0


async def test_an_anonymous_requesters_answer_keeps_no_user_id(engine: AsyncEngine) -> None:
    number = await _item(engine, anonymous=True)
    storage = SqlStorage(engine)
    handed = ShippedAnswer(
        ACME, number, ANONYMOUS_REQUESTER, "U-SECRET", Role.REQUESTER, ShipAnswer.SOLVED, START
    )
    async with storage.unit_of_work() as uow:
        await uow.surveys.answer_shipped(handed)
        await uow.commit()
    async with engine.connect() as conn:
        rows = (
            await conn.execute(select(survey_answers.c.respondent, survey_answers.c.user_id))
        ).all()
    assert [tuple(row) for row in rows] == [(ANONYMOUS_REQUESTER, None)]
    async with storage.unit_of_work() as uow:
        kept = await uow.surveys.shipped_answer(ACME, number, ANONYMOUS_REQUESTER)
    assert kept is not None and kept.user_id is None and kept.role is Role.REQUESTER


async def test_answers_are_scoped_by_workspace(engine: AsyncEngine) -> None:
    number = await _item(engine)
    assert await _item(engine, workspace=GLOBEX) == number
    async with SqlStorage(engine).unit_of_work() as uow:
        await uow.surveys.answer_shipped(_answer(number, ShipAnswer.SOLVED))
        assert await uow.surveys.shipped_answer(GLOBEX, number, BOB.user_id) is None
        assert await uow.surveys.comment_shipped(GLOBEX, number, BOB.user_id, "hi") is None


# -- pulse surveys --------------------------------------------------------------------------------


async def test_a_survey_reminders_scale_round_trips(engine: AsyncEngine) -> None:
    storage = SqlStorage(engine)
    yes_no = await _reminder(storage, Scale.YES_NO)
    async with storage.unit_of_work() as uow:
        kept = await uow.reminders.get(yes_no.id or 0)
        listed = await uow.reminders.in_workspace(ACME)
    assert kept is not None and kept.kind is ReminderKind.SURVEY
    assert kept.scale is Scale.YES_NO and kept.text == QUESTION
    assert [reminder.scale for reminder in listed] == [Scale.YES_NO]


async def test_a_reminder_of_another_kind_has_no_scale(engine: AsyncEngine) -> None:
    storage = SqlStorage(engine)
    reminder = await _reminder(storage, None)
    async with storage.unit_of_work() as uow:
        kept = await uow.reminders.get(reminder.id or 0)
    assert kept is not None and kept.scale is None


async def test_an_occurrence_opened_twice_is_one_poll(engine: AsyncEngine) -> None:
    storage = SqlStorage(engine)
    reminder = await _reminder(storage)
    async with storage.unit_of_work() as uow:
        first = await uow.surveys.open_poll(_poll(reminder.id))
        await uow.commit()
    async with storage.unit_of_work() as uow:
        again = await uow.surveys.open_poll(_poll(reminder.id))
        await uow.commit()
    assert first.id is not None and again == first
    assert first == Poll(
        ACME,
        "C-GENERAL",
        QUESTION,
        Scale.FIVE,
        START,
        START + timedelta(seconds=2),
        reminder.id,
        first.id,
    )
    async with storage.unit_of_work() as uow:
        assert await uow.surveys.poll(first.id) == first
        assert await uow.surveys.poll(first.id + 1) is None
    assert await _count(engine, survey_polls) == 1


async def test_a_poll_outlives_its_reminder(engine: AsyncEngine) -> None:
    storage = SqlStorage(engine)
    reminder = await _reminder(storage)
    async with storage.unit_of_work() as uow:
        poll = await uow.surveys.open_poll(_poll(reminder.id))
        await uow.reminders.remove(ACME, reminder.id or 0)
        await uow.commit()
    async with storage.unit_of_work() as uow:
        kept = await uow.surveys.poll(poll.id or 0)
    assert kept is not None and kept.reminder_id is None and kept.question == QUESTION


async def test_a_persons_poll_answer_is_replaced_never_counted_twice(engine: AsyncEngine) -> None:
    storage = SqlStorage(engine)
    reminder = await _reminder(storage)
    async with storage.unit_of_work() as uow:
        poll = await uow.surveys.open_poll(_poll(reminder.id))
        await uow.commit()
    assert poll.id is not None
    presses = [
        (BOB.user_id, Stakeholder.INTERNAL, 4, START, None),
        (CY.user_id, Stakeholder.EXTERNAL, 2, START, None),
        (BOB.user_id, Stakeholder.INTERNAL, 4, LATER, 4),  # a repeated delivery
        (BOB.user_id, Stakeholder.INTERNAL, 5, LATER, 4),  # a changed answer
    ]
    for user_id, stakeholder, value, at, replaced in presses:
        async with storage.unit_of_work() as uow:
            answer = PollAnswer(poll.id, user_id, stakeholder, value, at)
            assert await uow.surveys.answer_poll(answer) == replaced
            await uow.commit()
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(survey_poll_answers.c.user_id, survey_poll_answers.c.value).order_by(
                survey_poll_answers.c.user_id
            )
        )
        assert [tuple(row) for row in rows] == [(BOB.user_id, 5), (CY.user_id, 2)]


# -- export ---------------------------------------------------------------------------------------


async def test_the_export_lists_shipped_answers_by_item_then_polls_by_poll(
    engine: AsyncEngine,
) -> None:
    first = await _item(engine)
    anonymous = await _item(engine, anonymous=True)
    storage = SqlStorage(engine)
    reminder = await _reminder(storage, Scale.YES_NO)
    async with storage.unit_of_work() as uow:
        poll = await uow.surveys.open_poll(_poll(reminder.id, Scale.YES_NO))
        assert poll.id is not None
        await uow.surveys.answer_poll(
            PollAnswer(poll.id, CY.user_id, Stakeholder.EXTERNAL, 0, LATER)
        )
        await uow.surveys.answer_poll(
            PollAnswer(poll.id, BOB.user_id, Stakeholder.INTERNAL, 1, START)
        )
        await uow.surveys.answer_shipped(
            _answer(anonymous, ShipAnswer.NO, respondent=ANONYMOUS_REQUESTER, role=Role.REQUESTER)
        )
        await uow.surveys.answer_shipped(_answer(anonymous, ShipAnswer.SOLVED, at=LATER))
        await uow.surveys.answer_shipped(
            _answer(first, ShipAnswer.PARTLY, respondent=CY.user_id, at=LATER, comment="ok")
        )
        await uow.surveys.answer_shipped(_answer(first, ShipAnswer.SOLVED))
        await uow.commit()
    async with storage.unit_of_work() as uow:
        exported = [answer async for answer in uow.surveys.export(ACME)]
        assert [answer async for answer in uow.surveys.export(GLOBEX)] == []

    def shipped(
        number: int,
        answer: str,
        user: str | None,
        role: str,
        at: datetime = START,
        comment: str | None = None,
    ) -> ExportedAnswer:
        return ExportedAnswer(
            ACME, "shipped", answer, at, user, role, "internal", number, comment=comment
        )

    def pulse(answer: str, user: str, stakeholder: str, at: datetime) -> ExportedAnswer:
        return ExportedAnswer(
            ACME,
            "pulse",
            answer,
            at,
            user,
            stakeholder=stakeholder,
            poll_id=poll.id,
            question=QUESTION,
            scheduled_for=START,
        )

    assert exported == [
        shipped(first, "solved", BOB.user_id, "voter"),
        shipped(first, "partly", CY.user_id, "voter", at=LATER, comment="ok"),
        # An anonymous item's answers carry no one's id, its voters' neither.
        shipped(anonymous, "no", None, "requester"),
        shipped(anonymous, "solved", None, "voter", at=LATER),
        pulse("yes", BOB.user_id, "internal", START),
        pulse("no", CY.user_id, "external", LATER),
    ]


async def test_the_export_reads_every_page(engine: AsyncEngine) -> None:
    from storage import surveys

    number = await _item(engine)
    storage = SqlStorage(engine)
    reminder = await _reminder(storage)
    people = [f"U-{n:04d}" for n in range(surveys.EXPORT_PAGE + 5)]
    async with storage.unit_of_work() as uow:
        poll = await uow.surveys.open_poll(_poll(reminder.id))
        assert poll.id is not None
        for n, person in enumerate(people):
            at = START + timedelta(seconds=n % 7)
            await uow.surveys.answer_shipped(
                _answer(number, ShipAnswer.SOLVED, respondent=person, at=at)
            )
            await uow.surveys.answer_poll(PollAnswer(poll.id, person, Stakeholder.INTERNAL, 3, at))
        await uow.commit()
    async with storage.unit_of_work() as uow:
        exported = [answer async for answer in uow.surveys.export(ACME)]
    assert len(exported) == 2 * len(people)
    for survey in ("shipped", "pulse"):
        mine = [answer for answer in exported if answer.survey == survey]
        assert sorted(answer.user_id or "" for answer in mine) == people
        assert [answer.answered_at for answer in mine] == sorted(a.answered_at for a in mine)


async def test_presses_racing_each_other_keep_one_answer_per_person(engine: AsyncEngine) -> None:
    import asyncio

    storage = SqlStorage(engine)
    reminder = await _reminder(storage)
    async with storage.unit_of_work() as uow:
        poll = await uow.surveys.open_poll(_poll(reminder.id))
        await uow.commit()
    assert poll.id is not None
    poll_id = poll.id

    async def press(user_id: str, value: int) -> int | None:
        async with storage.unit_of_work() as uow:
            replaced = await uow.surveys.answer_poll(
                PollAnswer(poll_id, user_id, Stakeholder.INTERNAL, value, START)
            )
            await uow.commit()
            return replaced

    people = [f"U-{n}" for n in range(10)]
    # Each person presses 1, 2 and 3 at once: exactly one press finds no earlier answer.
    replaced = await asyncio.gather(
        *(press(person, value) for person in people for value in (1, 2, 3))
    )
    assert replaced.count(None) == len(people)
    assert await _count(engine, survey_poll_answers) == len(people)
